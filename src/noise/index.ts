export * from "./statistics";
export * from "./variance";
export * from "./twoBatch";
