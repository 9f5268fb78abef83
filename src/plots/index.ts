// Plotly figures, one file per chapter, on the one style of style.ts (where every colour lives).

// The one style: palette by role, layout, axes
export {
  withAlpha,
  categoricalColor,
  baseLayout,
  colorForBatchSize,
  batchSizeLabel,
  batchSizeStyle,
  batchSizeDash,
  COLORS,
  CATEGORICAL_PALETTE,
  SCHEDULE_COLORS,
  LANDSCAPE_COLORS,
  BATCH_SIZE_PALETTE,
  BATCH_SIZE_RANGE,
  MAX_COLOR_ONLY_SERIES,
  type PlotlyLayout,
  type LayoutOptions,
} from "./style";
// Log-axis ticks
export { tickText, logTicks, powerOfTwoTicks, readableLogAxes, type Ticks } from "./ticks";
// Chapter 1
export {
  lossSurface,
  pathRun,
  trajectoryFigure,
  lossCurvesFigure,
  updateRuleFigure,
  batchSizeSliderFigure,
  type LossSurface,
  type SurfaceOptions,
  type PathRun,
  type TrajectoryOptions,
  type LossCurveOptions,
} from "./updateRule";
// Chapter 2
export {
  isRoundingZero,
  varianceFigure,
  spreadFigure,
  snrFigure,
  noiseScaleFigure,
  estimatorConvergenceFigure,
  type VarianceFigureOptions,
  type SpreadSample,
  type SnrFigureOptions,
} from "./noise";
// Chapter 3
export {
  convergencePanelsFigure,
  timeToLossFigure,
  lrSensitivityFigure,
  bestLrFigure,
  warmupFigure,
  stepsToTargetFigure,
  paretoFigure,
  type RowsOrTable,
  type ConvergenceCurveRow,
  type TimedLossRow,
  type WarmupCurveRow,
} from "./convergence";
// Chapter 4
export {
  ruleLabel,
  accuracyByRuleFigure,
  accuracyVsStepsFigure,
  budgetComparisonFigure,
  sharpnessFigure,
  sharpnessVsGapFigure,
  interpolationFigure,
  gapVsNoiseScaleFigure,
  type AccuracyRow,
  type RuleAccuracyRow,
  type StepsAccuracyRow,
  type BudgetAccuracyRow,
  type SharpnessRow,
  type NoiseScaleRow,
} from "./generalization";
// Chapter 5
export {
  engineColor,
  stepTimeFigure,
  throughputFigure,
  rooflineFigure,
  epochTimeFigure,
  timeToTargetFigure,
  memoryFigure,
  type StepTimeFigureOptions,
  type RooflineFigureOptions,
  type MemoryFigureOptions,
} from "./compute";
// Chapter 6: the advisor's evidence
export {
  advisorTuningFigure,
  advisorNoiseFigure,
  advisorTimeFigure,
  advisorLrFigure,
  advisorCheckFigure,
} from "./advisor";
// Chapter 3b
export {
  scheduleColor,
  scheduleBudgetFigure,
  ewaFigure,
  decayGrowthFigure,
  stabilityFigure,
  type ScheduleBudgetOptions,
  type EwaSeries,
} from "./schedules";
// Chapter 2b
export {
  batchLabel,
  landscapeFigure,
  cloudFigure,
  basinShareFigure,
  survivalFigure,
  escapeTimeFigure,
  saddleLossFigure,
  saddleEscapeFigure,
  type LandscapeFigureOptions,
  type Cloud,
  type EscapeSeries,
} from "./landscape";
// Chapter 5: the data-parallel step
export { parallelStepFigure, syncCostFigure } from "./parallel";
