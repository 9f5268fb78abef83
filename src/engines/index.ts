export * from "./fastModel";
export * from "./wasmMlp";
export * from "./wasmLinear";
export * from "./tfjsNetwork";
export { loadKernels, wasmSimdAvailable, relaxedSimdAvailable, kernelFeatures, defaultArithmetic, padded, type KernelFeatures } from "./wasm/runtime";
export { DEFAULT_SHAPES, type Arithmetic, type KernelShape } from "./wasm/kernels";
