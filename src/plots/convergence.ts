// Figures of chapter 3 (convergence): loss against steps, epochs and seconds; d2l's loss against
// wall-clock time; steps-to-target against η and against m; the tuned η with the scaling rules;
// warmup; and the steps/examples trade-off with its critical batch size. Pure functions from rows
// to Plotly figures, so tests can check what a figure shows without a browser.

import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import type { CriticalBatchFit } from "../sweeps/pareto";
import type { LrRuleRow } from "../learningRate/scaling";
import type { LrTrial, TunedStepsRow } from "../sweeps/tuning";
import { BatchlabArgumentError } from "../util/validate";
import { powerOfTwoTicks } from "./ticks";
import {
  baseLayout,
  batchSizeLabel,
  batchSizeStyle,
  CATEGORICAL_PALETTE,
  colorForBatchSize,
  COLORS,
} from "./style";

/** Rows, or an arquero table (anything with objects()). */
export type RowsOrTable<T> = readonly T[] | { objects(): object[] };

function rowsOf<T>(input: RowsOrTable<T>): T[] {
  if (Array.isArray(input)) return input as T[];
  if (input && typeof (input as { objects?: unknown }).objects === "function")
    return (input as { objects(): object[] }).objects() as unknown as T[];
  throw new BatchlabArgumentError("rows", input, "an array of rows or an arquero table");
}

function distinct(values: number[]): number[] {
  return Array.from(new Set(values)).sort((a, b) => a - b);
}

const GREY = COLORS.muted;
const FIT_COLOR = COLORS.fit;

// ---------------------------------------------------------------------------------------------

export interface ConvergenceCurveRow {
  m: number;
  step: number;
  epoch: number;
  seconds: number;
  loss: number;
  lr?: number;
}

/**
 * Three panels side by side, one line per batch size: the same runs against steps, epochs
 * (examples / n) and training seconds, all on log x. Which m looks fastest depends on the panel.
 */
export function convergencePanelsFigure(
  rows: RowsOrTable<ConvergenceCurveRow>,
  options: { title?: string; yLog?: boolean } = {},
): PlotlyFigure {
  const all = rowsOf(rows).filter((r) => r.step > 0 && Number.isFinite(r.loss));
  if (all.length === 0)
    throw new BatchlabArgumentError("rows", rows, "rows with step > 0 and a finite loss");
  const ms = distinct(all.map((r) => r.m));
  const panels: { key: "step" | "epoch" | "seconds"; title: string }[] = [
    { key: "step", title: "steps (updates)" },
    { key: "epoch", title: "epochs (examples / n)" },
    { key: "seconds", title: "training time (s)" },
  ];
  const data: PlotlyTrace[] = [];
  panels.forEach((panel, p) => {
    for (const m of ms) {
      const run = all.filter((r) => r.m === m && r[panel.key] > 0).sort((a, b) => a.step - b.step);
      const lr = run[0]?.lr;
      data.push({
        type: "scatter",
        mode: "lines",
        x: run.map((r) => r[panel.key]),
        y: run.map((r) => r.loss),
        xaxis: p === 0 ? "x" : `x${p + 1}`,
        yaxis: p === 0 ? "y" : `y${p + 1}`,
        ...batchSizeStyle(m, ms),
        name: lr === undefined ? batchSizeLabel(m) : `${batchSizeLabel(m)} (η = ${lr})`,
        showlegend: p === 0,
        hovertemplate: `${batchSizeLabel(m)}<br>${panel.title} %{x:.3g}<br>loss %{y:.4f}<extra></extra>`,
      });
    }
  });
  const base = baseLayout({
    title: options.title ?? "The same runs against three clocks",
    yTitle: "training loss",
    height: 420,
  });
  const yType = options.yLog ? "log" : "linear";
  const gap = 0.05;
  const width = (1 - 2 * gap) / 3;
  const layout: Record<string, unknown> = {
    ...base,
    legend: { orientation: "h", y: -0.25, x: 0 },
    margin: { l: 64, r: 24, t: 64, b: 110 },
  };
  panels.forEach((panel, p) => {
    const suffix = p === 0 ? "" : String(p + 1);
    layout[`xaxis${suffix}`] = {
      ...(base.xaxis as object),
      type: "log",
      title: { text: panel.title },
      domain: [p * (width + gap), p * (width + gap) + width],
      anchor: `y${suffix}`,
    };
    layout[`yaxis${suffix}`] = {
      ...(base.yaxis as object),
      type: yType,
      anchor: `x${suffix}`,
      ...(p === 0
        ? { title: { text: options.yLog ? "training loss (log scale)" : "training loss" } }
        : { matches: "y", showticklabels: true, title: undefined }),
    };
  });
  return { data, layout };
}

// ---------------------------------------------------------------------------------------------

export interface TimedLossRow {
  label: string;
  m: number;
  lr: number;
  seconds: number;
  loss: number;
}

/** d2l §12.5's figure in kind: loss against wall-clock seconds (log x), one line per schedule. */
export function timeToLossFigure(
  rows: RowsOrTable<TimedLossRow>,
  options: { title?: string } = {},
): PlotlyFigure {
  const all = rowsOf(rows).filter((r) => r.seconds > 0 && Number.isFinite(r.loss));
  const labels = Array.from(new Set(all.map((r) => r.label)));
  const data: PlotlyTrace[] = labels.map((label) => {
    const run = all.filter((r) => r.label === label).sort((a, b) => a.seconds - b.seconds);
    const { m, lr } = run[0];
    return {
      type: "scatter",
      mode: "lines+markers",
      x: run.map((r) => r.seconds),
      y: run.map((r) => r.loss),
      ...batchSizeStyle(m),
      marker: { color: colorForBatchSize(m), size: 5 },
      name: `${label} (m = ${m}, η = ${lr})`,
      hovertemplate: `${label}<br>%{x:.2e} s<br>loss %{y:.4f}<extra></extra>`,
    };
  });
  return {
    data,
    layout: baseLayout({
      title: options.title ?? "Loss against wall-clock time (d2l §12.5)",
      xTitle: "training time (s, log scale)",
      yTitle: "training loss",
      xLog: true,
    }),
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * Steps-to-target against η, one line per m (log-log): each valley's bottom is that m's best η.
 * Trials that did not reach the target within their step cap, or diverged, are crosses at the cap.
 */
export function lrSensitivityFigure(
  rows: RowsOrTable<LrTrial>,
  options: { title?: string } = {},
): PlotlyFigure {
  const all = rowsOf(rows);
  const ms = distinct(all.map((r) => r.m));
  const data: PlotlyTrace[] = [];
  for (const m of ms) {
    const trials = all.filter((r) => r.m === m).sort((a, b) => a.lr - b.lr);
    const ok = trials.filter((r) => r.status === "reached" && r.steps !== null);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      x: ok.map((r) => r.lr),
      y: ok.map((r) => r.steps),
      ...batchSizeStyle(m, ms),
      marker: { color: colorForBatchSize(m), size: 6 },
      hovertemplate: `${batchSizeLabel(m)}<br>η = %{x}<br>%{y:.0f} steps<extra></extra>`,
    });
    const failed = trials.filter((r) => r.status !== "reached");
    if (failed.length > 0) {
      // The first batch size with crosses carries the legend entry for all of them (a trace
      // without points gets none); one click on it hides every cross.
      const first = !data.some((t) => t.legendgroup === "not-reached");
      data.push({
        type: "scatter",
        mode: "markers",
        x: failed.map((r) => r.lr),
        y: failed.map((r) => r.cap),
        marker: {
          symbol: "x-thin-open",
          size: 8,
          color: colorForBatchSize(m),
          line: { width: 1.5, color: colorForBatchSize(m) },
        },
        name: first
          ? "× not reached / diverged (at its step cap)"
          : `${batchSizeLabel(m)}: not reached`,
        legendgroup: "not-reached",
        showlegend: first,
        text: failed.map((r) => r.status),
        hovertemplate: `${batchSizeLabel(m)}<br>η = %{x}: %{text} within %{y} steps<extra></extra>`,
      });
    }
  }
  const layout = baseLayout({
    title: options.title ?? "Steps to target against the learning rate",
    xTitle: "learning rate η (log scale)",
    yTitle: "steps to target (log scale)",
    xLog: true,
    yLog: true,
    height: ms.length > 8 ? 560 : 440,
  });
  // One entry per m plus the crosses: beyond a handful they go in rows under the plot, where they
  // fit without a scrollbar.
  const below = ms.length > 6;
  return {
    data,
    layout: below
      ? {
          ...layout,
          legend: { orientation: "h", x: 0, y: -0.3, yanchor: "top" },
          margin: { ...(layout.margin as object), b: 170 },
        }
      : layout,
  };
}

// ---------------------------------------------------------------------------------------------

/**
 * The best η per m (markers) with the linear and square-root rules drawn from the smallest m, on
 * log-log axes. With `limit`, a vertical line where linear scaling stops holding; with
 * `stabilityLimit`, a horizontal line at 2/λ_max, above which gradient descent itself diverges.
 */
export function bestLrFigure(
  rows: readonly LrRuleRow[],
  options: { limit?: number | null; stabilityLimit?: number; title?: string } = {},
): PlotlyFigure {
  if (rows.length === 0) throw new BatchlabArgumentError("rows", rows, "a non-empty array");
  const ms = rows.map((r) => r.m);
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: rows.map((r) => r.linear),
      name: "linear rule η ∝ m",
      line: { color: GREY, dash: "dash", width: 1.5 },
    },
    {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: rows.map((r) => r.sqrt),
      name: "square-root rule η ∝ √m",
      line: { color: GREY, dash: "dot", width: 1.5 },
    },
    {
      type: "scatter",
      mode: "lines+markers",
      x: ms,
      y: rows.map((r) => r.lr),
      name: "best η measured",
      line: { color: COLORS.ink, width: 2 },
      marker: { color: ms.map(colorForBatchSize), size: 10, line: { color: COLORS.ink, width: 1 } },
      hovertemplate: "m = %{x}<br>best η = %{y}<extra></extra>",
    },
  ];
  const layout = baseLayout({
    title: options.title ?? "Tuned learning rate against batch size",
    xTitle: "batch size m (log scale)",
    yTitle: "best learning rate η (log scale)",
    xLog: true,
    yLog: true,
  });
  layout.xaxis = {
    ...(layout.xaxis as object),
    ...powerOfTwoTicks(Math.min(...ms), Math.max(...ms)),
  };
  const lrs = rows.map((r) => r.lr);
  layout.yaxis = {
    ...(layout.yaxis as object),
    range: [
      Math.log10(Math.min(...lrs) / 2),
      Math.log10(Math.max(...lrs, options.stabilityLimit ?? 0) * 6),
    ],
  };
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  if (options.limit) {
    shapes.push({
      type: "line",
      x0: options.limit,
      x1: options.limit,
      yref: "paper",
      y0: 0,
      y1: 1,
      line: { color: FIT_COLOR, dash: "dot", width: 1.5 },
    });
    annotations.push({
      x: Math.log10(options.limit),
      y: 0.02,
      yref: "paper",
      xanchor: "left",
      yanchor: "bottom",
      showarrow: false,
      text: ` linear rule fails from m ≈ ${options.limit}`,
      font: { color: FIT_COLOR },
    });
  }
  if (options.stabilityLimit) {
    const y = options.stabilityLimit;
    shapes.push({
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: y,
      y1: y,
      line: { color: COLORS.blue, dash: "dashdot", width: 1.5 },
    });
    annotations.push({
      xref: "paper",
      x: 0.01,
      y: Math.log10(y),
      xanchor: "left",
      yanchor: "bottom",
      showarrow: false,
      text: `2/λ_max = ${y.toPrecision(3)}: gradient descent's stability limit`,
      font: { color: COLORS.blue },
    });
  }
  layout.shapes = shapes;
  layout.annotations = annotations;
  return { data, layout };
}

// ---------------------------------------------------------------------------------------------

export interface WarmupCurveRow {
  label: string;
  step: number;
  loss: number;
}

/** Excess loss L − L* against steps (log y) for runs with and without warmup. */
export function warmupFigure(
  rows: RowsOrTable<WarmupCurveRow>,
  options: { minimum: number; target?: number; title?: string },
): PlotlyFigure {
  const all = rowsOf(rows).filter((r) => Number.isFinite(r.loss));
  const labels = Array.from(new Set(all.map((r) => r.label)));
  const palette = [COLORS.ink, ...CATEGORICAL_PALETTE.slice(1)];
  const data: PlotlyTrace[] = labels.map((label, i) => {
    const run = all.filter((r) => r.label === label).sort((a, b) => a.step - b.step);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: label,
      x: run.map((r) => r.step),
      y: run.map((r) => Math.max(r.loss - options.minimum, 1e-6)),
      line: { color: palette[i % palette.length], width: 2 },
      marker: { size: 4, color: palette[i % palette.length] },
    };
  });
  const layout = baseLayout({
    title: options.title ?? "Warmup at the largest batch size",
    xTitle: "step",
    yTitle: "L − L* (log scale)",
    yLog: true,
  });
  if (options.target !== undefined) {
    const y = options.target - options.minimum;
    layout.shapes = [
      {
        type: "line",
        xref: "paper",
        x0: 0,
        x1: 1,
        y0: y,
        y1: y,
        line: { color: GREY, dash: "dash", width: 1 },
      },
    ];
    layout.annotations = [
      {
        xref: "paper",
        x: 1,
        y: Math.log10(y),
        xanchor: "right",
        yanchor: "bottom",
        showarrow: false,
        text: "target",
        font: { color: GREY },
      },
    ];
  }
  return { data, layout };
}

// ---------------------------------------------------------------------------------------------

/**
 * Shallue et al.'s Fig. 1 in kind, beside its examples view: steps-to-target (left) and
 * examples-to-target (right) against m on log₂ axes, with the seed range as error bars, the
 * perfect-scaling line S(m₀)·m₀/m from the smallest m, and, given a fit, S_min(1 + B_crit/m).
 * Points whose best η sat at the edge of the grid are hollow and not part of any fit.
 */
export function stepsToTargetFigure(
  rows: RowsOrTable<TunedStepsRow>,
  options: { fit?: CriticalBatchFit; title?: string } = {},
): PlotlyFigure {
  const all = rowsOf(rows).filter((r) => r.steps !== null && r.examples !== null);
  if (all.length === 0)
    throw new BatchlabArgumentError(
      "rows",
      rows,
      "at least one batch size that reached the target",
    );
  const valid = all.filter((r) => r.valid);
  const invalid = all.filter((r) => !r.valid);
  const ms = all.map((r) => r.m);
  const lo = Math.min(...ms);
  const hi = Math.max(...ms);
  const first = (valid.length > 0 ? valid : all)[0];
  const data: PlotlyTrace[] = [];
  for (const [panel, key] of [
    [1, "steps"],
    [2, "examples"],
  ] as const) {
    const axes = panel === 1 ? { xaxis: "x", yaxis: "y" } : { xaxis: "x2", yaxis: "y2" };
    const scale = (r: TunedStepsRow, v: number | null) =>
      key === "steps" ? v : v === null ? null : v * r.m;
    data.push({
      type: "scatter",
      mode: "lines",
      x: [lo, hi],
      y:
        key === "steps"
          ? [((first.steps as number) * first.m) / lo, ((first.steps as number) * first.m) / hi]
          : [first.examples, first.examples],
      name: "perfect scaling",
      line: { color: GREY, dash: "dash", width: 1.5 },
      showlegend: panel === 1,
      legendgroup: "perfect",
      ...axes,
    });
    if (options.fit) {
      const grid = Array.from({ length: 100 }, (_, k) => lo * Math.pow(hi / lo, k / 99));
      data.push({
        type: "scatter",
        mode: "lines",
        x: grid,
        y: grid.map((m) => (key === "steps" ? options.fit!.steps(m) : options.fit!.examples(m))),
        name: `fit S_min(1 + B_crit/m), B_crit ≈ ${Math.round(options.fit.bCrit)}`,
        line: { color: FIT_COLOR, width: 2 },
        showlegend: panel === 1,
        legendgroup: "fit",
        ...axes,
      });
    }
    data.push({
      type: "scatter",
      mode: "markers",
      x: valid.map((r) => r.m),
      y: valid.map((r) => r[key]),
      error_y: {
        type: "data",
        symmetric: false,
        array: valid.map((r) => (scale(r, r.stepsMax) ?? 0) - (r[key] as number)),
        arrayminus: valid.map((r) => (r[key] as number) - (scale(r, r.stepsMin) ?? 0)),
        color: GREY,
        thickness: 1,
        width: 3,
      },
      marker: {
        color: valid.map((r) => colorForBatchSize(r.m)),
        size: 10,
        line: { color: COLORS.ink, width: 1 },
      },
      name: "measured (mean over seeds; bars: range)",
      showlegend: panel === 1,
      legendgroup: "measured",
      text: valid.map((r) => `η = ${r.lr}`),
      hovertemplate: `m = %{x}<br>%{y:.4g} ${key}<br>%{text}<extra></extra>`,
      ...axes,
    });
    if (invalid.length > 0) {
      data.push({
        type: "scatter",
        mode: "markers",
        x: invalid.map((r) => r.m),
        y: invalid.map((r) => r[key]),
        marker: { symbol: "circle-open", color: FIT_COLOR, size: 11, line: { width: 2 } },
        name: "invalid: best η at the grid's edge",
        showlegend: panel === 1,
        legendgroup: "invalid",
        ...axes,
      });
    }
  }
  const base = baseLayout({
    title: options.title ?? "Steps and examples to reach the target, η tuned per m",
    height: 440,
  });
  const ticks = powerOfTwoTicks(lo, hi);
  const axis = (title: string, domain: [number, number], anchor: string) => ({
    ...(base.xaxis as object),
    type: "log",
    title: { text: title },
    domain,
    anchor,
    ...ticks,
  });
  return {
    data,
    layout: {
      ...base,
      legend: { orientation: "h", y: -0.22, x: 0 },
      margin: { l: 70, r: 24, t: 64, b: 110 },
      xaxis: axis("batch size m (log scale)", [0, 0.46], "y"),
      xaxis2: axis("batch size m (log scale)", [0.56, 1], "y2"),
      yaxis: {
        ...(base.yaxis as object),
        type: "log",
        title: { text: "steps to target S" },
        anchor: "x",
      },
      yaxis2: {
        ...(base.yaxis as object),
        type: "log",
        title: { text: "examples to target E = m·S" },
        anchor: "x2",
      },
    },
  };
}

/**
 * The trade-off itself: steps S against examples E (log-log), one marker per m, with the fitted
 * hyperbola (S/S_min − 1)(E/E_min − 1) = 1 and its asymptotes S_min and E_min. B_crit = E_min/S_min
 * is the batch size at the curve's knee, where S = 2·S_min and E = 2·E_min.
 */
export function paretoFigure(
  rows: RowsOrTable<TunedStepsRow>,
  fit: CriticalBatchFit,
  options: { title?: string } = {},
): PlotlyFigure {
  const valid = rowsOf(rows).filter((r) => r.valid && r.steps !== null && r.examples !== null);
  if (valid.length === 0)
    throw new BatchlabArgumentError("rows", rows, "at least one valid batch size");
  const ms = valid.map((r) => r.m);
  const lo = Math.min(...ms) / 4;
  const hi = Math.max(...ms) * 4;
  const grid = Array.from({ length: 200 }, (_, k) => lo * Math.pow(hi / lo, k / 199));
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      x: grid.map((m) => fit.examples(m)),
      y: grid.map((m) => fit.steps(m)),
      name: "(S/S_min − 1)(E/E_min − 1) = 1",
      line: { color: FIT_COLOR, width: 2 },
    },
    {
      type: "scatter",
      mode: "markers",
      x: [fit.eMin * 2],
      y: [fit.sMin * 2],
      name: `knee: m = B_crit ≈ ${Math.round(fit.bCrit)}`,
      marker: { symbol: "diamond", size: 12, color: FIT_COLOR },
    },
    ...valid.map((r, k): PlotlyTrace => ({
      // Below B_crit the points climb the curve's vertical branch (nearly the same E, S doubling), above
      // it they run along the horizontal one: labels beside the points on the first, above and below on
      // the second, alternating sides, so that neighbours' labels do not collide.
      type: "scatter",
      mode: "markers+text",
      x: [r.examples],
      y: [r.steps],
      text: [String(r.m)],
      textposition:
        r.m < fit.bCrit
          ? k % 2 === 0
            ? "middle right"
            : "middle left"
          : k % 2 === 0
            ? "top center"
            : "bottom center",
      ...batchSizeStyle(r.m),
      marker: { color: colorForBatchSize(r.m), size: 10, line: { color: COLORS.ink, width: 1 } },
      showlegend: false,
      hovertemplate: `${batchSizeLabel(r.m)}<br>E = %{x:.4g}<br>S = %{y:.4g}<extra></extra>`,
    })),
  ];
  const layout = baseLayout({
    title: options.title ?? "The steps/examples trade-off",
    xTitle: "examples to target E (log scale)",
    yTitle: "steps to target S (log scale)",
    xLog: true,
    yLog: true,
  });
  layout.shapes = [
    {
      type: "line",
      xref: "paper",
      x0: 0,
      x1: 1,
      y0: fit.sMin,
      y1: fit.sMin,
      line: { color: GREY, dash: "dot", width: 1 },
    },
    {
      type: "line",
      yref: "paper",
      y0: 0,
      y1: 1,
      x0: fit.eMin,
      x1: fit.eMin,
      line: { color: GREY, dash: "dot", width: 1 },
    },
  ];
  layout.annotations = [
    {
      xref: "paper",
      x: 1,
      y: Math.log10(fit.sMin),
      xanchor: "right",
      yanchor: "top",
      showarrow: false,
      text: `S_min ≈ ${fit.sMin.toPrecision(3)}`,
      font: { color: GREY },
    },
    {
      yref: "paper",
      y: 1,
      x: Math.log10(fit.eMin),
      xanchor: "left",
      yanchor: "top",
      showarrow: false,
      text: ` E_min ≈ ${Math.round(fit.eMin)}`,
      font: { color: GREY },
    },
  ];
  return { data, layout };
}
