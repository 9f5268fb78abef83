export * from "./fastModel";
export * from "./wasmMlp";
export * from "./wasmLinear";
export * from "./tfjsNetwork";
export { wasmSimdAvailable, padded } from "./wasm/runtime";
export { DEFAULT_SHAPE, type KernelShape } from "./wasm/kernels";
