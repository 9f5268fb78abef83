export * from "./check";
export * from "./updateRule";
export * from "./noise";
export * from "./convergence";
export * from "./schedules";
