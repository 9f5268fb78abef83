// Escaping sharp minima and saddles (chapter 2b): runs of minibatch SGD and of noisy GD on the
// landscapes of data/landscape.ts, escape times with censoring, line fits, and what theory predicts.
export * from "./survival";
export * from "./theory";
export * from "./experiments";
export * from "./fit";
export * from "./covariance";
