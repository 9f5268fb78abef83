export * from "./hessian";
export * from "./eigen";
export * from "./sharpness";
export * from "./interpolate";
export * from "./loss";
export * from "./mlpHessian";
export * from "./reparametrize";
