// Figures of chapter 2: the variance of the batch gradient against m with its theory lines, the
// spread of batch gradients per m, the signal-to-noise ratio, and B_simple over training.

import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import type { NoiseTrackingRow } from "../noise/twoBatch";
import { predictedVariance } from "../noise/statistics";
import type { VarianceRow } from "../noise/variance";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";
import { baseLayout, batchSizeLabel, colorForBatchSize, COLORS } from "./style";
import { logGrid } from "../util/stats";

const WITH_COLOR = COLORS.blue;
const WITHOUT_COLOR = COLORS.orange;
const EXACT_COLOR = COLORS.ink;

/**
 * Whether a measured variance is zero up to rounding: at m = N without replacement the batch mean
 * is G summed in another order, off by ~1e-16 relative, so its squared distance is ~1e-32·tr Σ.
 */
export function isRoundingZero(variance: number, traceCov: number): boolean {
  return variance <= 1e-20 * traceCov;
}

export interface VarianceFigureOptions {
  /** tr Σ (1/N normalisation) of the population. */
  traceCov: number;
  /** Population size N, for the without-replacement line. */
  n: number;
  title?: string;
}

/**
 * Measured E|ĝₘ − G|² (markers, ±2 standard errors) against m on log-log axes, with the lines
 * tr Σ/m and tr Σ/m·(N − m)/(N − 1). Points measured as 0 up to rounding (m = N without
 * replacement) cannot sit on a log axis and are left out; say so in the text.
 */
export function varianceFigure(rows: VarianceRow[], options: VarianceFigureOptions): PlotlyFigure {
  const { traceCov, n } = options;
  checkPositiveInteger("n", n);
  const ms = rows.map((r) => r.m);
  const hiWith = Math.max(n, ...ms);
  const gridWith = logGrid(1, hiWith);
  // Stop the without-replacement line short of m = N, where it plunges to 0 (−∞ on a log axis).
  const gridWithout = logGrid(1, 0.97 * n).filter((m) => m <= n);
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      x: gridWith,
      y: gridWith.map((m) => predictedVariance(traceCov, m)),
      name: "tr Σ / m (with replacement)",
      line: { color: WITH_COLOR, width: 1.5 },
    },
    {
      type: "scatter",
      mode: "lines",
      x: gridWithout,
      y: gridWithout.map((m) => predictedVariance(traceCov, m, n)),
      name: "tr Σ / m · (N − m)/(N − 1) (without)",
      line: { color: WITHOUT_COLOR, width: 1.5, dash: "dash" },
    },
  ];
  for (const replacement of ["with", "without"] as const) {
    const shown = rows.filter(
      (r) => r.replacement === replacement && !isRoundingZero(r.variance, traceCov),
    );
    if (shown.length === 0) continue;
    const color = replacement === "with" ? WITH_COLOR : WITHOUT_COLOR;
    data.push({
      type: "scatter",
      mode: "markers",
      x: shown.map((r) => r.m),
      y: shown.map((r) => r.variance),
      // Open, smaller markers and capped bars, so that ±2 SE shows wherever it is wider than a marker.
      error_y: {
        type: "data",
        array: shown.map((r) => 2 * r.standardError),
        visible: true,
        color,
        thickness: 1.5,
        width: 5,
      },
      name: `measured, ${replacement} replacement (bars: ±2 SE)`,
      marker: {
        color,
        size: 6,
        symbol: replacement === "with" ? "circle-open" : "diamond-open",
        line: { color, width: 1.5 },
      },
      customdata: shown.map((r) => [r.draws, r.ratio]),
      hovertemplate:
        "m = %{x}<br>variance %{y:.4g}<br>%{customdata[0]} batches, measured/theory %{customdata[1]:.3f}<extra></extra>",
    });
  }
  return {
    data,
    layout: baseLayout({
      title: options.title ?? "Variance of the batch gradient against batch size",
      xTitle: "batch size m (log scale)",
      yTitle: "E|ĝₘ − G|²  (log scale)",
      xLog: true,
      yLog: true,
    }),
  };
}

export interface SpreadSample {
  m: number;
  /** One number per batch, e.g. the batch gradient's projection on the full-batch direction. */
  values: ArrayLike<number>;
}

/**
 * The distribution of one scalar view of the batch gradient across batches, one violin per m:
 * it narrows like 1/√m around the full-batch value.
 */
export function spreadFigure(
  samples: SpreadSample[],
  options: { reference: number; title?: string; yTitle?: string },
): PlotlyFigure {
  if (samples.length === 0)
    throw new BatchlabArgumentError("samples", samples, "at least one batch size");
  const labels = samples.map((s) => batchSizeLabel(s.m));
  const zoom = spreadZoom(samples, options.reference);
  const violin = (s: SpreadSample, axes: { xaxis: string; yaxis: string }): PlotlyTrace => ({
    type: "violin",
    x: Array.from(s.values, () => batchSizeLabel(s.m)),
    y: Array.from(s.values),
    name: batchSizeLabel(s.m),
    line: { color: colorForBatchSize(s.m), width: 1.2 },
    fillcolor: colorForBatchSize(s.m),
    opacity: 0.6,
    points: false,
    spanmode: "hard",
    meanline: { visible: true },
    box: { visible: false },
    hoverinfo: "y+name",
    showlegend: false,
    ...axes,
  });
  const reference = (
    x: string[],
    axes: { xaxis: string; yaxis: string },
    showlegend: boolean,
  ): PlotlyTrace => ({
    type: "scatter",
    mode: "lines",
    x: [x[0], x[x.length - 1]],
    y: [options.reference, options.reference],
    name: "full batch (m = N)",
    line: { color: EXACT_COLOR, dash: "dot", width: 1.5 },
    showlegend,
    legendgroup: "reference",
    ...axes,
  });
  const left = { xaxis: "x", yaxis: "y" };
  const data: PlotlyTrace[] = samples.map((s) => violin(s, left));
  data.push(reference(labels, left, true));
  const layout = baseLayout({
    title: options.title ?? "Batch gradients scatter less as m grows",
    xTitle: "batch size",
    yTitle: options.yTitle ?? "ĝₘ · G / |G|",
  });
  if (!zoom)
    return {
      data,
      layout: {
        ...layout,
        violinmode: "overlay",
        xaxis: { ...(layout.xaxis as object), type: "category" },
      },
    };
  // The small batches' tails set the left panel's range; the right panel repeats the larger
  // batch sizes with the range their own 1–99 % quantiles need, so their spread and |G| show.
  const right = { xaxis: "x2", yaxis: "y2" };
  const zoomed = samples.filter((s) => s.m >= zoom.from);
  data.push(
    ...zoomed.map((s) => violin(s, right)),
    reference(
      zoomed.map((s) => batchSizeLabel(s.m)),
      right,
      false,
    ),
  );
  return {
    data,
    layout: {
      ...layout,
      violinmode: "overlay",
      xaxis: {
        ...(layout.xaxis as object),
        type: "category",
        domain: [0, 0.48],
        title: { text: "batch size (all)" },
      },
      xaxis2: {
        ...(layout.xaxis as object),
        type: "category",
        domain: [0.56, 1],
        anchor: "y2",
        title: { text: `batch size (m ≥ ${zoom.from}, zoomed)` },
      },
      yaxis2: { ...(layout.yaxis as object), anchor: "x2", title: undefined, range: zoom.range },
      legend: { orientation: "h", x: 0, y: -0.22 },
      margin: { ...(layout.margin as object), b: 100 },
      annotations: [
        {
          xref: "x2 domain",
          yref: "paper",
          x: 0,
          y: 1,
          yanchor: "bottom",
          xanchor: "left",
          showarrow: false,
          font: { size: 11 },
          text: `zoom: y range = 1–99 % quantiles of m ≥ ${zoom.from}`,
        },
      ],
    },
  };
}

/** The q-quantile (0..1) of values, by linear interpolation between order statistics. */
function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const i = Math.floor(at);
  return i + 1 < sorted.length ? sorted[i] + (at - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
}

/**
 * Whether the spread figure needs a zoomed panel, and for which batch sizes: the first m whose
 * 1–99 % range is under a quarter of the smallest m's, when at least two batch sizes qualify.
 */
function spreadZoom(
  samples: SpreadSample[],
  reference: number,
): { from: number; range: [number, number] } | null {
  const width = (s: SpreadSample) => quantile(s.values, 0.99) - quantile(s.values, 0.01);
  const sorted = samples.slice().sort((a, b) => a.m - b.m);
  const full = width(sorted[0]);
  const k = sorted.findIndex((s) => width(s) < full / 4);
  if (!(full > 0) || k < 0 || sorted.length - k < 2) return null;
  const shown = sorted.slice(k);
  const lo = Math.min(reference, ...shown.map((s) => quantile(s.values, 0.01)));
  const hi = Math.max(reference, ...shown.map((s) => quantile(s.values, 0.99)));
  const pad = 0.08 * (hi - lo || 1);
  return { from: sorted[k].m, range: [lo - pad, hi + pad] };
}

export interface SnrFigureOptions {
  gradNormSq: number;
  traceCov: number;
  /** Population size, for the without-replacement line (omit to draw only tr Σ/m). */
  n?: number;
  /** Measured variances: their SNR |G|²/variance is drawn as markers. */
  measured?: VarianceRow[];
  mMax?: number;
  title?: string;
}

/** SNR(m) = |G|² / (tr Σ/m) on log-log axes; it crosses 1 at m = B_simple. */
export function snrFigure(options: SnrFigureOptions): PlotlyFigure {
  const { gradNormSq, traceCov, n } = options;
  const bSimple = traceCov / gradNormSq;
  const mMax = options.mMax ?? n ?? Math.max(1024, 4 * bSimple);
  const grid = logGrid(1, mMax);
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      x: grid,
      y: grid.map((m) => gradNormSq / predictedVariance(traceCov, m)),
      name: "|G|² / (tr Σ / m) = m / B_simple",
      line: { color: WITH_COLOR, width: 1.5 },
    },
  ];
  if (n !== undefined) {
    const g = grid.filter((m) => m <= 0.97 * n);
    data.push({
      type: "scatter",
      mode: "lines",
      x: g,
      y: g.map((m) => gradNormSq / predictedVariance(traceCov, m, n)),
      name: "without replacement from N",
      line: { color: WITHOUT_COLOR, width: 1.5, dash: "dash" },
    });
  }
  const measured = (options.measured ?? []).filter((r) => !isRoundingZero(r.variance, traceCov));
  for (const replacement of ["with", "without"] as const) {
    const rows = measured.filter((r) => r.replacement === replacement);
    if (rows.length === 0) continue;
    const color = replacement === "with" ? WITH_COLOR : WITHOUT_COLOR;
    data.push({
      type: "scatter",
      mode: "markers",
      x: rows.map((r) => r.m),
      y: rows.map((r) => gradNormSq / r.variance),
      name: `measured, ${replacement} replacement`,
      marker: {
        color,
        size: 8,
        symbol: replacement === "with" ? "circle" : "diamond-open",
        line: { color, width: 1.5 },
      },
    });
  }
  data.push({
    type: "scatter",
    mode: "lines",
    x: [1, mMax],
    y: [1, 1],
    name: "SNR = 1",
    line: { color: COLORS.faint, dash: "dot", width: 1 },
  });
  if (Number.isFinite(bSimple) && bSimple >= 1 && bSimple <= mMax) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      x: [bSimple],
      y: [1],
      text: [`B_simple ≈ ${Math.round(bSimple)}`],
      textposition: "top left",
      name: "B_simple",
      marker: { color: EXACT_COLOR, size: 10, symbol: "x" },
      showlegend: false,
    });
  }
  return {
    data,
    layout: baseLayout({
      title: options.title ?? "Signal-to-noise ratio of the batch gradient",
      xTitle: "batch size m (log scale)",
      yTitle: "|G|² / E|ĝₘ − G|²  (log scale)",
      xLog: true,
      yLog: true,
    }),
  };
}

/**
 * B_simple over a training run (top: exact and the online two-batch estimate, log scale) above the
 * training loss (bottom), sharing the step axis.
 */
export function noiseScaleFigure(
  rows: NoiseTrackingRow[],
  options: { title?: string; bSmall?: number; bBig?: number } = {},
): PlotlyFigure {
  if (rows.length === 0) throw new BatchlabArgumentError("rows", rows, "at least one record");
  const steps = rows.map((r) => r.step);
  const est = rows.filter((r) => Number.isFinite(r.estBSimple) && r.estBSimple > 0);
  const sizes =
    options.bSmall !== undefined && options.bBig !== undefined
      ? ` (B_small = ${options.bSmall}, B_big = ${options.bBig})`
      : "";
  const base = baseLayout({
    title: options.title ?? "B_simple grows as the loss falls",
    height: 560,
  });
  return {
    data: [
      {
        type: "scatter",
        mode: "lines+markers",
        x: steps,
        y: rows.map((r) => r.exactBSimple),
        name: "B_simple, exact (all per-example gradients)",
        line: { color: EXACT_COLOR, width: 2 },
        marker: { size: 5, color: EXACT_COLOR },
        xaxis: "x",
        yaxis: "y",
      },
      {
        type: "scatter",
        mode: "markers",
        x: est.map((r) => r.step),
        y: est.map((r) => r.estBSimple),
        name: `two-batch estimate, moving averages${sizes}`,
        marker: {
          size: 7,
          color: WITHOUT_COLOR,
          symbol: "diamond-open",
          line: { width: 1.5, color: WITHOUT_COLOR },
        },
        xaxis: "x",
        yaxis: "y",
      },
      {
        type: "scatter",
        mode: "lines",
        x: steps,
        y: rows.map((r) => r.trainLoss),
        name: "training loss",
        line: { color: WITH_COLOR, width: 2 },
        xaxis: "x",
        yaxis: "y2",
      },
    ],
    layout: {
      ...base,
      xaxis: { ...(base.xaxis as object), title: { text: "training step" }, anchor: "y2" },
      yaxis: {
        ...(base.yaxis as object),
        type: "log",
        domain: [0.42, 1],
        title: { text: "B_simple (log scale)" },
        exponentformat: "power",
      },
      yaxis2: {
        ...(base.yaxis as object),
        type: "log",
        domain: [0, 0.32],
        title: { text: "training loss (log scale)" },
        anchor: "x",
        exponentformat: "power",
      },
      legend: { orientation: "h", y: -0.16, x: 0 },
    },
  };
}

/**
 * How the two-batch estimates settle as pairs are averaged: the running means of the |G|² and
 * tr Σ estimates divided by their exact values (both should approach 1), and the running mean of
 * the per-pair ratio tr Σ/|G|² over the exact B_simple (which does not).
 */
export function estimatorConvergenceFigure(
  draws: { gradNormSqDraws: ArrayLike<number>; traceCovDraws: ArrayLike<number> },
  exact: { gradNormSq: number; traceCov: number },
  options: {
    title?: string;
    points?: number;
    correction?: (e: { gradNormSq: number; traceCov: number }) => {
      gradNormSq: number;
      traceCov: number;
    };
  } = {},
): PlotlyFigure {
  const R = draws.gradNormSqDraws.length;
  if (R === 0 || draws.traceCovDraws.length !== R)
    throw new BatchlabArgumentError("draws", R, "two equally long, non-empty arrays");
  const at = Array.from(
    new Set(logGrid(1, R, options.points ?? 60).map((v) => Math.round(v))),
  ).filter((k) => k >= 1 && k <= R);
  const correct = options.correction ?? ((e) => e);
  const bExact = exact.traceCov / exact.gradNormSq;
  const g: number[] = [],
    s: number[] = [],
    b: number[] = [],
    ratio: number[] = [];
  let sumG = 0,
    sumS = 0,
    sumRatio = 0,
    k = 0;
  for (const upTo of at) {
    for (; k < upTo; k++) {
      sumG += draws.gradNormSqDraws[k];
      sumS += draws.traceCovDraws[k];
      sumRatio += draws.traceCovDraws[k] / draws.gradNormSqDraws[k];
    }
    const e = correct({ gradNormSq: sumG / upTo, traceCov: sumS / upTo });
    g.push(e.gradNormSq / exact.gradNormSq);
    s.push(e.traceCov / exact.traceCov);
    b.push(e.traceCov / e.gradNormSq / bExact);
    ratio.push(sumRatio / upTo / bExact);
  }
  const line = (y: number[], name: string, color: string, dash = "solid"): PlotlyTrace => ({
    type: "scatter",
    mode: "lines",
    x: at,
    y,
    name,
    line: { color, width: 2, dash },
  });
  return {
    data: [
      line(s, "tr Σ estimate / exact", WITH_COLOR),
      line(g, "|G|² estimate / exact", WITHOUT_COLOR),
      line(b, "B_simple = ratio of the averages / exact", EXACT_COLOR),
      line(ratio, "average of per-pair ratios / exact", COLORS.faint, "dot"),
      {
        type: "scatter",
        mode: "lines",
        x: [1, R],
        y: [1, 1],
        name: "exact",
        line: { color: COLORS.fainter, width: 1 },
        showlegend: false,
      },
    ],
    layout: {
      ...baseLayout({
        title: options.title ?? "Two-batch estimates settle as pairs are averaged",
        xTitle: "pairs of batches averaged (log scale)",
        yTitle: "estimate / exact value",
        xLog: true,
      }),
      // The range holds every curve once ten pairs are averaged (the first few swing wildly), and
      // at least 0 to 2 around the target 1.
      yaxis: {
        ...(baseLayout({}).yaxis as object),
        title: { text: "estimate / exact value" },
        range: settledRange(at, [s, g, b, ratio], 10),
      },
      annotations: [
        {
          xref: "paper",
          yref: "paper",
          x: 1,
          y: 1,
          xanchor: "right",
          yanchor: "bottom",
          showarrow: false,
          font: { size: 11 },
          text: "y range: every curve from 10 pairs on",
        },
      ],
    },
  };
}

/** [lo, hi] holding every curve's values at x ≥ from, and at least [0, 2], padded by 5 %. */
function settledRange(x: number[], curves: number[][], from: number): [number, number] {
  let lo = 0;
  let hi = 2;
  for (const curve of curves) {
    curve.forEach((v, i) => {
      if (x[i] < from || !Number.isFinite(v)) return;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    });
  }
  const pad = 0.05 * (hi - lo);
  return [lo - pad, hi + pad];
}
