// Figures of chapter 4 (generalization): accuracy against m under a fixed epoch budget and under
// an equal-training-loss budget, accuracy against the number of updates, sharpness against m and
// against the generalization gap, the 1-D interpolation between two solutions, and the gap against
// η/m. Pure functions from rows to Plotly figures, so tests can check what a figure shows.

import type { InterpolationPoint } from "../curvature/interpolate";
import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import type { LrRule } from "../learningRate/scaling";
import { summarizeSeeds } from "../generalization/stats";
import { BatchlabArgumentError } from "../util/validate";
import { baseLayout, batchSizeLabel, colorForBatchSize, COLORS } from "./style";

/** What every accuracy figure needs of a run. */
export interface AccuracyRow {
  m: number;
  seed: number;
  trainAccuracy: number;
  testAccuracy: number;
}

const RULE_STYLE: Record<
  LrRule,
  { color: string; symbol: string; dash: string; label: string; short: string }
> = {
  same: { color: COLORS.axis, symbol: "circle", dash: "solid", label: "same η", short: "same η" },
  linear: {
    color: COLORS.orange,
    symbol: "square",
    dash: "dash",
    label: "linear rule η ∝ m",
    short: "η ∝ m",
  },
  sqrt: {
    color: COLORS.blue,
    symbol: "diamond",
    dash: "dot",
    label: "square-root rule η ∝ √m",
    short: "η ∝ √m",
  },
};

/** Legend name of a learning-rate rule. */
export function ruleLabel(rule: LrRule): string {
  return RULE_STYLE[rule].label;
}

function distinct<T>(values: T[]): T[] {
  return Array.from(new Set(values));
}

function nonEmpty<T>(rows: readonly T[], what: string): void {
  if (!Array.isArray(rows) || rows.length === 0)
    throw new BatchlabArgumentError(what, rows, "a non-empty array of rows");
}

/** Tick values at the batch sizes themselves, for a log axis over m. */
function batchTicks(ms: number[]): Record<string, unknown> {
  const sorted = ms.slice().sort((a, b) => a - b);
  return { tickvals: sorted, ticktext: sorted.map(String) };
}

/** A legend of many short entries, in rows under the plot, and the room it needs. */
const LEGEND_BELOW = {
  legend: { orientation: "h", x: 0, y: -0.2, yanchor: "top", font: { size: 11 } },
  margin: { l: 64, r: 24, t: 64, b: 190 },
};

/** Layout with `count` panels side by side, each with its own axes; panel k uses xaxis{k+1}/yaxis{k+1}. */
function panelsLayout(
  title: string,
  panels: {
    xTitle: string;
    yTitle: string;
    xLog?: boolean;
    yLog?: boolean;
    x?: Record<string, unknown>;
  }[],
  height = 420,
): Record<string, unknown> {
  const base = baseLayout({ title, height });
  const gap = 0.08;
  const width = (1 - gap * (panels.length - 1)) / panels.length;
  const layout: Record<string, unknown> = {
    ...base,
    legend: { orientation: "h", y: -0.22, x: 0 },
    margin: { l: 64, r: 24, t: 64, b: 100 },
  };
  panels.forEach((panel, k) => {
    const suffix = k === 0 ? "" : String(k + 1);
    layout[`xaxis${suffix}`] = {
      ...(base.xaxis as object),
      type: panel.xLog ? "log" : "linear",
      title: { text: panel.xTitle },
      ...(panel.xLog ? { exponentformat: "power" } : {}),
      domain: [k * (width + gap), k * (width + gap) + width],
      anchor: `y${suffix}`,
      ...(panel.x ?? {}),
    };
    layout[`yaxis${suffix}`] = {
      ...(base.yaxis as object),
      type: panel.yLog ? "log" : "linear",
      title: { text: panel.yTitle },
      anchor: `x${suffix}`,
      ...(panel.yLog ? { exponentformat: "power" } : {}),
    };
  });
  return layout;
}

const axisRefs = (k: number): { xaxis: string; yaxis: string } => ({
  xaxis: k === 0 ? "x" : `x${k + 1}`,
  yaxis: k === 0 ? "y" : `y${k + 1}`,
});

/** Mean ± sample sd over seeds of `value`, one point per x, as a line with error bars. */
function meanTrace(
  rows: readonly AccuracyRow[],
  xOf: (r: AccuracyRow) => number,
  value: (r: AccuracyRow) => number,
): { x: number[]; y: number[]; sd: number[] } {
  const xs = distinct(rows.map(xOf)).sort((a, b) => a - b);
  const stats = xs.map((x) => summarizeSeeds(rows.filter((r) => xOf(r) === x).map(value)));
  return { x: xs, y: stats.map((s) => s.mean), sd: stats.map((s) => s.sd) };
}

// ---------------------------------------------------------------------------------------------

export interface RuleAccuracyRow extends AccuracyRow {
  rule: LrRule;
}

/**
 * Train (left) and test (right) accuracy in % against m under a fixed epoch budget, one line per
 * learning-rate rule: mean over seeds with ± one standard deviation, each seed a faint point.
 */
export function accuracyByRuleFigure(
  rows: readonly RuleAccuracyRow[],
  options: { title?: string } = {},
): PlotlyFigure {
  nonEmpty(rows, "rows");
  const rules = distinct(rows.map((r) => r.rule));
  const ms = distinct(rows.map((r) => r.m));
  const metrics: { key: "trainAccuracy" | "testAccuracy"; title: string }[] = [
    { key: "trainAccuracy", title: "train accuracy (%)" },
    { key: "testAccuracy", title: "test accuracy (%)" },
  ];
  const data: PlotlyTrace[] = [];
  metrics.forEach((metric, k) => {
    for (const rule of rules) {
      const style = RULE_STYLE[rule];
      const own = rows.filter((r) => r.rule === rule);
      const mean = meanTrace(
        own,
        (r) => r.m,
        (r) => 100 * r[metric.key],
      );
      data.push({
        type: "scatter",
        mode: "lines+markers",
        x: mean.x,
        y: mean.y,
        error_y: { type: "data", array: mean.sd, visible: true, thickness: 1 },
        name: style.label,
        legendgroup: rule,
        showlegend: k === 0,
        line: { color: style.color, dash: style.dash, width: 2 },
        marker: { color: style.color, symbol: style.symbol, size: 8 },
        hovertemplate: `${style.label}<br>m = %{x}<br>${metric.title} %{y:.2f} (mean)<extra></extra>`,
        ...axisRefs(k),
      });
      data.push({
        type: "scatter",
        mode: "markers",
        x: own.map((r) => r.m),
        y: own.map((r) => 100 * r[metric.key]),
        name: `${style.label}, each seed`,
        legendgroup: rule,
        showlegend: false,
        marker: {
          color: style.color,
          symbol: `${style.symbol}-open`,
          size: 7,
          opacity: 0.75,
          line: { width: 1.2 },
        },
        hovertemplate: `${style.label}<br>m = %{x}, one seed<br>%{y:.2f}<extra></extra>`,
        ...axisRefs(k),
      });
    }
  });
  const x = batchTicks(ms);
  return {
    data,
    layout: panelsLayout(
      options.title ?? "Same number of epochs: accuracy against batch size",
      metrics.map((metric) => ({
        xTitle: "batch size m (log scale)",
        yTitle: metric.title,
        xLog: true,
        x,
      })),
    ),
  };
}

// ---------------------------------------------------------------------------------------------

export interface StepsAccuracyRow extends RuleAccuracyRow {
  steps: number;
}

/**
 * One marker trace per (rule, m) that has rows, coloured by m and shaped by rule; `extra` gives
 * what differs between figures (legend group, hover text, axes).
 */
function pointsByRuleAndBatch<R extends RuleAccuracyRow>(
  rows: readonly R[],
  x: (r: R) => number,
  y: (r: R) => number,
  extra: (rule: LrRule, m: number, style: (typeof RULE_STYLE)[LrRule]) => Partial<PlotlyTrace>,
): PlotlyTrace[] {
  const traces: PlotlyTrace[] = [];
  for (const rule of distinct(rows.map((r) => r.rule))) {
    for (const m of distinct(rows.map((r) => r.m)).sort((a, b) => a - b)) {
      const own = rows.filter((r) => r.rule === rule && r.m === m);
      if (own.length === 0) continue;
      const style = RULE_STYLE[rule];
      traces.push({
        type: "scatter",
        mode: "markers",
        x: own.map(x),
        y: own.map(y),
        name: `${batchSizeLabel(m)}, ${style.short}`,
        marker: {
          color: colorForBatchSize(m),
          symbol: style.symbol,
          size: 9,
          opacity: 0.85,
          line: { width: 0.5, color: COLORS.background },
        },
        ...extra(rule, m, style),
      });
    }
  }
  return traces;
}

/**
 * Test accuracy against the number of updates taken (log x), every run a point coloured by m and
 * shaped by rule: under a fixed epoch budget, m = N takes N/m times fewer steps than m = 1.
 */
export function accuracyVsStepsFigure(
  rows: readonly StepsAccuracyRow[],
  options: { title?: string; sameBatch?: readonly (StepsAccuracyRow & { epochs: number })[] } = {},
): PlotlyFigure {
  nonEmpty(rows, "rows");
  const data = pointsByRuleAndBatch(
    rows,
    (r) => r.steps,
    (r) => 100 * r.testAccuracy,
    (rule, m, style) => ({
      legendgroup: `m${m}`,
      hovertemplate: `${batchSizeLabel(m)}, ${style.label}<br>%{x} updates<br>test accuracy %{y:.2f} %<extra></extra>`,
    }),
  );
  // One batch size at several epoch budgets: the number of updates varies while m does not, so the
  // line separates "more updates" from "smaller batch".
  const same = options.sameBatch ?? [];
  if (same.length > 0) {
    const m = same[0].m;
    if (same.some((r) => r.m !== m))
      throw new BatchlabArgumentError("sameBatch", same, "runs of one batch size");
    const epochs = distinct(same.map((r) => r.epochs)).sort((a, b) => a - b);
    const groups = epochs.map((e) => same.filter((r) => r.epochs === e));
    const acc = groups.map((g) => summarizeSeeds(g.map((r) => 100 * r.testAccuracy)));
    data.push({
      type: "scatter",
      mode: "lines+markers",
      x: groups.map((g) => g[0].steps),
      y: acc.map((a) => a.mean),
      error_y: { type: "data", array: acc.map((a) => a.sd), visible: true, thickness: 1 },
      name: `${batchSizeLabel(m)}, same η, ${epochs.join(" / ")} epochs (mean ± sd)`,
      legendgroup: "same-batch",
      line: { color: colorForBatchSize(m), width: 2, dash: "dot" },
      marker: { color: colorForBatchSize(m), size: 11, symbol: "diamond-open" },
      text: epochs.map(String),
      hovertemplate: `${batchSizeLabel(m)}, same η, %{text} epochs<br>%{x} updates<br>test accuracy %{y:.2f} % (mean)<extra></extra>`,
    });
  }
  return {
    data,
    layout: {
      ...baseLayout({
        title:
          options.title ??
          "What a fixed epoch budget really fixes: test accuracy against updates taken",
        xTitle: "updates taken (SGD steps, log scale)",
        yTitle: "test accuracy (%)",
        xLog: true,
        height: 580,
      }),
      ...LEGEND_BELOW,
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface BudgetAccuracyRow extends AccuracyRow {
  /** Which comparison the run belongs to, e.g. "10 epochs, same η" or "train loss 0.005, η tuned". */
  budget: string;
}

const BUDGET_COLORS = [COLORS.axis, COLORS.blue, COLORS.orange, COLORS.purple];

/** Test accuracy in % against m for each budget: mean ± sd over seeds, each seed a faint point. */
export function budgetComparisonFigure(
  rows: readonly BudgetAccuracyRow[],
  options: { title?: string } = {},
): PlotlyFigure {
  nonEmpty(rows, "rows");
  const budgets = distinct(rows.map((r) => r.budget));
  const data: PlotlyTrace[] = [];
  budgets.forEach((budget, k) => {
    const color = BUDGET_COLORS[k % BUDGET_COLORS.length];
    const own = rows.filter((r) => r.budget === budget);
    const mean = meanTrace(
      own,
      (r) => r.m,
      (r) => 100 * r.testAccuracy,
    );
    data.push({
      type: "scatter",
      mode: "lines+markers",
      x: mean.x,
      y: mean.y,
      name: budget,
      legendgroup: budget,
      error_y: { type: "data", array: mean.sd, visible: true, thickness: 1 },
      line: { color, width: 2 },
      marker: { color, size: 6 },
      hovertemplate: `${budget}<br>m = %{x}<br>test accuracy %{y:.2f} % (mean)<extra></extra>`,
    });
    data.push({
      type: "scatter",
      mode: "markers",
      x: own.map((r) => r.m),
      y: own.map((r) => 100 * r.testAccuracy),
      name: `${budget}, each seed`,
      legendgroup: budget,
      showlegend: false,
      // Open rings drawn after the means, so seeds that sit near the mean still show around it.
      marker: { color, symbol: "circle-open", size: 9, opacity: 0.8, line: { width: 1.2 } },
      hovertemplate: `${budget}<br>m = %{x}, seed %{text}<br>%{y:.2f} %<extra></extra>`,
      text: own.map((r) => String(r.seed)),
    });
  });
  const layout = baseLayout({
    title: options.title ?? "The gap depends on the budget",
    xTitle: "batch size m (log scale)",
    yTitle: "test accuracy (%)",
    xLog: true,
  });
  return {
    data,
    layout: {
      ...layout,
      xaxis: { ...(layout.xaxis as object), ...batchTicks(distinct(rows.map((r) => r.m))) },
    },
  };
}

// ---------------------------------------------------------------------------------------------

export interface SharpnessRow {
  m: number;
  seed: number;
  lambdaMax: number;
  phi: number;
  /** trainAccuracy − testAccuracy, as a fraction. */
  gap: number;
  /** Optional grouping, e.g. the budget the solution was trained under. */
  budget?: string;
}

const BUDGET_SYMBOLS = ["circle", "square", "diamond", "triangle-up"];

function sharpnessTraces(
  rows: readonly SharpnessRow[],
  xOf: (r: SharpnessRow) => number,
  yOf: (r: SharpnessRow) => number,
  k: number,
  showlegend: boolean,
  hover: string,
): PlotlyTrace[] {
  const budgets = distinct(rows.map((r) => r.budget ?? ""));
  const traces: PlotlyTrace[] = [];
  budgets.forEach((budget, b) => {
    for (const m of distinct(rows.map((r) => r.m)).sort((x, y) => x - y)) {
      const own = rows.filter((r) => r.m === m && (r.budget ?? "") === budget);
      if (own.length === 0) continue;
      traces.push({
        type: "scatter",
        mode: "markers",
        x: own.map(xOf),
        y: own.map(yOf),
        name: budget ? `${batchSizeLabel(m)}, ${budget}` : batchSizeLabel(m),
        legendgroup: `${budget}m${m}`,
        showlegend,
        marker: {
          color: colorForBatchSize(m),
          symbol: BUDGET_SYMBOLS[b % BUDGET_SYMBOLS.length],
          size: 9,
          opacity: 0.85,
          line: { width: 0.5, color: COLORS.background },
        },
        hovertemplate: `${batchSizeLabel(m)}${budget ? `, ${budget}` : ""}<br>${hover}<extra></extra>`,
        ...axisRefs(k),
      });
    }
  });
  return traces;
}

/** Largest Hessian eigenvalue (left) and Keskar's ε-sharpness (right) against m, every solution a point. */
export function sharpnessFigure(
  rows: readonly SharpnessRow[],
  options: { title?: string; epsilon?: number } = {},
): PlotlyFigure {
  nonEmpty(rows, "rows");
  const x = batchTicks(distinct(rows.map((r) => r.m)));
  const eps = options.epsilon ?? 1e-3;
  return {
    data: [
      ...sharpnessTraces(
        rows,
        (r) => r.m,
        (r) => r.lambdaMax,
        0,
        true,
        "m = %{x}<br>λ_max %{y:.3g}",
      ),
      ...sharpnessTraces(
        rows,
        (r) => r.m,
        (r) => r.phi,
        1,
        false,
        "m = %{x}<br>φ %{y:.3g}",
      ),
    ],
    layout: panelsLayout(options.title ?? "Is the large-batch solution sharper?", [
      {
        xTitle: "batch size m (log scale)",
        yTitle: "λ_max of the training-loss Hessian",
        xLog: true,
        yLog: true,
        x,
      },
      {
        xTitle: "batch size m (log scale)",
        yTitle: `ε-sharpness φ (ε = ${eps}), %`,
        xLog: true,
        yLog: true,
        x,
      },
    ]),
  };
}

/** The generalization gap (train − test accuracy, percentage points) against each sharpness measure. */
export function sharpnessVsGapFigure(
  rows: readonly SharpnessRow[],
  options: { title?: string } = {},
): PlotlyFigure {
  nonEmpty(rows, "rows");
  return {
    data: [
      ...sharpnessTraces(
        rows,
        (r) => r.lambdaMax,
        (r) => 100 * r.gap,
        0,
        true,
        "λ_max %{x:.3g}<br>gap %{y:.2f} points",
      ),
      ...sharpnessTraces(
        rows,
        (r) => r.phi,
        (r) => 100 * r.gap,
        1,
        false,
        "φ %{x:.3g}<br>gap %{y:.2f} points",
      ),
    ],
    layout: panelsLayout(options.title ?? "Does sharpness predict the generalization gap?", [
      { xTitle: "λ_max (log scale)", yTitle: "train − test accuracy (points)", xLog: true },
      {
        xTitle: "ε-sharpness φ, % (log scale)",
        yTitle: "train − test accuracy (points)",
        xLog: true,
      },
    ]),
  };
}

// ---------------------------------------------------------------------------------------------

const SET_STYLE: Record<string, { dash: string; color: string }> = {
  train: { dash: "solid", color: COLORS.blue },
  test: { dash: "dash", color: COLORS.orange },
};

/**
 * Keskar et al.'s Fig. 3 in kind: loss (left, log y) and accuracy (right) along
 * θ(α) = (1 − α)·θ_from + α·θ_to, one line per dataset, with the two solutions marked.
 */
export function interpolationFigure(
  points: readonly InterpolationPoint[],
  options: { fromLabel: string; toLabel: string; title?: string },
): PlotlyFigure {
  nonEmpty(points, "points");
  const sets = distinct(points.map((p) => p.set));
  const data: PlotlyTrace[] = [];
  const panels: { key: "loss" | "accuracy"; title: string; scale: number }[] = [
    { key: "loss", title: "mean loss (log scale)", scale: 1 },
    { key: "accuracy", title: "accuracy (%)", scale: 100 },
  ];
  panels.forEach((panel, k) => {
    for (const set of sets) {
      const own = points
        .filter((p) => p.set === set && p[panel.key] !== undefined)
        .sort((a, b) => a.alpha - b.alpha);
      if (own.length === 0) continue;
      const style = SET_STYLE[set] ?? { dash: "dot", color: COLORS.muted };
      data.push({
        type: "scatter",
        mode: "lines+markers",
        x: own.map((p) => p.alpha),
        y: own.map((p) => panel.scale * (p[panel.key] as number)),
        name: set,
        legendgroup: set,
        showlegend: k === 0,
        line: { color: style.color, dash: style.dash, width: 2 },
        marker: { color: style.color, size: 4 },
        hovertemplate: `${set}<br>α = %{x:.2f}<br>${panel.key} %{y:.4g}<extra></extra>`,
        ...axisRefs(k),
      });
    }
  });
  const layout = panelsLayout(
    options.title ??
      `Along the line from ${options.fromLabel} (α = 0) to ${options.toLabel} (α = 1)`,
    [
      { xTitle: "α", yTitle: panels[0].title, yLog: true },
      { xTitle: "α", yTitle: panels[1].title },
    ],
  );
  const marks = [
    { alpha: 0, label: options.fromLabel },
    { alpha: 1, label: options.toLabel },
  ];
  layout.shapes = [0, 1].flatMap((k) =>
    marks.map((mark) => ({
      type: "line",
      xref: axisRefs(k).xaxis,
      yref: `${axisRefs(k).yaxis} domain`,
      x0: mark.alpha,
      x1: mark.alpha,
      y0: 0,
      y1: 1,
      line: { color: COLORS.faint, width: 1, dash: "dot" },
    })),
  );
  layout.annotations = marks.map((mark) => ({
    xref: "x",
    yref: "y domain",
    x: mark.alpha,
    y: 1,
    yanchor: "bottom",
    text: mark.label,
    showarrow: false,
    font: { size: 11 },
  }));
  return { data, layout };
}

// ---------------------------------------------------------------------------------------------

export interface NoiseScaleRow extends RuleAccuracyRow {
  /** η/m of the run. */
  lrOverM: number;
}

/**
 * Every fixed-budget run at its η/m (log x): left, the test-accuracy shortfall from the best
 * configuration's mean; right, the generalization gap train − test accuracy. Colour is m, shape
 * is the rule.
 */
export function gapVsNoiseScaleFigure(
  rows: readonly NoiseScaleRow[],
  options: { title?: string } = {},
): PlotlyFigure {
  nonEmpty(rows, "rows");
  const configs = distinct(rows.map((r) => `${r.rule}|${r.m}`));
  const best = Math.max(
    ...configs.map(
      (key) =>
        summarizeSeeds(rows.filter((r) => `${r.rule}|${r.m}` === key).map((r) => r.testAccuracy))
          .mean,
    ),
  );
  const panels = [
    {
      y: (r: NoiseScaleRow) => 100 * (best - r.testAccuracy),
      title: "test-accuracy shortfall from the best (points)",
    },
    {
      y: (r: NoiseScaleRow) => 100 * (r.trainAccuracy - r.testAccuracy),
      title: "train − test accuracy (points)",
    },
  ];
  const data = panels.flatMap((panel, k) =>
    pointsByRuleAndBatch(
      rows,
      (r) => r.lrOverM,
      panel.y,
      (rule, m, style) => ({
        legendgroup: `${rule}m${m}`,
        showlegend: k === 0,
        hovertemplate: `${batchSizeLabel(m)}, ${style.label}<br>η/m = %{x:.3g}<br>%{y:.2f} points<extra></extra>`,
        ...axisRefs(k),
      }),
    ),
  );
  const layout = panelsLayout(
    options.title ?? "One number for every run: η/m",
    panels.map((panel) => ({ xTitle: "η/m (log scale)", yTitle: panel.title, xLog: true })),
    580,
  );
  return { data, layout: { ...layout, ...LEGEND_BELOW } };
}
