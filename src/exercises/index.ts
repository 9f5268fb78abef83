// Exercises: the checks every chapter uses, then the graders and reference solutions of each
// chapter, one file per chapter (a new chapter adds its file and one group here).

// Checks, solutions and graders' helpers
export {
  todo,
  answered,
  fail,
  formatResult,
  check,
  grade,
  relativeDifference,
  nearlyEqual,
  expectNumber,
  expectClose,
  describeValue,
  formatNumber,
  registerSolutions,
  solutionNames,
  getSolution,
  solution,
  ExerciseFailure,
  NotAttempted,
  type CheckStatus,
  type CheckResult,
  type Solution,
} from "./check";
// Chapter 1: the update rule
export {
  gradeUpdateStep,
  gradeSameExpectedStep,
  gradeCombineWorkers,
  type UpdateStepFn,
  type CombineFn,
} from "./updateRule";
// Chapter 2: gradient noise
export {
  gradeTraceCov,
  gradePredictedVariance,
  gradeTwoBatchBSimple,
  VARIANCE_EXERCISE,
  TWO_BATCH_EXERCISE,
  type TraceCovFn,
} from "./noise";
// Chapter 2b: noise on a rugged landscape
export {
  gradeCensoredMean,
  gradeEscapeSlope,
  CENSORED_EXERCISE,
  SLOPE_EXERCISE,
} from "./ruggedLandscape";
// Chapter 3: convergence
export {
  gradeStepsAtFourBCrit,
  wallClockOptimalBatch,
  gradeWallClockOptimalBatch,
  gradeTenPercentOverhead,
  STEP_COST,
} from "./convergence";
// Chapter 3b: taming the noise
export {
  gradeBiasCorrectedEwa,
  gradeGrowthUpdates,
  gradeStabilityEdge,
  GROWTH_EXERCISE,
  EDGE_EXERCISE,
  type EwaFn,
} from "./schedules";
// Chapter 4: generalization
export {
  gradeSqrtRule,
  gradeUpdates,
  gradePhi,
  gradeTopEigenvalue,
  SQRT_RULE_EXERCISE,
  UPDATES_EXERCISE,
  PHI_EXERCISE,
  type TopEigenvalueFn,
} from "./generalization";
// Chapter 5: compute and memory
export {
  gradeOverheadBatch,
  gradeMemoryBudget,
  gradeOptimalBatch,
  OVERHEAD_EXERCISE,
  MEMORY_EXERCISE,
  OPTIMUM_EXERCISE,
} from "./compute";
// Chapter 6: choosing a batch size
export {
  gradeCappedLr,
  stepsExerciseAnswer,
  gradeStepsAtLargeBatch,
  dirtyRows,
  gradeCleanRows,
  CAPPED_LR_EXERCISE,
  STEPS_EXERCISE,
  type CleanFn,
} from "./choosingBatchSize";
