// The batch-size advisor of chapter 6: measure a problem's gradient noise, curvature and step
// times, and recommend a batch size and a learning rate.
export * from "./inputs";
export * from "./costBand";
export * from "./advise";
export * from "./arrays";
export * from "./exercises";
