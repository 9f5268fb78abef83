// Showing results inside a notebook (and as files outside one): figures, tables, live progress.

// Display outputs
export { inNotebook, emitBundle, type MimeBundle } from "./emit";
// Figures
export {
  figureTitle,
  figureSummary,
  toPlainJson,
  plotlyPath,
  plotlyEmbedScript,
  fallbackLine,
  fallbackHtml,
  renderBundle,
  checkFigure,
  checkFigureMeta,
  show,
  PLOTLY_MIME,
  FALLBACK_CLASS,
  FALLBACK_PATTERN,
  type PlotlyTrace,
  type PlotlyFigure,
  type FigureMeta,
  type ShowOptions,
  type FallbackImage,
} from "./show";
// Tables
export {
  renderTableBundle,
  showTable,
  UNDEFINED_CELL,
  type TableLike,
  type TableOptions,
} from "./table";
// Live progress and curves
export {
  liveProgress,
  liveCurve,
  type LiveProgress,
  type LiveOptions,
  type LiveCurveOptions,
  type LiveCurve,
} from "./live";
