export * from "./rng";
export * from "./validate";
export * from "./mode";
export * from "./linalg";
export * from "./format";
export * from "./stats";
