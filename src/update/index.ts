export * from "./sgd";
export * from "./train";
export * from "./schedules";
export * from "./averaging";
export * from "./stability";
export * from "./scheduleStudy";
