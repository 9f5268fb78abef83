export * from "./model";
export * from "./linear";
export * from "./logistic";
export * from "./softmax";
export * from "./mlp";
export * from "./landscape";
