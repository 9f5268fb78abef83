export * from "./sgd";
export * from "./train";
