// Fast drop-in models for the same train(): WebAssembly kernels, and TensorFlow.js for comparison.

// What the fast engines share
export {
  EngineBase,
  type FastModel,
  type FusedTrainOptions,
  type FusedTrainResult,
  type EngineMemory,
  type LabelKind,
} from "./fastModel";
// The MLP on WebAssembly
export { wasmMlp } from "./wasmMlp";
// Linear and logistic regression on WebAssembly
export { wasmLinear, type LinkKind } from "./wasmLinear";
// The same networks in TensorFlow.js
export {
  tfjsTrainer,
  type NetworkOutput,
  type TfjsTrainer,
  type TfjsTrainerOptions,
} from "./tfjsNetwork";
// What the WebAssembly runtime supports
export {
  loadKernels,
  wasmSimdAvailable,
  relaxedSimdAvailable,
  kernelFeatures,
  defaultArithmetic,
  padded,
  type KernelFeatures,
} from "./wasm/runtime";
// Kernel shapes and arithmetic
export { DEFAULT_SHAPES, type Arithmetic, type KernelShape } from "./wasm/kernels";
// The MLP step split across K workers (SharedArrayBuffer)
export {
  dataParallelMlp,
  shareSizes,
  DEFAULT_CROSSOVER,
  MAX_WORKERS,
  type DataParallelModel,
  type DataParallelOptions,
} from "./dataParallel/engine";
