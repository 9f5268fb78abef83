// Gradient noise (chapter 2): its statistics at a fixed θ, its variance against m, and B_simple.

// Gradient noise at a fixed θ
export {
  gradientNoise,
  gradientMatrix,
  asGradientMatrix,
  matrixMean,
  matrixNoise,
  simpleNoiseScale,
  signalToNoise,
  predictedVariance,
  type GradientNoise,
  type GradientMatrix,
} from "./statistics";
// The batch gradient's variance against m
export {
  batchDrawer,
  forEachBatchMean,
  measureBatchVariance,
  projectedBatchGradients,
  drawsForBudget,
  fitPowerLaw,
  type Replacement,
  type DrawOptions,
  type VarianceRow,
  type VarianceOptions,
} from "./variance";
// B_simple from two batch sizes
export {
  twoBatchEstimate,
  withoutReplacementCorrection,
  estimateNoiseScale,
  bSimpleStandardError,
  trackNoiseScale,
  NoiseScaleEstimator,
  type TwoBatchSizes,
  type NoiseEstimate,
  type NoiseScaleEstimatorOptions,
  type TwoBatchOptions,
  type TwoBatchResult,
  type NoiseTrackingOptions,
  type NoiseTrackingRow,
} from "./twoBatch";
