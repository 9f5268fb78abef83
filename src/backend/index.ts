export * from "./tfjs";
