// The update rule and the training loop, with what keeps the update stable and averages it.

// The update rule
export {
  sgdStep,
  applyMeanGradient,
  plainStepper,
  stepperFor,
  checkedRule,
  type ExampleGradient,
  type UpdateRule,
  type Stepper,
} from "./sgd";
// The training loop
export {
  makeSampler,
  train,
  type SamplerKind,
  type TrainOptions,
  type TrainRecord,
  type TrainResult,
} from "./train";
// Iterate and exponential averages
export { exponentialAverage, ewaStartupFactor, IterateAverage, type EwaOptions } from "./averaging";
// Where the update diverges
export {
  leastSquaresHessian,
  leastSquaresEdge,
  fullBatchDiverges,
  divergenceEdge,
  divergenceTable,
  largestSafeRatio,
  type EdgeOptions,
  type DivergenceTableOptions,
  type DivergenceRow,
} from "./stability";
// The schedule experiments of chapter 3b
export {
  scheduleComparison,
  decayVersusGrowth,
  type ScheduleFamily,
  type ScheduleComparisonOptions,
  type ScheduleRow,
  type DecayGrowthOptions,
  type DecayGrowthPoint,
  type DecayGrowthResult,
} from "./scheduleStudy";
