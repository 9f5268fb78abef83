export * from "./timing";
export * from "./roofline";
export * from "./memory";
export * from "./target";
export * from "./band";
export * from "./exercises";
export * from "./parallel";
