// Figures of chapter 5: throughput and time per step against m (with the overhead model), the
// roofline reading, time per epoch, time to a target loss, and memory against m.

import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import type { OverheadFit, MatmulRate, RooflineRow } from "../compute/roofline";
import type { StepTimeRow } from "../compute/timing";
import type { TimeToTargetRow } from "../compute/target";
import { largestBatchWithin, type MemoryRow } from "../compute/memory";
import { fitLine } from "../util/stats";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";
import { formatSeconds } from "../util/format";
import { logGrid } from "../util/stats";
import { baseLayout, CATEGORICAL_PALETTE, COLORS } from "./style";

/** One colour per engine, stable across the chapter's figures (engines are not batch sizes). */
const ENGINE_COLORS = CATEGORICAL_PALETTE;
const REFERENCE_COLOR = COLORS.axis;
const BUDGET_COLOR = COLORS.limit;

export function engineColor(engine: string, engines: readonly string[]): string {
  const k = engines.indexOf(engine);
  return ENGINE_COLORS[(k < 0 ? engines.length : k) % ENGINE_COLORS.length];
}

function enginesOf(rows: readonly { engine: string }[]): string[] {
  return Array.from(new Set(rows.map((r) => r.engine)));
}

function checkRows(rows: readonly unknown[], what: string): void {
  if (rows.length === 0) throw new BatchlabArgumentError(what, rows, "at least one row");
}

/** The t₀ + c·m curve of a fit over [lo, hi]. */
function fitCurve(fit: OverheadFit, lo: number, hi: number): { x: number[]; y: number[] } {
  const x = logGrid(lo, hi, 80);
  return { x, y: x.map((m) => fit.overheadSeconds + fit.secondsPerExample * m) };
}

export interface StepTimeFigureOptions {
  title: string;
  /** Overhead fits per engine, drawn as dashed t₀ + c·m curves. */
  fits?: Record<string, OverheadFit>;
}

/** Seconds per step against m, log-log, one colour per engine; ±spread of the repeats as error bars. */
export function stepTimeFigure(
  rows: readonly StepTimeRow[],
  options: StepTimeFigureOptions,
): PlotlyFigure {
  checkRows(rows, "rows");
  const engines = enginesOf(rows);
  const data: PlotlyTrace[] = [];
  for (const engine of engines) {
    const r = rows.filter((x) => x.engine === engine);
    const color = engineColor(engine, engines);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: engine,
      legendgroup: engine,
      x: r.map((x) => x.m),
      y: r.map((x) => x.secondsPerStep * 1e3),
      line: { color, width: 2 },
      marker: { color, size: 7 },
      error_y: {
        type: "data",
        symmetric: false,
        color,
        thickness: 1,
        array: r.map((x) => (Math.max(...x.samples) - x.secondsPerStep) * 1e3),
        arrayminus: r.map((x) => (x.secondsPerStep - Math.min(...x.samples)) * 1e3),
      },
    });
    const fit = options.fits?.[engine];
    if (fit) {
      const c = fitCurve(fit, Math.min(...r.map((x) => x.m)), Math.max(...r.map((x) => x.m)));
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${engine}: t₀ + c·m, t₀ = ${(fit.overheadSeconds * 1e6).toPrecision(3)} µs`,
        legendgroup: engine,
        x: c.x,
        y: c.y.map((v) => v * 1e3),
        line: { color, width: 1.5, dash: "dash" },
      });
    }
  }
  return {
    data,
    layout: {
      ...baseLayout({
        title: options.title,
        xTitle: "batch size m",
        yTitle: "time per step (ms)",
        xLog: true,
        yLog: true,
      }),
    },
  };
}

/** Examples per second against m, log-log, one colour per engine. */
export function throughputFigure(
  rows: readonly StepTimeRow[],
  options: { title: string },
): PlotlyFigure {
  checkRows(rows, "rows");
  const engines = enginesOf(rows);
  const data: PlotlyTrace[] = engines.map((engine) => {
    const r = rows.filter((x) => x.engine === engine);
    const color = engineColor(engine, engines);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: engine,
      x: r.map((x) => x.m),
      y: r.map((x) => x.examplesPerSecond),
      line: { color, width: 2 },
      marker: { color, size: 7 },
    };
  });
  return {
    data,
    layout: baseLayout({
      title: options.title,
      xTitle: "batch size m",
      yTitle: "throughput (examples / s)",
      xLog: true,
      yLog: true,
    }),
  };
}

export interface RooflineFigureOptions {
  title: string;
  /** Measured matrix-product rates: each a horizontal roof. */
  roofs: readonly MatmulRate[];
  /** Per engine, the model rate F·m / (t₀ + c·m), dotted. */
  fits?: Record<string, OverheadFit>;
  flopsPerExample?: number;
}

/** Achieved GFLOP/s against m, with the machine's measured matmul rate as the roof. */
export function rooflineFigure(
  rows: readonly RooflineRow[],
  options: RooflineFigureOptions,
): PlotlyFigure {
  checkRows(rows, "rows");
  const engines = enginesOf(rows);
  const lo = Math.min(...rows.map((r) => r.m));
  const hi = Math.max(...rows.map((r) => r.m));
  const data: PlotlyTrace[] = [];
  for (const engine of engines) {
    const r = rows.filter((x) => x.engine === engine);
    const color = engineColor(engine, engines);
    data.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${engine}: achieved`,
      legendgroup: engine,
      x: r.map((x) => x.m),
      y: r.map((x) => x.gflops),
      line: { color, width: 2 },
      marker: { color, size: 7 },
    });
    const fit = options.fits?.[engine];
    if (fit && options.flopsPerExample) {
      const F = options.flopsPerExample;
      const x = logGrid(lo, hi, 80);
      data.push({
        type: "scatter",
        mode: "lines",
        name: `${engine}: F·m / (t₀ + c·m)`,
        legendgroup: engine,
        x,
        y: x.map((m) => (F * m) / (fit.overheadSeconds + fit.secondsPerExample * m) / 1e9),
        line: { color, width: 1.5, dash: "dot" },
      });
    }
  }
  options.roofs.forEach((roof, k) => {
    data.push({
      type: "scatter",
      mode: "lines",
      name: `roof: ${roof.engine} matmul, ${roof.gflops.toPrecision(3)} GFLOP/s`,
      x: [lo, hi],
      y: [roof.gflops, roof.gflops],
      line: { color: REFERENCE_COLOR, width: 1.5, dash: k === 0 ? "solid" : "dash" },
    });
  });
  return {
    data,
    layout: baseLayout({
      title: options.title,
      xTitle: "batch size m",
      yTitle: "achieved GFLOP/s",
      xLog: true,
      yLog: true,
    }),
  };
}

/** Seconds per epoch, ⌈n/m⌉·t(m), against m. */
export function epochTimeFigure(
  rows: readonly StepTimeRow[],
  options: { title: string; n: number },
): PlotlyFigure {
  checkRows(rows, "rows");
  checkPositiveInteger("n", options.n);
  const engines = enginesOf(rows);
  const data: PlotlyTrace[] = engines.map((engine) => {
    const r = rows.filter((x) => x.engine === engine && x.m <= options.n);
    const color = engineColor(engine, engines);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: engine,
      x: r.map((x) => x.m),
      y: r.map((x) => Math.ceil(options.n / x.m) * x.secondsPerStep),
      line: { color, width: 2 },
      marker: { color, size: 7 },
    };
  });
  return {
    data,
    layout: baseLayout({
      title: options.title,
      xTitle: "batch size m",
      yTitle: `time per epoch of ${options.n} examples (s)`,
      xLog: true,
      yLog: true,
    }),
  };
}

/**
 * Two stacked panels sharing the m axis: steps to target S(m) above, wall-clock time S(m)·t(m)
 * below with its minimum marked.
 */
export function timeToTargetFigure(
  rows: readonly TimeToTargetRow[],
  options: { title: string; engine: string },
): PlotlyFigure {
  checkRows(rows, "rows");
  const best = rows.reduce((b, r) => (r.seconds < b.seconds ? r : b));
  const color = ENGINE_COLORS[0];
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines+markers",
      name: "steps to target S(m) (chapter 3)",
      x: rows.map((r) => r.m),
      y: rows.map((r) => r.steps),
      line: { color: REFERENCE_COLOR, width: 2 },
      marker: { color: REFERENCE_COLOR, size: 7 },
      yaxis: "y2",
    },
    {
      type: "scatter",
      mode: "lines+markers",
      name: `time to target S(m)·t(m), ${options.engine}`,
      x: rows.map((r) => r.m),
      y: rows.map((r) => r.seconds),
      line: { color, width: 2 },
      marker: { color, size: 7 },
    },
    {
      type: "scatter",
      mode: "markers",
      name: `fastest: m = ${best.m}, ${formatSeconds(best.seconds)}`,
      x: [best.m],
      y: [best.seconds],
      marker: { color: COLORS.orange, size: 14, symbol: "star" },
    },
  ];
  const layout = baseLayout({
    title: options.title,
    xTitle: "batch size m",
    yTitle: "time to target (s)",
    xLog: true,
    yLog: true,
    height: 560,
  });
  return {
    data,
    layout: {
      ...layout,
      yaxis: { ...(layout.yaxis as object), domain: [0, 0.46] },
      yaxis2: {
        ...(layout.yaxis as object),
        title: { text: "steps to target" },
        domain: [0.54, 1],
        type: "log",
      },
    },
  };
}

export interface MemoryFigureOptions {
  title: string;
  /** Analytic activation bytes per example: the line m · bytesPerExample. */
  bytesPerExample: number;
  /** A memory budget for activations, drawn as a horizontal line with the largest m that fits. */
  budgetBytes?: number;
  /**
   * Whose bytes per example price the budget: the slope of a line fitted to this source's rows
   * (default: the first source), as a notebook computes it to print the same number.
   */
  budgetSource?: string;
}

/** Measured activation bytes (one marker series per source) against m, log-log, with the analytic line. */
export function memoryFigure(
  rows: readonly MemoryRow[],
  options: MemoryFigureOptions,
): PlotlyFigure {
  checkRows(rows, "rows");
  checkPositiveFinite("bytesPerExample", options.bytesPerExample);
  const MiB = 2 ** 20;
  const sources = Array.from(new Set(rows.map((r) => r.source)));
  const ms = rows.map((r) => r.m);
  const lo = Math.min(...ms);
  const hi = Math.max(...ms);
  const data: PlotlyTrace[] = [
    {
      type: "scatter",
      mode: "lines",
      name: `analytic: m × ${options.bytesPerExample} B`,
      x: [lo, hi],
      y: [lo, hi].map((m) => (m * options.bytesPerExample) / MiB),
      line: { color: REFERENCE_COLOR, width: 1.5 },
    },
    ...sources.map((source, k) => {
      // Growth readings at or below zero (the garbage collector freed more than the step took) cannot sit on a log axis.
      const r = rows.filter((x) => x.source === source && x.bytes > 0);
      const color = ENGINE_COLORS[k % ENGINE_COLORS.length];
      return {
        type: "scatter",
        mode: "markers",
        name: source,
        x: r.map((x) => x.m),
        y: r.map((x) => x.bytes / MiB),
        marker: {
          color,
          size: 9,
          symbol: ["circle", "square-open", "diamond", "triangle-up"][k % 4],
          line: { color, width: 2 },
        },
      };
    }),
  ];
  if (options.budgetBytes !== undefined) {
    checkPositiveFinite("budgetBytes", options.budgetBytes);
    const source = options.budgetSource ?? sources[0];
    const own = rows.filter((r) => r.source === source);
    if (own.length < 2)
      throw new BatchlabArgumentError("budgetSource", source, "a source with at least two rows");
    const slope = fitLine(
      own.map((r) => r.m),
      own.map((r) => r.bytes),
    ).slope;
    const mMax = largestBatchWithin(options.budgetBytes, 0, slope);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `budget ${(options.budgetBytes / MiB).toPrecision(3)} MiB: m ≤ ${mMax} (${source}, fitted bytes per example)`,
      x: [lo, hi],
      y: [options.budgetBytes / MiB, options.budgetBytes / MiB],
      line: { color: BUDGET_COLOR, width: 1.5, dash: "dash" },
    });
    if (mMax >= lo && mMax <= hi) {
      data.push({
        type: "scatter",
        mode: "markers",
        name: `largest m within the budget: ${mMax}`,
        x: [mMax],
        y: [options.budgetBytes / MiB],
        marker: { color: BUDGET_COLOR, size: 14, symbol: "star" },
      });
    }
  }
  return {
    data,
    layout: baseLayout({
      title: options.title,
      xTitle: "batch size m",
      yTitle: "activation memory of one step (MiB)",
      xLog: true,
      yLog: true,
    }),
  };
}
