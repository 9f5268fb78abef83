export * from "./noiseScale";
export * from "./stats";
export * from "./trainToLoss";
export * from "./experiments";
