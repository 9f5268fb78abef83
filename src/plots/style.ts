// One look for every figure of the course: the same fonts, margins and grid, and above all the same
// colour for the same batch size m in every notebook, so that "m = 64 is the teal one" holds from
// the first chart to the last.

/** A Plotly layout object (only the keys this module sets are typed). */
export interface PlotlyLayout {
  title?: { text: string; x?: number; xanchor?: string };
  [key: string]: unknown;
}

export interface LayoutOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  xLog?: boolean;
  yLog?: boolean;
  /** Pixels (default 420). Width follows the page. */
  height?: number;
}

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/**
 * Every colour of the course that is not a batch size, by the role it plays. Change a colour here
 * and every figure, table and live curve follows; no other file of src/ spells a colour.
 */
export const COLORS = {
  /** Text, exact values, the reference every estimate is compared with. */
  ink: "#222222",
  /** Axes, tick marks, analytic reference lines. */
  axis: "#444444",
  /** Secondary lines: rules drawn for comparison, guides, asymptotes. */
  muted: "#555555",
  /** Table captions and footnotes. */
  note: "#666666",
  /** Guides that should stay in the background (SNR = 1, interpolation marks). */
  faint: "#999999",
  /** Points that are shown but excluded (do not fit in memory), the exact = 1 line. */
  fainter: "#bbbbbb",
  grid: "#e6e6e6",
  zeroline: "#cfcfcf",
  /** Table rule lines. */
  rule: "#eeeeee",
  background: "#ffffff",
  legendBackground: "rgba(255,255,255,0.8)",
  transparent: "rgba(0,0,0,0)",
  /** Loss contours: low and high fill, contour lines. */
  contourLow: "#f7f7f7",
  contourHigh: "#bdbdbd",
  contourLine: "#9e9e9e",
  /** Sampling with replacement; the linear scaling rule; train sets. */
  blue: "#3b528b",
  /** Sampling without replacement; estimates; the linear rule in chapter 4; test sets. */
  orange: "#d95f02",
  /** Training loss on a second axis; finished progress. */
  green: "#1b9e77",
  /** The square-root rule. */
  purple: "#7570b3",
  /** Fitted curves (S_min(1 + B_crit/m), the Pareto hyperbola). */
  fit: "#c03b5a",
  /** Limits: stability 2/λ_max, memory budgets, divergence. */
  limit: "#b2182b",
  /** The shaded B_crit range around an estimate (orange, see-through). */
  estimateRange: "rgba(217, 95, 2, 0.12)",
  /** The shaded band of batch sizes as fast as the fastest within the timings' tolerance (green, see-through). */
  bandFill: "rgba(27, 158, 119, 0.10)",
  /** A claim that holds / fails in the notebook's output. */
  pass: "#1a7f37",
  failure: "#b42318",
  failureBackground: "#fde8e8",
  /** Single examples' losses drawn behind their mean (grey, see-through). */
  examples: "rgba(120, 120, 120, 0.45)",
} as const;

/** A colour of the palette ("#rrggbb") made see-through: for clouds of points drawn over time. */
export function withAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m)
    throw new RangeError(
      `withAlpha: a colour "#rrggbb" from the palette, got ${JSON.stringify(color)}`,
    );
  const a = Math.min(1, Math.max(0, alpha));
  return `rgba(${parseInt(m[1], 16)}, ${parseInt(m[2], 16)}, ${parseInt(m[3], 16)}, ${Number(a.toFixed(3))})`;
}

/**
 * Series that are not batch sizes (engines, budgets, schedules, live-curve series), in the order
 * they are assigned: distinct hues of similar weight (ColorBrewer Dark2 with a slate).
 */
export const CATEGORICAL_PALETTE: readonly string[] = [
  COLORS.blue,
  COLORS.orange,
  COLORS.green,
  COLORS.purple,
  "#e7298a",
  "#66a61e",
  "#8c564b",
  "#5f6b6d",
];

/**
 * The pages around the charts: the HTML book (npm start) and the figure gallery (npm run figures).
 * Written into each page's CSS as custom properties (--name), by pageColorVariables().
 */
export const PAGE_COLORS = {
  fg: "#1f2328",
  muted: "#636c76",
  line: "#d8dee4",
  code: "#f6f8fa",
  accent: "#3b5ba5",
  bad: "#c0392b",
  "bad-bg": "#fff0f0",
  "bad-pill": "#fdecea",
  "stderr-bg": "#fff5f5",
  ok: "#1e7e34",
  "ok-bg": "#e6f4ea",
  page: "#ffffff",
  bar: "#fafbfc",
  "gallery-bg": "#fafafa",
  "gallery-ink": COLORS.ink,
  "gallery-text": "#444444",
  "gallery-muted": COLORS.muted,
  "gallery-dt": "#777777",
  "gallery-line": "#e3e3e3",
  "gallery-img-line": COLORS.rule,
  "gallery-failed": COLORS.limit,
} as const;

/** PAGE_COLORS as a CSS rule of custom properties on :root. */
export function pageColorVariables(): string {
  return `:root { ${Object.entries(PAGE_COLORS)
    .map(([name, value]) => `--${name}:${value};`)
    .join(" ")} }`;
}

/** The rugged landscape's runs (chapter 2b): the two minima, and the three kinds of noise compared at one trace. */
export const LANDSCAPE_COLORS = {
  sharpMinimum: COLORS.failure,
  flatMinimum: "#1f77b4",
  isotropicNoise: COLORS.muted,
  hessianNoise: "#e08214",
  minibatchNoise: COLORS.failure,
} as const;

/** One colour per learning-rate schedule, the same in every figure (chapter 3b). */
export const SCHEDULE_COLORS: Readonly<Record<string, string>> = {
  constant: COLORS.muted,
  "constant + averaging": CATEGORICAL_PALETTE[4],
  "step decay": COLORS.orange,
  "1/(1 + t/τ)": COLORS.blue,
  cosine: COLORS.green,
};

/** The k-th categorical colour (wrapping around). */
export function categoricalColor(k: number): string {
  return CATEGORICAL_PALETTE[
    ((k % CATEGORICAL_PALETTE.length) + CATEGORICAL_PALETTE.length) % CATEGORICAL_PALETTE.length
  ];
}

const GRID = COLORS.grid;
const AXIS = COLORS.axis;

function axis(title: string | undefined, log: boolean | undefined): Record<string, unknown> {
  return {
    title: title ? { text: title } : undefined,
    type: log ? "log" : "linear",
    gridcolor: GRID,
    zerolinecolor: COLORS.zeroline,
    linecolor: AXIS,
    ticks: "outside",
    tickcolor: AXIS,
    showline: true,
    mirror: false,
    automargin: true,
    ...(log ? { exponentformat: "power" } : {}),
  };
}

/** The layout every course figure starts from; spread it and add what a figure needs. */
export function baseLayout(options: LayoutOptions = {}): PlotlyLayout {
  return {
    title: options.title ? { text: options.title, x: 0.02, xanchor: "left" } : undefined,
    font: { family: FONT, size: 13, color: COLORS.ink },
    paper_bgcolor: COLORS.background,
    plot_bgcolor: COLORS.background,
    height: options.height ?? 420,
    autosize: true,
    margin: { l: 64, r: 24, t: options.title ? 56 : 24, b: 56 },
    xaxis: axis(options.xTitle, options.xLog),
    yaxis: axis(options.yTitle, options.yLog),
    legend: { bgcolor: COLORS.legendBackground, borderwidth: 0 },
    hovermode: "closest",
  };
}

/**
 * The course's batch-size palette, one colour per power of two from m = 1 (purple) to m = 16384
 * (plum), the largest batch the course trains. The hue walks once round the wheel, so the order of m reads as the order of the
 * colours; the lightness alternates dark/light, so that two neighbouring batch sizes (m and 2m)
 * differ in lightness as well as hue (CIELAB ΔE ≥ 20 between neighbours, ≥ 27 two steps apart; a
 * test checks it). Every colour is dark enough for a thin line on white.
 */
export const BATCH_SIZE_PALETTE: readonly string[] = [
  "#6d469e", // m = 1
  "#6a93f4", // 2
  "#0063b2", // 4
  "#00a9e5", // 8
  "#006d85", // 16
  "#00ae9d", // 32
  "#006b39", // 64
  "#62a64d", // 128
  "#516000", // 256
  "#b7912e", // 512
  "#8f4501", // 1024
  "#ea7261", // 2048
  "#a7254d", // 4096
  "#e274b9", // 8192
  "#6e1f6e", // 16384
];

/** The range of batch sizes the palette spans; sizes outside it get the end colours. */
export const BATCH_SIZE_RANGE = { min: 1, max: 16384 } as const;

/**
 * Beyond this many batch sizes in one figure, colour alone no longer tells the series apart:
 * batchSizeStyle then dashes every second one (by rank).
 */
export const MAX_COLOR_ONLY_SERIES = 8;

/**
 * The course-wide colour of batch size m: the palette entry of the nearest power of two, so
 * doubling m is always one step along the palette. Small batches are purple, large ones red.
 */
export function colorForBatchSize(m: number): string {
  const k = m > 0 && Number.isFinite(m) ? Math.round(Math.log2(m)) : 0;
  const lo = Math.log2(BATCH_SIZE_RANGE.min);
  const hi = Math.log2(BATCH_SIZE_RANGE.max);
  return BATCH_SIZE_PALETTE[Math.min(hi, Math.max(lo, k)) - lo];
}

/** The legend name of a batch size: "m = 64". */
export function batchSizeLabel(m: number): string {
  return `m = ${m}`;
}

/**
 * Name, colour and legend group for a trace of batch size m: spread it into a trace,
 * `{ x, y, type: "scatter", ...batchSizeStyle(64) }`. Given `among` (every batch size the figure
 * draws) and more than MAX_COLOR_ONLY_SERIES of them, every second one by rank is dashed, so that
 * neighbours differ in line style as well as colour.
 */
export function batchSizeStyle(
  m: number,
  among?: readonly number[],
): {
  name: string;
  legendgroup: string;
  line: { color: string; width: number; dash?: string };
  marker: { color: string };
} {
  const color = colorForBatchSize(m);
  return {
    name: batchSizeLabel(m),
    legendgroup: `m${m}`,
    line: { color, width: 2, ...batchSizeDash(m, among) },
    marker: { color },
  };
}

/** `{ dash: "dash" }` for every second of more than MAX_COLOR_ONLY_SERIES batch sizes, else {}. */
export function batchSizeDash(m: number, among?: readonly number[]): { dash?: string } {
  if (!among) return {};
  const sorted = Array.from(new Set(among)).sort((a, b) => a - b);
  if (sorted.length <= MAX_COLOR_ONLY_SERIES) return {};
  return sorted.indexOf(m) % 2 === 1 ? { dash: "dash" } : {};
}
