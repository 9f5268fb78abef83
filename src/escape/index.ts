// Escaping sharp minima and saddles (chapter 2b): runs of minibatch SGD and of noisy GD on the
// landscapes of data/landscape.ts, escape times with censoring, line fits, and what theory predicts.

// Escape times with censoring
export {
  exponentialFit,
  escapeProbability,
  meanOfEscapedOnly,
  kaplanMeier,
  restrictedMean,
  escapeSummary,
  type EscapeTimes,
  type ExponentialFit,
  type EscapeSummary,
} from "./survival";
// What theory predicts
export {
  wellShare,
  escapeSlope,
  arrheniusExponent,
  constantNoiseExponent,
  isotropicVariance,
  kramersSteps,
  saddleEscapeSteps,
  type Basin,
} from "./theory";
// The escape experiments
export {
  batchesFor,
  escapeRuns,
  noisyGdRuns,
  cloudRuns,
  cachedRun,
  asEscapeTimes,
  meanLossCurve,
  cachedEscapeRuns,
  type EscapeRunOptions,
  type NoisyGdOptions,
  type CloudOptions,
} from "./experiments";
// Line fits of log escape times
export {
  weightedLine,
  fitEscapeLine,
  type LineFit,
  type EscapePoint,
  type EscapeLineFit,
} from "./fit";
// The gradient covariance at θ
export { exampleGradientCovariance } from "./covariance";
