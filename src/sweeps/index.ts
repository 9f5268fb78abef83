// Sweeps: grids of training runs with a disk cache, steps-to-target with the learning rate tuned
// per batch size, and the critical-batch fit of the convergence chapter.

// The disk cache of finished runs
export { stableStringify, defaultCacheDir, CACHE_FORMAT, RunCache, type CacheStats } from "./cache";
// Progress of a long sweep
export {
  consoleProgress,
  remainingSeconds,
  yieldToEventLoop,
  silentProgress,
  type ProgressHandle,
  type ProgressFactory,
  type ConsoleProgressOptions,
} from "./progress";
// Grids of runs
export {
  describeConfig,
  grid,
  runSweep,
  type SweepValue,
  type RunConfig,
  type SweepRow,
  type RunOutput,
  type RunContext,
  type SweepOptions,
  type SweepResult,
} from "./runner";
// Steps to a target loss
export {
  nextEvaluation,
  trainToTarget,
  firstCrossing,
  type TargetStatus,
  type CurvePoint,
  type TargetRunOptions,
  type TargetRun,
  type CrossingOptions,
} from "./target";
// Steps to target with η tuned per m
export {
  lrGridValues,
  cachedTargetRun,
  stepsToTarget,
  replayTargetRun,
  noiseScaleAtTarget,
  type TargetProblem,
  type LrGrid,
  type TargetRunSettings,
  type TargetRunRecord,
  type StepsToTargetOptions,
  type StepsToTargetResult,
  type LrTrial,
  type TunedStepsRow,
} from "./tuning";
// The steps/examples trade-off and the critical batch
export {
  paretoSteps,
  fitCriticalBatch,
  logLogSlope,
  paretoCurve,
  type StepsPoint,
  type CriticalBatchFit,
  type CriticalBatchFitOptions,
} from "./pareto";
// The minimum L* of the convex problems
export { logisticOptimum, linearOptimum, type Optimum } from "./optimum";
// The experiments of chapter 3
export {
  curveRun,
  bestPerBatchSize,
  clocksToLevel,
  timedCurves,
  timedSteps,
  criticalBatchStudy,
  warmupRuns,
  logisticStabilityLimit,
  D2L_SCHEDULES,
  type CurveRunOptions,
  type CurveRunSummary,
  type ClockRow,
  type TimedSchedule,
  type TimedCurvesOptions,
  type TimedStepsRow,
  type TimedStepsOptions,
  type CriticalBatchStudy,
  type WarmupVariant,
  onStepClock,
} from "./experiments";
