export * from "./samplers";
