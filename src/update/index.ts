export * from "./sgd";
export * from "./train";
export * from "./averaging";
export * from "./stability";
export * from "./scheduleStudy";
