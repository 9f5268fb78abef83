// Sweeps: grids of training runs with a disk cache, steps-to-target with the learning rate tuned
// per batch size, and the critical-batch fit of the convergence chapter.
export * from "./cache";
export * from "./progress";
export * from "./runner";
export * from "./target";
export * from "./tuning";
export * from "./pareto";
export * from "./optimum";
export * from "./experiments";
