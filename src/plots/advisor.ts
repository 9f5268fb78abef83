// The advisor's evidence, as figures: the η search at the base batch size, the noise scale along
// the short run, the predicted time to target against m, and η against m with the rules and the
// curvature limit. Each takes the advice object as it is and draws what it measured or assumed.

import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import type { BatchSizeAdvice } from "../advisor/advise";
import { BatchlabArgumentError } from "../util/validate";
import { logGrid } from "../util/stats";
import { baseLayout, batchSizeStyle, colorForBatchSize, COLORS } from "./style";

const EXACT = COLORS.ink;
const ESTIMATE = COLORS.orange;
const LOSS = COLORS.green;
const RANGE_FILL = COLORS.estimateRange;
const RULE_LINEAR = COLORS.blue;
const RULE_SQRT = COLORS.purple;
const LIMIT = COLORS.limit;
const FIT = COLORS.fit;

/** A legend under the plot, clear of the x-axis title. */
function legendBelow(layout: Record<string, unknown>): void {
  layout.legend = { orientation: "h", x: 0, y: -0.3, yanchor: "top" };
  layout.height = 500;
  layout.margin = { ...(layout.margin as object), b: 150 };
}

function vertical(x: number, color: string, dash: string): Record<string, unknown> {
  return {
    type: "line",
    x0: x,
    x1: x,
    yref: "paper",
    y0: 0,
    y1: 1,
    line: { color, dash, width: 1.5 },
  };
}

function label(x: number, text: string, color: string, y = 1): Record<string, unknown> {
  return {
    x: Math.log10(x),
    y,
    yref: "paper",
    xanchor: "left",
    yanchor: "top",
    showarrow: false,
    text: ` ${text}`,
    font: { color, size: 12 },
  };
}

/** Training loss after the tuning runs against η (log-log), diverged rates marked along the top. */
export function advisorTuningFigure(
  advice: BatchSizeAdvice,
  options: { title?: string } = {},
): PlotlyFigure {
  const trials = advice.base.trials;
  if (trials.length === 0)
    throw new BatchlabArgumentError(
      "advice.base.trials",
      trials,
      "tuning runs (the base η was given, so none were made)",
    );
  const ok = trials.filter((t) => !t.diverged);
  const bad = trials.filter((t) => t.diverged);
  const top = Math.max(...ok.map((t) => t.finalLoss));
  const style = batchSizeStyle(advice.base.m);
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines+markers",
      x: ok.map((t) => t.lr),
      y: ok.map((t) => t.finalLoss),
      ...style,
      name: `${style.name}: loss after the tuning run`,
    },
    {
      type: "scatter",
      mode: "markers",
      x: [advice.base.lr],
      y: [ok.find((t) => t.lr === advice.base.lr)?.finalLoss ?? null],
      name: `chosen η = ${advice.base.lr}`,
      marker: { size: 14, color: COLORS.transparent, line: { color: EXACT, width: 2 } },
    },
  ];
  if (bad.length > 0) {
    data.push({
      type: "scatter",
      mode: "markers",
      x: bad.map((t) => t.lr),
      y: bad.map(() => top * 1.5),
      name: "diverged",
      marker: { symbol: "x", size: 10, color: LIMIT },
    });
  }
  return {
    data,
    layout: baseLayout({
      title: options.title ?? `Step 1 · η at the base batch size m = ${advice.base.m}`,
      xTitle: "learning rate η (log scale)",
      yTitle: "training loss after the tuning run",
      xLog: true,
      yLog: true,
    }),
  };
}

/** B_simple along the short run (exact and the two-batch estimate), with the B_crit range and the recommended m. */
export function advisorNoiseFigure(
  advice: BatchSizeAdvice,
  options: { title?: string } = {},
): PlotlyFigure {
  const rows = advice.noise.rows;
  const est = rows.filter((r) => Number.isFinite(r.estBSimple) && r.estBSimple > 0);
  const steps = rows.map((r) => r.step);
  const x0 = steps[0];
  const x1 = steps[steps.length - 1];
  const m = advice.recommendation.m;
  const layout = baseLayout({
    title: options.title ?? "Step 2 · the gradient noise scale along a short run",
    xTitle: `training step (m = ${advice.base.m}, η = ${Number(advice.base.lr.toPrecision(3))})`,
    yTitle: "batch size (log scale)",
    yLog: true,
  });
  return {
    data: [
      {
        type: "scatter",
        mode: "lines",
        x: [x0, x1, x1, x0],
        y: [advice.bCrit.low, advice.bCrit.low, advice.bCrit.high, advice.bCrit.high],
        fill: "toself",
        fillcolor: RANGE_FILL,
        line: { width: 0 },
        name: `B_crit within a factor 4: ${Math.round(advice.bCrit.low)} to ${Math.round(advice.bCrit.high)}`,
        hoverinfo: "skip",
      },
      {
        type: "scatter",
        mode: "lines+markers",
        x: steps,
        y: rows.map((r) => r.exactBSimple),
        name: `B_simple, exact (${advice.noise.examples} examples)`,
        line: { color: EXACT, width: 2 },
        marker: { color: EXACT, size: 6 },
      },
      {
        type: "scatter",
        mode: "markers",
        x: est.map((r) => r.step),
        y: est.map((r) => r.estBSimple),
        name: `two-batch estimate (B_small = ${advice.noise.bSmall}, B_big = ${advice.noise.bBig})`,
        marker: {
          symbol: "diamond-open",
          size: 8,
          color: ESTIMATE,
          line: { width: 1.5, color: ESTIMATE },
        },
      },
      {
        type: "scatter",
        mode: "lines",
        x: [x0, x1],
        y: [m, m],
        name: `recommended m = ${m}`,
        line: { color: colorForBatchSize(m), width: 2.5, dash: "dash" },
      },
      {
        type: "scatter",
        mode: "lines",
        x: steps,
        y: rows.map((r) => r.trainLoss),
        name: "training loss (right axis)",
        yaxis: "y2",
        line: { color: LOSS, width: 1.5, dash: "dot" },
      },
    ],
    layout: {
      ...layout,
      yaxis2: {
        overlaying: "y",
        side: "right",
        type: "log",
        title: { text: "training loss" },
        showgrid: false,
        exponentformat: "power",
        automargin: true,
      },
      margin: { l: 64, r: 64, t: 56, b: 150 },
      legend: { orientation: "h", x: 0, y: -0.3, yanchor: "top" },
      height: 500,
    },
  };
}

/**
 * Time to the target against m, relative to the fitted minimum: the fitted curve S(m)·(t₀ + c·m)
 * the advisor decides from, the same product with each t(m) as measured (the range of its repeats
 * as error bars), the band of m within a factor of its minimiser m*, and the steps and examples each m needs
 * relative to their minima: the trade-off of chapter 3 priced with the step times of chapter 5.
 */
export function advisorTimeFigure(
  advice: BatchSizeAdvice,
  options: { title?: string } = {},
): PlotlyFigure {
  const c = advice.candidates;
  if (c.length === 0)
    throw new BatchlabArgumentError("advice.candidates", c, "at least one candidate batch size");
  const ms = logGrid(c[0].m, c[c.length - 1].m, 120);
  const B = advice.bCrit.estimate;
  const r = advice.recommendation;
  const band = advice.band;
  // Everything ÷ the fitted curve's minimum S(m*)·t(m*), with S(m) ∝ 1 + B/m and t(m) = t₀ + c·m.
  const { overheadSeconds: t0, secondsPerExample: perExample } = advice.overhead;
  const fitted = (m: number) => (1 + B / m) * (t0 + perExample * m);
  const minimum = fitted(band.optimumM);
  const ratio = (m: number) => fitted(m) / minimum;
  // A measured point: the same S(m) with t(m) the median of the repeats, and their range.
  const measured = advice.stepTimes
    .filter((row) => c.some((x) => x.m === row.m))
    .sort((a, b) => a.m - b.m);
  const measuredRatio = (m: number, t: number) => ((1 + B / m) * t) / minimum;
  const bandLo = Math.max(c[0].m, band.optimumM / band.factor),
    bandHi = Math.min(c[c.length - 1].m, band.optimumM * band.factor);
  const edge = band.costBound;
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: ms.map(ratio),
      name: "fitted time to target S(m)·(t₀ + c·m) ÷ its minimum: what the advisor decides from",
      line: { color: FIT, width: 2.5 },
    },
    {
      type: "scatter",
      mode: "markers",
      x: c.map((row) => row.m),
      y: c.map((row) => ratio(row.m)),
      name: "candidates (powers of two; grey: over the memory budget)",
      marker: { color: c.map((row) => (row.fitsMemory ? FIT : COLORS.fainter)), size: 7 },
      showlegend: true,
    },
    {
      type: "scatter",
      mode: "markers",
      x: measured.map((row) => row.m),
      y: measured.map((row) => measuredRatio(row.m, row.secondsPerStep)),
      error_y: {
        type: "data",
        symmetric: false,
        thickness: 1,
        width: 3,
        color: EXACT,
        array: measured.map(
          (row) =>
            measuredRatio(row.m, Math.max(...row.samples)) -
            measuredRatio(row.m, row.secondsPerStep),
        ),
        arrayminus: measured.map(
          (row) =>
            measuredRatio(row.m, row.secondsPerStep) -
            measuredRatio(row.m, Math.min(...row.samples)),
        ),
      },
      name: "the same with t(m) as timed: median and range of the repeats",
      marker: { color: EXACT, size: 6, symbol: "circle-open" },
    },
    {
      type: "scatter",
      mode: "lines",
      x: [ms[0], ms[ms.length - 1]],
      y: [edge, edge],
      name: `${Number(edge.toFixed(3))} × the minimum: the most any m within a factor ${band.factor} of m* can cost`,
      line: { color: COLORS.green, width: 1.5, dash: "dash" },
    },
    {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: ms.map((m) => 1 + B / m),
      name: "steps S(m) ÷ S_min = 1 + B_crit/m",
      line: { color: RULE_LINEAR, width: 1.5, dash: "dash" },
    },
    {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: ms.map((m) => 1 + m / B),
      name: "examples E(m) ÷ E_min = 1 + m/B_crit",
      line: { color: ESTIMATE, width: 1.5, dash: "dot" },
    },
    {
      type: "scatter",
      mode: "markers",
      x: [r.m],
      y: [ratio(r.m)],
      name: `recommended m = ${r.m}: the smallest power of two in the band (within a factor ${band.factor} of m* ≈ ${Math.round(band.optimumM)}, shaded)`,
      marker: {
        size: 16,
        color: COLORS.transparent,
        line: { color: colorForBatchSize(r.m), width: 3 },
      },
    },
  ];
  const layout = baseLayout({
    title: options.title ?? "Step 3 · predicted time to the target on this machine",
    xTitle: "batch size m (log scale)",
    yTitle: "time to target ÷ fitted minimum (log)",
    xLog: true,
    yLog: true,
  });
  layout.xaxis = { ...(layout.xaxis as object), dtick: Math.log10(2) * 2, tickformat: "d" };
  // Up to 64× the minimum, or higher when a measured point or the fitted curve needs it (a slow
  // engine's overhead at small m); the rule lines may leave the frame, the time curves may not.
  const timeValues = [
    ...ms.map(ratio),
    ...measured.map((row) => measuredRatio(row.m, Math.max(...row.samples))),
  ].filter(Number.isFinite);
  const top = Math.max(64, 1.3 * Math.max(...timeValues));
  // Ticks at round factors and at the band's cost bound, not Plotly's crowded minor labels of a short log axis.
  // A tick is kept only if it is far enough (on the log axis) from the one below, so labels never overlap.
  const ticks: number[] = [];
  for (const v of [1, edge, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]) {
    if (
      v <= top &&
      (ticks.length === 0 || Math.log10(v / ticks[ticks.length - 1]) >= Math.log10(top) / 22)
    )
      ticks.push(v);
  }
  layout.yaxis = {
    ...(layout.yaxis as object),
    range: [-0.05, Math.log10(top)],
    tickvals: ticks,
    ticktext: ticks.map((v) => (v === edge ? `${Number(v.toFixed(3))}` : String(v))),
  };
  layout.shapes = [
    vertical(B, ESTIMATE, "dot"),
    // The m within the factor of m*: the band the answer is read from.
    {
      type: "rect",
      xref: "x",
      yref: "paper",
      x0: bandLo,
      x1: bandHi,
      y0: 0,
      y1: 1,
      fillcolor: COLORS.bandFill,
      line: { width: 0 },
      layer: "below",
    },
  ];
  layout.annotations = [
    label(B, `B_crit ≈ ${Math.round(B)}`, ESTIMATE),
    label(bandLo, `band: m = ${band.ms.join(", ")}`, COLORS.green, 0.93),
  ];
  legendBelow(layout);
  layout.height = 600;
  layout.margin = { ...(layout.margin as object), b: 200 };
  return { data, layout };
}

/**
 * η against m (log-log): the linear and square-root rules from the base η, the curvature limit
 * 2/λ_max at the start and after the short run with the advisor's cap, and the recommended point.
 */
export function advisorLrFigure(
  advice: BatchSizeAdvice,
  options: { title?: string } = {},
): PlotlyFigure {
  const c = advice.candidates;
  const ms = c.map((row) => row.m);
  const base = advice.base;
  const r = advice.recommendation;
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: ms.map((m) => (base.lr * m) / base.m),
      name: "linear rule η·m/m₀",
      line: { color: RULE_LINEAR, width: 2 },
    },
    {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: ms.map((m) => base.lr * Math.sqrt(m / base.m)),
      name: "square-root rule η·√(m/m₀)",
      line: { color: RULE_SQRT, width: 2, dash: "dash" },
    },
  ];
  const curvature = advice.curvature;
  if (curvature) {
    const cap = advice.assumptions.stabilityFraction * curvature.lrLimitEnd;
    data.push(
      {
        type: "scatter",
        mode: "lines",
        x: [ms[0], ms[ms.length - 1]],
        y: [curvature.lrLimitEnd, curvature.lrLimitEnd],
        name: `2/λ_max after the short run = ${curvature.lrLimitEnd.toPrecision(3)}`,
        line: { color: LIMIT, width: 1.5 },
      },
      {
        type: "scatter",
        mode: "lines",
        x: [ms[0], ms[ms.length - 1]],
        y: [curvature.lrLimitStart, curvature.lrLimitStart],
        name: `2/λ_max at the start = ${curvature.lrLimitStart.toPrecision(3)}`,
        line: { color: LIMIT, width: 1.5, dash: "dot" },
      },
      {
        type: "scatter",
        mode: "lines",
        x: [ms[0], ms[ms.length - 1]],
        y: [cap, cap],
        name: `advisor's cap ${advice.assumptions.stabilityFraction} × 2/λ_max`,
        line: { color: LIMIT, width: 1, dash: "dash" },
      },
    );
  }
  data.push(
    {
      type: "scatter",
      mode: "markers",
      x: [base.m],
      y: [base.lr],
      name: `base: m₀ = ${base.m}, η = ${Number(base.lr.toPrecision(3))}${base.tuned ? " (tuned)" : ""}`,
      marker: { size: 10, color: colorForBatchSize(base.m) },
    },
    {
      type: "scatter",
      mode: "markers",
      x: [r.m],
      y: [r.lr],
      name: `recommended: m = ${r.m}, η = ${Number(r.lr.toPrecision(3))}`,
      marker: {
        size: 14,
        symbol: "star",
        color: colorForBatchSize(r.m),
        line: { color: EXACT, width: 1 },
      },
    },
  );
  const layout = baseLayout({
    title: options.title ?? "Step 4 · the learning rate for the recommended batch size",
    xTitle: "batch size m (log scale)",
    yTitle: "learning rate η (log scale)",
    xLog: true,
    yLog: true,
  });
  layout.xaxis = { ...(layout.xaxis as object), dtick: Math.log10(2) * 2, tickformat: "d" };
  legendBelow(layout);
  return { data, layout };
}

/** ln S_min of S = S_min·(1 + B/m) fitted to measured points with B fixed (least squares on ln S). */
function anchoredSMin(points: readonly { m: number; steps: number }[], B: number): number {
  const mean =
    points.reduce((s, p) => s + Math.log(p.steps) - Math.log(1 + B / p.m), 0) / points.length;
  return Math.exp(mean);
}

/**
 * The advisor's B_crit against measured steps-to-target (chapter 3's sweep): the measured points,
 * and S_min·(1 + B/m) for the advisor's estimate and the ends of its factor-4 range (each with its
 * best S_min), beside the curve fitted to the points themselves.
 */
export function advisorCheckFigure(
  measured: readonly { m: number; steps: number | null }[],
  advice: BatchSizeAdvice,
  options: { title?: string; fittedBCrit?: number } = {},
): PlotlyFigure {
  const points = measured.filter(
    (p): p is { m: number; steps: number } => p.steps !== null && p.steps > 0,
  );
  if (points.length < 2)
    throw new BatchlabArgumentError(
      "measured",
      measured,
      "at least two batch sizes that reached the target",
    );
  const ms = logGrid(Math.min(...points.map((p) => p.m)), Math.max(...points.map((p) => p.m)), 100);
  const curve = (B: number, name: string, color: string, dash: string, width = 2): PlotlyTrace => {
    const sMin = anchoredSMin(points, B);
    return {
      type: "scatter",
      mode: "lines",
      x: ms,
      y: ms.map((m) => sMin * (1 + B / m)),
      name,
      line: { color, dash, width },
    };
  };
  const b = advice.bCrit;
  const data: PlotlyTrace[] = [
    curve(
      b.estimate,
      `advisor: B_crit ≈ B_simple = ${Math.round(b.estimate)}`,
      ESTIMATE,
      "solid",
      2.5,
    ),
    curve(b.low, `B_simple ÷ 4 = ${Math.round(b.low)}`, ESTIMATE, "dot", 1.5),
    curve(b.high, `B_simple × 4 = ${Math.round(b.high)}`, ESTIMATE, "dash", 1.5),
  ];
  if (options.fittedBCrit !== undefined)
    data.push(
      curve(
        options.fittedBCrit,
        `fitted to the points: B_crit = ${Math.round(options.fittedBCrit)}`,
        EXACT,
        "dashdot",
        1.5,
      ),
    );
  data.push({
    type: "scatter",
    mode: "markers",
    x: points.map((p) => p.m),
    y: points.map((p) => p.steps),
    name: "measured, η tuned per m (chapter 3)",
    marker: {
      size: 9,
      color: points.map((p) => colorForBatchSize(p.m)),
      line: { color: EXACT, width: 1 },
    },
  });
  const layout = baseLayout({
    title: options.title ?? "The advisor's B_crit against measured steps to target",
    xTitle: "batch size m (log scale)",
    yTitle: "steps to the target (log scale)",
    xLog: true,
    yLog: true,
  });
  layout.xaxis = { ...(layout.xaxis as object), dtick: Math.log10(2) * 2, tickformat: "d" };
  layout.shapes = [
    vertical(advice.recommendation.m, colorForBatchSize(advice.recommendation.m), "dash"),
  ];
  layout.annotations = [
    label(
      advice.recommendation.m,
      `recommended m = ${advice.recommendation.m}`,
      colorForBatchSize(advice.recommendation.m),
      0.12,
    ),
  ];
  legendBelow(layout);
  return { data, layout };
}
