// Figures of chapter 3b (taming the noise): where each learning-rate schedule ends against the
// budget, the exponentially weighted average over a noisy loss curve, step decay against the
// growing batch that mirrors it, and the fraction of seeds that diverge near the stability edge.
// Pure functions from rows to Plotly figures.

import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import type { DecayGrowthResult } from "../update/scheduleStudy";
import type { ScheduleRow } from "../update/scheduleStudy";
import type { DivergenceRow } from "../update/stability";
import { BatchlabArgumentError } from "../util/validate";
import {
  baseLayout,
  batchSizeLabel,
  batchSizeStyle,
  categoricalColor,
  COLORS,
  SCHEDULE_COLORS,
} from "./style";

/** The colour of a schedule by name (a fixed colour for the chapter's five, then a cycle). */
export function scheduleColor(name: string, index = 0): string {
  return SCHEDULE_COLORS[name] ?? categoricalColor(5 + index);
}

function distinct(values: number[]): number[] {
  return Array.from(new Set(values)).sort((a, b) => a - b);
}

export interface ScheduleBudgetOptions {
  title?: string;
  /** What the score is ("distance to θ*", "training loss"). */
  yTitle: string;
  yLog?: boolean;
}

/** One panel per batch size: each schedule's final score against the budget in epochs (log x), ± one standard error. */
export function scheduleBudgetFigure(
  rows: readonly ScheduleRow[],
  options: ScheduleBudgetOptions,
): PlotlyFigure {
  if (rows.length === 0) throw new BatchlabArgumentError("rows", rows, "at least one row");
  const ms = distinct(rows.map((r) => r.m));
  const names = Array.from(new Set(rows.map((r) => r.schedule)));
  const data: PlotlyTrace[] = [];
  ms.forEach((m, p) => {
    names.forEach((name, k) => {
      const line = rows
        .filter((r) => r.m === m && r.schedule === name && Number.isFinite(r.score))
        .sort((a, b) => a.epochs - b.epochs);
      const color = scheduleColor(name, k);
      data.push({
        type: "scatter",
        mode: "lines+markers",
        name,
        legendgroup: name,
        showlegend: p === 0,
        x: line.map((r) => r.epochs),
        y: line.map((r) => r.score),
        error_y: {
          type: "data",
          array: line.map((r) => r.stderr),
          visible: true,
          color,
          thickness: 1,
          width: 3,
        },
        line: {
          color,
          width: name === "constant" ? 2.5 : 1.8,
          dash: name === "constant" ? "dot" : "solid",
        },
        marker: { color, size: 6 },
        xaxis: p === 0 ? "x" : `x${p + 1}`,
        yaxis: p === 0 ? "y" : `y${p + 1}`,
        hovertemplate: `${batchSizeLabel(m)}, ${name}<br>%{x} epochs<br>%{y:.4g}<extra></extra>`,
      });
    });
  });
  const base = baseLayout({
    title: options.title ?? "Where each schedule ends, against the budget",
    height: 430,
  });
  const gap = 0.07;
  const width = (1 - gap * (ms.length - 1)) / ms.length;
  const layout: Record<string, unknown> = {
    ...base,
    legend: { orientation: "h", y: -0.22, x: 0 },
    margin: { l: 70, r: 24, t: 64, b: 110 },
  };
  ms.forEach((m, p) => {
    const suffix = p === 0 ? "" : String(p + 1);
    layout[`xaxis${suffix}`] = {
      ...(base.xaxis as object),
      type: "log",
      title: { text: `budget (epochs), ${batchSizeLabel(m)}` },
      domain: [p * (width + gap), p * (width + gap) + width],
      anchor: `y${suffix}`,
    };
    layout[`yaxis${suffix}`] = {
      ...(base.yaxis as object),
      type: options.yLog ? "log" : "linear",
      anchor: `x${suffix}`,
      exponentformat: "power",
      title: p === 0 ? { text: options.yTitle } : undefined,
    };
  });
  return { data, layout };
}

export interface EwaSeries {
  steps: readonly number[];
  raw: readonly number[];
  uncorrected: readonly number[];
  corrected: readonly number[];
  beta: number;
  /** A reference level, e.g. the mean of the raw series once it has settled. */
  level?: number;
}

/** The raw noisy loss, and its exponentially weighted average without and with bias correction (log x). */
export function ewaFigure(series: EwaSeries, options: { title?: string } = {}): PlotlyFigure {
  const { steps } = series;
  if (steps.length === 0 || series.raw.length !== steps.length)
    throw new BatchlabArgumentError(
      "series.raw",
      series.raw.length,
      `${steps.length} values, one per step`,
    );
  const keep = steps.map((s, k) => (s > 0 ? k : -1)).filter((k) => k >= 0);
  const pick = (v: readonly number[]) => keep.map((k) => v[k]);
  const x = pick(steps);
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      name: "training loss, m = 1",
      x,
      y: pick(series.raw),
      line: { color: COLORS.fainter, width: 1 },
    },
    {
      type: "scatter",
      mode: "lines",
      name: `EWA, β = ${series.beta}, no correction`,
      x,
      y: pick(series.uncorrected),
      line: { color: COLORS.orange, width: 2.2 },
    },
    {
      type: "scatter",
      mode: "lines",
      name: `EWA ÷ (1 − βᵗ)`,
      x,
      y: pick(series.corrected),
      line: { color: COLORS.blue, width: 2.2 },
    },
  ];
  if (series.level !== undefined) {
    data.push({
      type: "scatter",
      mode: "lines",
      name: "settled mean",
      x: [x[0], x[x.length - 1]],
      y: [series.level, series.level],
      line: { color: COLORS.ink, width: 1, dash: "dash" },
    });
  }
  const layout = baseLayout({
    title: options.title ?? "Smoothing a noisy loss curve",
    xTitle: "step (log scale)",
    yTitle: "training loss (log scale)",
    xLog: true,
    yLog: true,
    height: 430,
  });
  return {
    data,
    layout: {
      ...layout,
      legend: { orientation: "h", y: -0.2, x: 0 },
      margin: { l: 70, r: 24, t: 56, b: 100 },
    },
  };
}

/**
 * Left: mean training loss against epochs for step decay and for the growing batch, with each seed
 * faint behind. Right: updates made so far against epochs: the same curve for far fewer steps.
 */
export function decayGrowthFigure(
  result: DecayGrowthResult,
  options: { title?: string; labels?: { decay: string; growth: string } } = {},
): PlotlyFigure {
  const labels = options.labels ?? { decay: "step decay of η", growth: "growing batch m" };
  const colors = { decay: COLORS.orange, growth: COLORS.blue };
  const data: PlotlyTrace[] = [];
  const seeds = distinct(result.points.map((p) => p.seed));
  for (const run of ["decay", "growth"] as const) {
    for (const seed of seeds) {
      const pts = result.points.filter((p) => p.run === run && p.seed === seed && p.epoch > 0);
      data.push({
        type: "scatter",
        mode: "lines",
        x: pts.map((p) => p.epoch),
        y: pts.map((p) => p.loss),
        showlegend: false,
        hoverinfo: "skip",
        line: { color: colors[run], width: 0.7 },
        opacity: 0.35,
        legendgroup: run,
      });
    }
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${labels[run]}, mean of ${seeds.length} seeds`,
      legendgroup: run,
      x: result.atEpochs.map((r) => r.epoch),
      y: result.atEpochs.map((r) => r[run]),
      line: { color: colors[run], width: 2.5, dash: run === "growth" ? "dash" : "solid" },
      marker: { color: colors[run], size: 7 },
    });
    const first = result.points.filter((p) => p.run === run && p.seed === seeds[0]);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${labels[run]}: ${result.updates[run]} updates`,
      legendgroup: run,
      showlegend: false,
      x: first.map((p) => p.epoch),
      y: first.map((p) => p.step),
      xaxis: "x2",
      yaxis: "y2",
      line: { color: colors[run], width: 2.5, dash: run === "growth" ? "dash" : "solid" },
      hovertemplate: `${labels[run]}<br>epoch %{x:.2f}<br>%{y} updates<extra></extra>`,
    });
  }
  const base = baseLayout({
    title: options.title ?? "Decay η or grow m: the same curve per epoch, fewer updates",
    height: 440,
  });
  return {
    data,
    layout: {
      ...base,
      legend: { orientation: "h", y: -0.22, x: 0 },
      margin: { l: 70, r: 24, t: 64, b: 100 },
      xaxis: {
        ...(base.xaxis as object),
        title: { text: "epochs" },
        domain: [0, 0.55],
        anchor: "y",
      },
      yaxis: {
        ...(base.yaxis as object),
        type: "log",
        title: { text: "training loss (log scale)" },
        anchor: "x",
        exponentformat: "power",
      },
      xaxis2: {
        ...(base.xaxis as object),
        title: { text: "epochs" },
        domain: [0.66, 1],
        anchor: "y2",
      },
      yaxis2: { ...(base.yaxis as object), title: { text: "updates so far" }, anchor: "x2" },
    },
  };
}

/** Fraction of seeds diverging against η/(2/λ_max), one line per batch size, with the edge at 1 and the measured one marked. */
export function stabilityFigure(
  rows: readonly DivergenceRow[],
  options: { title?: string; measuredEdgeRatio?: number } = {},
): PlotlyFigure {
  if (rows.length === 0) throw new BatchlabArgumentError("rows", rows, "at least one row");
  const ms = distinct(rows.map((r) => r.m));
  const data: PlotlyTrace[] = ms.map((m) => {
    const line = rows.filter((r) => r.m === m).sort((a, b) => a.ratio - b.ratio);
    return {
      type: "scatter",
      mode: "lines+markers",
      x: line.map((r) => r.ratio),
      y: line.map((r) => r.fraction),
      ...batchSizeStyle(m),
      customdata: line.map((r) => `${r.diverged}/${r.seeds}`),
      hovertemplate: `${batchSizeLabel(m)}<br>η/η_edge = %{x:.3f}<br>diverged %{customdata}<extra></extra>`,
    };
  });
  const shapes: Record<string, unknown>[] = [
    {
      type: "line",
      xref: "x",
      yref: "paper",
      x0: 1,
      x1: 1,
      y0: 0,
      y1: 1,
      line: { color: COLORS.ink, width: 1.2, dash: "dash" },
    },
  ];
  const annotations: Record<string, unknown>[] = [
    {
      x: 1,
      y: 1.04,
      xref: "x",
      yref: "paper",
      text: "η = 2/λ_max",
      showarrow: false,
      xanchor: "right",
      font: { size: 12 },
    },
  ];
  if (options.measuredEdgeRatio !== undefined) {
    data.push({
      type: "scatter",
      mode: "markers",
      name: "full-batch edge by bisection",
      x: [options.measuredEdgeRatio],
      y: [0.5],
      marker: {
        symbol: "line-ns-open",
        size: 28,
        color: COLORS.fit,
        line: { width: 2.5, color: COLORS.fit },
      },
      hovertemplate: "measured edge: η/(2/λ_max) = %{x:.4f}<extra></extra>",
    });
  }
  const hi = Math.max(...rows.map((r) => r.ratio), options.measuredEdgeRatio ?? 0);
  const layout = baseLayout({
    title: options.title ?? "How far below the edge must η stay?",
    xTitle: "η / (2/λ_max)",
    yTitle: "fraction of seeds diverging",
    height: 430,
  });
  return {
    data,
    layout: {
      ...layout,
      shapes,
      annotations,
      xaxis: { ...(layout.xaxis as object), range: [0, 1.05 * hi] },
      yaxis: { ...(layout.yaxis as object), range: [-0.03, 1.05] },
    },
  };
}
