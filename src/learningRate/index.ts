// The learning rate, in one place: what train() takes (a constant or a schedule η(step)), the
// schedules (warmup, decays, and the growing batch that mirrors step decay), and the rules for how η
// follows the batch size.

// η as train() takes it
export { learningRateAt, type LearningRate, type Schedule } from "./learningRate";
// Schedules of η over steps, and of m over epochs
export {
  linearWarmup,
  stepDecay,
  inverseTimeDecay,
  cosineDecay,
  levelAt,
  robbinsMonroSums,
  batchGrowth,
  epochsToSteps,
  stepsPerEpoch,
  updatesWithBatchSchedule,
  type BatchSchedule,
} from "./schedules";
// How η follows m: the rules, and the measured best η set beside them
export {
  scaledLearningRate,
  LR_RULES,
  lrRules,
  linearScalingLimit,
  type LrRule,
  type LrBase,
  type TunedLr,
  type LrRuleRow,
} from "./scaling";
