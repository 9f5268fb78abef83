// Compute and memory (chapter 5): time per step against m, what a step stores, and the wall-clock
// time to a target loss.

// Time per step against m
export {
  trainRunner,
  fusedRunner,
  tfjsRunner,
  relativeSpread,
  calibrateSteps,
  measureInterleaved,
  measureStepTimes,
  timingLoad,
  machineLoad,
  timeInterleaved,
  medianOf,
  type StepRunner,
  type RunnerOptions,
  type StepTimeRow,
  type MeasureOptions,
  type TimingLoad,
  type TimedCandidate,
  type InterleavedTiming,
  type InterleaveOptions,
} from "./timing";
// Overhead and arithmetic: reading a time-per-step curve
export {
  mlpFlopsPerExample,
  linearFlopsPerExample,
  fitOverhead,
  wasmMatmulRate,
  tfjsMatmulRate,
  rooflineRows,
  type OverheadFit,
  type MatmulRate,
  type RooflineRow,
} from "./roofline";
// What a step stores
export {
  storedWidths,
  activationBytesPerExample,
  mlpParameterCount,
  measureEngineMemory,
  measureTfjsMemory,
  largestBatchWithin,
  type StoredWidth,
  type MemoryRow,
} from "./memory";
// Wall-clock time to a target loss
export {
  interpolateStepTime,
  timeToTarget,
  fastestBatch,
  optimalBatchModel,
  type TimeToTargetRow,
} from "./target";
// Choosing m within the noise of the timings
export {
  monotoneStepTimes,
  smoothStepTimes,
  toleranceFromSpread,
  chooseWithinBand,
  formatBand,
  MIN_BAND_TOLERANCE,
  MAX_BAND_TOLERANCE,
  type BandChoice,
} from "./band";
// One step on K workers against one: where the second worker starts to pay
export {
  parallelRows,
  crossoverBatch,
  measureParallelSteps,
  type ParallelRow,
  type ParallelTiming,
} from "./parallel";
