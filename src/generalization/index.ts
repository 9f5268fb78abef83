export * from "./rules";
export * from "./stats";
export * from "./trainToLoss";
export * from "./experiments";
export * from "./exercises";
export * from "./problem";
