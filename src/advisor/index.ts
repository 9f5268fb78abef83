// The batch-size advisor of chapter 6: measure a problem's gradient noise, curvature and step
// times, and recommend a batch size and a learning rate.

// Checks of the learner's inputs
export {
  checkAdvisorData,
  modelForArrays,
  MIN_EXAMPLES,
  AdvisorInputError,
  type Task,
  type ArrayModelOptions,
} from "./inputs";
// Measuring a problem and recommending m and η
export {
  adviseFromMeasurements,
  tuneBaseLr,
  topHessianEigenvalue,
  recommendBatchSize,
  formatAdvice,
  BCRIT_FACTOR,
  STABILITY_FRACTION,
  WARMUP_SHARE,
  DEFAULT_LR_GRID,
  type ScalingRule,
  type TuningTrial,
  type BaseLr,
  type NoiseMeasurement,
  type CurvatureMeasurement,
  type Measurements,
  type DecisionOptions,
  type CandidateRow,
  type Recommendation,
  type BatchSizeAdvice,
  type AdvisorOptions,
} from "./advise";
// The advisor on plain arrays
export { adviseFromArrays } from "./arrays";
// The band of batch sizes within a factor of the fitted time to target
export {
  BAND_FACTOR,
  MIN_BAND_FACTOR,
  bandCostBound,
  fittedCost,
  fittedOptimum,
  costBand,
  type CostBand,
} from "./costBand";
