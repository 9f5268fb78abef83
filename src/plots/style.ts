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
const GRID = "#e6e6e6";
const AXIS = "#444";

function axis(title: string | undefined, log: boolean | undefined): Record<string, unknown> {
  return {
    title: title ? { text: title } : undefined,
    type: log ? "log" : "linear",
    gridcolor: GRID,
    zerolinecolor: "#cfcfcf",
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
    font: { family: FONT, size: 13, color: "#222" },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    height: options.height ?? 420,
    autosize: true,
    margin: { l: 64, r: 24, t: options.title ? 56 : 24, b: 56 },
    xaxis: axis(options.xTitle, options.xLog),
    yaxis: axis(options.yTitle, options.yLog),
    legend: { bgcolor: "rgba(255,255,255,0.8)", borderwidth: 0 },
    hovermode: "closest",
  };
}

// Viridis (perceptually uniform, colour-blind safe), sampled at 9 points. The yellow end is cut off
// (see MAX_T) because it is unreadable as a thin line on white.
const VIRIDIS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [72, 40, 120],
  [62, 74, 137],
  [49, 104, 142],
  [38, 130, 142],
  [31, 158, 137],
  [53, 183, 121],
  [109, 205, 89],
  [180, 222, 44],
];
const MAX_T = 0.9;

/** The range of batch sizes the colour scale spans; sizes outside it get the end colours. */
export const BATCH_SIZE_RANGE = { min: 1, max: 4096 } as const;

function hex(v: number): string {
  return Math.round(Math.min(255, Math.max(0, v))).toString(16).padStart(2, "0");
}

/** A colour of the truncated viridis scale, t in [0, 1]. */
export function paletteColor(t: number): string {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * MAX_T * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(u));
  const f = u - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return "#" + hex(a[0] + f * (b[0] - a[0])) + hex(a[1] + f * (b[1] - a[1])) + hex(a[2] + f * (b[2] - a[2]));
}

/**
 * The course-wide colour of batch size m: log2(m) placed on [log2 1, log2 4096], so doubling m is
 * always the same step along the palette. Small batches are dark purple, large ones green.
 */
export function colorForBatchSize(m: number): string {
  const lo = Math.log2(BATCH_SIZE_RANGE.min);
  const hi = Math.log2(BATCH_SIZE_RANGE.max);
  const t = m > 0 && Number.isFinite(m) ? (Math.log2(m) - lo) / (hi - lo) : 0;
  return paletteColor(t);
}

/** The legend name of a batch size: "m = 64". */
export function batchSizeLabel(m: number): string {
  return `m = ${m}`;
}

/**
 * Name, colour and legend group for a trace of batch size m: spread it into a trace,
 * `{ x, y, type: "scatter", ...batchSizeStyle(64) }`.
 */
export function batchSizeStyle(m: number): {
  name: string;
  legendgroup: string;
  line: { color: string; width: number };
  marker: { color: string };
} {
  const color = colorForBatchSize(m);
  return { name: batchSizeLabel(m), legendgroup: `m${m}`, line: { color, width: 2 }, marker: { color } };
}
