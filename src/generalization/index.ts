// Generalization (chapter 4): runs under a fixed epoch budget and to an equal training loss, their
// statistics, and the noise scale.

// The noise scale
export { noiseScale } from "./noiseScale";
// Statistics of seeded runs
export {
  evaluateSolution,
  summarizeSeeds,
  accuracyStandardError,
  ranks,
  spearman,
  summarizeBy,
  compareMeans,
  type Evaluation,
  type SeedSummary,
  type MeanDifference,
} from "./stats";
// Training to a target loss
export {
  trainToLoss,
  type TrainToLossOptions,
  type LossRunStatus,
  type LossCheck,
  type TrainToLossResult,
} from "./trainToLoss";
// The two budgets of chapter 4
export {
  lrRuleGrid,
  runFixedEpochs,
  runToEqualLoss,
  measureSharpness,
  measureSharpnessOfRuns,
  type RunProgress,
  type FixedEpochConfig,
  type FixedEpochRow,
  type EqualLossConfig,
  type EqualLossRow,
  type EqualLossRun,
  type SharpnessMeasurement,
  type SharpnessMeasureOptions,
} from "./experiments";
// The problem as data, rebuilt in every worker of the pool
export { mnistMlpProblem, type MnistMlpSpec, type GeneralizationProblem } from "./problem";
// The runs as worker-pool jobs' building blocks
export {
  fixedEpochRun,
  equalLossRun,
  sharpnessOf,
  interpolationCurveOf,
  type EqualLossOptions,
  type SharpnessJobOptions,
} from "./experiments";
