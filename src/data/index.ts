export * from "./dataset";
export * from "./synthetic";
export * from "./logisticTeacher";
export * from "./airfoilLike";
export * from "./mnist";
export * from "./landscape";
