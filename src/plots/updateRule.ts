// Figures of chapter 1: paths of θ over the contours of a two-parameter loss, the loss against
// iteration for the same runs, and a slider over m. Pure functions from numbers to Plotly figure
// objects, so tests can check what a figure shows without a browser.

import type { Dataset } from "../data/dataset";
import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import { meanLoss, type Model } from "../models/model";
import type { TrainResult } from "../update/train";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";
import { baseLayout, batchSizeLabel, colorForBatchSize, COLORS } from "./style";

/** A loss evaluated on a grid over two parameters: z[row][col] is the loss at (x[col], y[row]). */
export interface LossSurface {
  x: number[];
  y: number[];
  z: number[][];
  /** Smallest value on the grid. */
  min: number;
}

export interface SurfaceOptions {
  x: [number, number];
  y: [number, number];
  /** Grid points per axis (default 61). */
  resolution?: number;
}

/** The mean training loss of a two-parameter model on a grid, for contour plots. */
export function lossSurface(model: Model, data: Dataset, options: SurfaceOptions): LossSurface {
  if (model.size !== 2)
    throw new BatchlabArgumentError("model.size", model.size, "2 (a contour needs two parameters)");
  const resolution = options.resolution ?? 61;
  checkPositiveInteger("resolution", resolution);
  if (resolution < 2) throw new BatchlabArgumentError("resolution", resolution, "at least 2");
  const grid = ([lo, hi]: [number, number], name: string): number[] => {
    if (!(hi > lo))
      throw new BatchlabArgumentError(name, `[${lo}, ${hi}]`, "an interval [lo, hi] with lo < hi");
    return Array.from({ length: resolution }, (_, k) => lo + ((hi - lo) * k) / (resolution - 1));
  };
  const x = grid(options.x, "x");
  const y = grid(options.y, "y");
  const theta = new Float64Array(2);
  let min = Infinity;
  const z = y.map((b) =>
    x.map((a) => {
      theta[0] = a;
      theta[1] = b;
      const v = meanLoss(model, theta, data);
      if (v < min) min = v;
      return v;
    }),
  );
  return { x, y, z, min };
}

/** One training run drawn as a path: θ and the loss at each recorded step. */
export interface PathRun {
  batchSize: number;
  /** Legend text (default "m = 64"). */
  label?: string;
  steps: number[];
  /** θ at each recorded step (two parameters for the contour plots). */
  points: ArrayLike<number>[];
  losses: number[];
  /** Examples seen at each recorded step. */
  examples?: number[];
}

/** A PathRun from train(..., { keepTrajectory: true }). */
export function pathRun(batchSize: number, result: TrainResult, label?: string): PathRun {
  if (!result.trajectory)
    throw new BatchlabArgumentError(
      "result.trajectory",
      undefined,
      "kept (train with keepTrajectory: true)",
    );
  return {
    batchSize,
    label,
    steps: result.history.map((r) => r.step),
    points: result.trajectory,
    losses: result.history.map((r) => r.trainLoss),
    examples: result.history.map((r) => r.examples),
  };
}

const runLabel = (run: PathRun): string => run.label ?? batchSizeLabel(run.batchSize);

/**
 * Contours of the loss. The levels are spaced in log(L − L_min) so that the narrow valley of an
 * ill-conditioned bowl shows as many rings as its steep walls; hover still reports the loss.
 */
function contourTrace(
  surface: LossSurface,
  axes: { xaxis?: string; yaxis?: string } = {},
): PlotlyTrace {
  const floor = surface.min;
  const range = Math.max(...surface.z.map((r) => Math.max(...r))) - floor;
  const eps = Math.max(range * 1e-4, 1e-12);
  const z = surface.z.map((r) => r.map((v) => Math.log10(v - floor + eps)));
  const lo = Math.log10(eps);
  const hi = Math.log10(range + eps);
  return {
    type: "contour",
    x: surface.x,
    y: surface.y,
    z,
    customdata: surface.z,
    hovertemplate: "θ₁ = %{x:.3f}<br>θ₂ = %{y:.3f}<br>loss = %{customdata:.4g}<extra></extra>",
    colorscale: [
      [0, COLORS.contourLow],
      [1, COLORS.contourHigh],
    ],
    reversescale: false,
    showscale: false,
    autocontour: false,
    contours: {
      coloring: "fill",
      showlines: true,
      start: lo + (hi - lo) / 16,
      end: hi,
      size: (hi - lo) / 16,
    },
    line: { color: COLORS.contourLine, width: 0.6 },
    name: "loss",
    showlegend: false,
    ...axes,
  };
}

function pathTrace(
  run: PathRun,
  axes: { xaxis?: string; yaxis?: string } = {},
  visible = true,
): PlotlyTrace {
  const color = colorForBatchSize(run.batchSize);
  const many = run.points.length > 200;
  return {
    type: "scatter",
    mode: many ? "lines" : "lines+markers",
    x: run.points.map((t) => t[0]),
    y: run.points.map((t) => t[1]),
    name: runLabel(run),
    legendgroup: `m${run.batchSize}`,
    line: { color, width: many ? 1.2 : 2 },
    marker: { color, size: 5 },
    customdata: run.steps,
    hovertemplate: `${runLabel(run)}<br>step %{customdata}<br>θ = (%{x:.3f}, %{y:.3f})<extra></extra>`,
    visible,
    ...axes,
  };
}

function pointTrace(
  at: ArrayLike<number>,
  name: string,
  symbol: string,
  axes: { xaxis?: string; yaxis?: string } = {},
): PlotlyTrace {
  return {
    type: "scatter",
    mode: "markers",
    x: [at[0]],
    y: [at[1]],
    name,
    marker: { symbol, size: 13, color: COLORS.ink, line: { color: COLORS.background, width: 1 } },
    hovertemplate: `${name} (%{x:.3f}, %{y:.3f})<extra></extra>`,
    ...axes,
  };
}

/** [lo, hi] of a contour grid's axis, widened (with a 3 % margin) to hold every path's coordinate k. */
function pathRange(grid: number[], runs: PathRun[], k: 0 | 1): [number, number] {
  let lo = grid[0];
  let hi = grid[grid.length - 1];
  const margin = 0.03 * (hi - lo);
  for (const run of runs) {
    for (const p of run.points) {
      if (!Number.isFinite(p[k])) continue;
      if (p[k] < lo) lo = p[k] - margin;
      if (p[k] > hi) hi = p[k] + margin;
    }
  }
  return [lo, hi];
}

export interface TrajectoryOptions {
  title?: string;
  /** The minimiser, marked with a star. */
  optimum?: ArrayLike<number>;
}

/** Paths of θ over the loss contours, one per run, all from the first run's start. */
export function trajectoryFigure(
  surface: LossSurface,
  runs: PathRun[],
  options: TrajectoryOptions = {},
): PlotlyFigure {
  if (runs.length === 0) throw new BatchlabArgumentError("runs", runs, "at least one run");
  const data: PlotlyTrace[] = [contourTrace(surface), ...runs.map((r) => pathTrace(r))];
  data.push(pointTrace(runs[0].points[0], "start", "circle"));
  if (options.optimum) data.push(pointTrace(options.optimum, "minimum", "star"));
  const layout = baseLayout({
    title: options.title ?? "Paths of θ on the loss contours",
    xTitle: "θ₁",
    yTitle: "θ₂",
    height: 520,
  });
  return {
    data,
    layout: {
      ...layout,
      // Equal units on both axes, or the bowl's true shape (and the zig-zag) is distorted; the plot
      // area shrinks to fit rather than showing empty range beyond the grid. The range is the grid's,
      // widened where a path leaves it, so no path runs off the axes.
      xaxis: {
        ...(layout.xaxis as object),
        range: pathRange(surface.x, runs, 0),
        constrain: "domain",
      },
      yaxis: {
        ...(layout.yaxis as object),
        range: pathRange(surface.y, runs, 1),
        scaleanchor: "x",
        scaleratio: 1,
        constrain: "domain",
      },
    },
  };
}

export interface LossCurveOptions {
  title?: string;
  /** Horizontal axis: the update count (default, log scale) or examples seen in epochs (linear). */
  x?: "step" | "epoch";
  /** Examples in the data set, needed for x = "epoch". */
  n?: number;
  /** A horizontal reference line, e.g. the minimum loss. */
  floor?: number;
  yLog?: boolean;
}

function lossCurveX(run: PathRun, x: "step" | "epoch", n?: number): number[] {
  if (x === "step") return run.steps;
  if (!run.examples || n === undefined)
    throw new BatchlabArgumentError(
      "n",
      n,
      'given, with runs that record examples, for x = "epoch"',
    );
  return run.examples.map((e) => e / n);
}

function lossTraces(
  runs: PathRun[],
  x: "step" | "epoch",
  n: number | undefined,
  axes: { xaxis?: string; yaxis?: string } = {},
  showlegend = true,
): PlotlyTrace[] {
  return runs.map((run) => {
    const xs = lossCurveX(run, x, n);
    // A log axis cannot show step 0: the curves start at the first update.
    const keep = xs.map((v, k) => ((x === "step" ? v > 0 : true) ? k : -1)).filter((k) => k >= 0);
    const color = colorForBatchSize(run.batchSize);
    return {
      type: "scatter",
      mode: "lines",
      x: keep.map((k) => xs[k]),
      y: keep.map((k) => run.losses[k]),
      name: runLabel(run),
      legendgroup: `m${run.batchSize}`,
      showlegend,
      line: { color, width: 1.5 },
      ...axes,
    };
  });
}

/** Training loss against iteration (or epochs) for the same runs: noisy for small m. */
export function lossCurvesFigure(runs: PathRun[], options: LossCurveOptions = {}): PlotlyFigure {
  const x = options.x ?? "step";
  const data = lossTraces(runs, x, options.n);
  if (options.floor !== undefined) data.push(floorTrace(runs, x, options.n, options.floor));
  return {
    data,
    layout: baseLayout({
      title: options.title ?? "Training loss",
      xTitle: x === "step" ? "iteration (updates of θ)" : "examples seen (epochs)",
      yTitle: "training loss",
      xLog: x === "step",
      yLog: options.yLog,
    }),
  };
}

function floorTrace(
  runs: PathRun[],
  x: "step" | "epoch",
  n: number | undefined,
  floor: number,
  axes: { xaxis?: string; yaxis?: string } = {},
): PlotlyTrace {
  const xs = runs.flatMap((r) => lossCurveX(r, x, n)).filter((v) => x === "epoch" || v > 0);
  return {
    type: "scatter",
    mode: "lines",
    x: [Math.min(...xs), Math.max(...xs)],
    y: [floor, floor],
    name: "minimum loss",
    line: { color: COLORS.ink, dash: "dot", width: 1 },
    ...axes,
  };
}

/**
 * The lecture figure: paths on the contours (left) and loss against iteration (right, log x) for
 * the same runs, sharing one legend.
 */
export function updateRuleFigure(
  surface: LossSurface,
  runs: PathRun[],
  options: TrajectoryOptions & { floor?: number } = {},
): PlotlyFigure {
  const left = trajectoryFigure(surface, runs, options);
  const right = lossTraces(runs, "step", undefined, { xaxis: "x2", yaxis: "y2" }, false);
  if (options.floor !== undefined)
    right.push({
      ...floorTrace(runs, "step", undefined, options.floor, { xaxis: "x2", yaxis: "y2" }),
      showlegend: true,
    });
  const base = baseLayout({
    title: options.title ?? "Same start, same η, same number of examples seen",
    height: 480,
  });
  const leftLayout = left.layout as Record<string, Record<string, unknown>>;
  return {
    data: [...left.data, ...right],
    layout: {
      ...base,
      xaxis: { ...leftLayout.xaxis, domain: [0, 0.46], title: { text: "θ₁" } },
      yaxis: { ...leftLayout.yaxis, title: { text: "θ₂" } },
      xaxis2: {
        ...(base.xaxis as object),
        domain: [0.56, 1],
        type: "log",
        anchor: "y2",
        title: { text: "iteration (updates of θ)" },
      },
      yaxis2: {
        ...(base.yaxis as object),
        anchor: "x2",
        type: "log",
        title: { text: "training loss" },
      },
      legend: { orientation: "h", y: -0.18, x: 0 },
    },
  };
}

/**
 * One path per batch size, a slider picks which one is drawn. The slider restyles trace
 * visibility (no animation frames), so it keeps working in a static HTML export of the notebook.
 */
export function batchSizeSliderFigure(
  surface: LossSurface,
  runs: PathRun[],
  options: TrajectoryOptions & { active?: number } = {},
): PlotlyFigure {
  if (runs.length === 0) throw new BatchlabArgumentError("runs", runs, "at least one run");
  const active = options.active ?? 0;
  if (!Number.isInteger(active) || active < 0 || active >= runs.length) {
    throw new BatchlabArgumentError("active", active, `an index into runs (0..${runs.length - 1})`);
  }
  const fixed: PlotlyTrace[] = [
    contourTrace(surface),
    pointTrace(runs[0].points[0], "start", "circle"),
  ];
  if (options.optimum) fixed.push(pointTrace(options.optimum, "minimum", "star"));
  const paths = runs.map((r, k) => pathTrace(r, {}, k === active));
  const titleOf = (r: PathRun): string =>
    `${runLabel(r)}: ${r.steps[r.steps.length - 1]} updates, final loss ${r.losses[r.losses.length - 1].toPrecision(4)}`;
  const layout = trajectoryFigure(surface, runs, options).layout as Record<string, unknown>;
  return {
    data: [...fixed, ...paths],
    layout: {
      ...layout,
      height: 600,
      title: { text: titleOf(runs[active]), x: 0.02, xanchor: "left" },
      showlegend: false,
      sliders: [
        {
          active,
          currentvalue: { prefix: "batch size ", font: { size: 14 } },
          pad: { t: 40 },
          steps: runs.map((r, k) => ({
            label: String(r.batchSize),
            method: "update",
            args: [
              { visible: [...fixed.map(() => true), ...runs.map((_, j) => j === k)] },
              { title: { text: titleOf(r), x: 0.02, xanchor: "left" } },
            ],
          })),
        },
      ],
    },
  };
}
