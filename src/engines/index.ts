export * from "./fastModel";
export * from "./wasmMlp";
export * from "./wasmLinear";
export * from "./tfjsNetwork";
export { wasmSimdAvailable, relaxedSimdAvailable, kernelFeatures, defaultArithmetic, padded, type KernelFeatures } from "./wasm/runtime";
export { DEFAULT_SHAPES, type Arithmetic, type KernelShape } from "./wasm/kernels";
export { dataParallelMlp, shareSizes, DEFAULT_CROSSOVER, MAX_WORKERS, type DataParallelModel, type DataParallelOptions } from "./dataParallel/engine";
