export * from "./style";
export * from "./ticks";
export * from "./updateRule";
export * from "./noise";
export * from "./convergence";
export * from "./generalization";
export * from "./compute";
export * from "./advisor";
