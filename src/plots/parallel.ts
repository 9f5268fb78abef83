// Figures of chapter 5's data-parallel section: time per step on one worker and on K, with the
// perfect split t₁/K, and what splitting saves against what it costs (the synchronisation s(m)).

import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import type { ParallelRow } from "../compute/parallel";
import { BatchlabArgumentError } from "../util/validate";
import { baseLayout, COLORS } from "./style";
import { engineColor } from "./compute";

function checkRows(rows: readonly ParallelRow[]): void {
  if (rows.length === 0) throw new BatchlabArgumentError("rows", rows, "at least one row");
}

/** A dotted vertical guide at the crossover, labelled, when there is one. */
function crossoverShape(crossover: number | null): Record<string, unknown> {
  if (crossover === null) return {};
  return {
    shapes: [
      {
        type: "line",
        xref: "x",
        yref: "paper",
        x0: crossover,
        x1: crossover,
        y0: 0,
        y1: 1,
        line: { color: COLORS.faint, width: 1.5, dash: "dot" },
      },
    ],
    annotations: [
      {
        xref: "x",
        yref: "paper",
        x: Math.log10(crossover),
        y: 1,
        yanchor: "bottom",
        text: `crossover m = ${crossover}`,
        showarrow: false,
        font: { color: COLORS.muted, size: 12 },
      },
    ],
  };
}

/** A measured curve against m: lines and markers of one colour (every measured series of this file). */
function measuredLine(name: string, m: number[], y: (number | null)[], color: string): PlotlyTrace {
  return {
    type: "scatter",
    mode: "lines+markers",
    name,
    x: m,
    y,
    line: { color, width: 2 },
    marker: { size: 7 },
  };
}

/** t₁(m), t_K(m) and the perfect split t₁(m)/K, log-log, in ms. */
export function parallelStepFigure(
  rows: readonly ParallelRow[],
  options: { title: string; crossover?: number | null },
): PlotlyFigure {
  checkRows(rows);
  const K = rows[0].workers;
  const names = ["1 worker", `${K} workers`];
  const m = rows.map((r) => r.m);
  const data: PlotlyTrace[] = [
    measuredLine(
      names[0],
      m,
      rows.map((r) => r.oneSeconds * 1e3),
      engineColor(names[0], names),
    ),
    measuredLine(
      names[1],
      m,
      rows.map((r) => r.parallelSeconds * 1e3),
      engineColor(names[1], names),
    ),
    {
      type: "scatter",
      mode: "lines",
      name: `perfect split t₁/${K}`,
      x: m,
      y: rows.map((r) => r.idealSeconds * 1e3),
      line: { color: COLORS.muted, width: 1.5, dash: "dash" },
    },
  ];
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
      ...crossoverShape(options.crossover ?? null),
    },
  };
}

/**
 * What the split saves, t₁ − t₁/K, against what it costs, s(m) = t_K − t₁/K, in µs, log-log: the
 * K workers pay where the first curve lies above the second. A negative cost (a split faster than
 * perfect, which cache effects or noise can give) cannot be drawn on a log axis and is left out.
 */
export function syncCostFigure(
  rows: readonly ParallelRow[],
  options: { title: string; crossover?: number | null },
): PlotlyFigure {
  checkRows(rows);
  // A batch smaller than K is not split across all K workers: its "saving" would be fiction.
  const split = rows.filter((r) => r.m >= r.workers);
  checkRows(split);
  const K = split[0].workers;
  const m = split.map((r) => r.m);
  const data: PlotlyTrace[] = [
    measuredLine(
      `saved by a perfect split, t₁ − t₁/${K}`,
      m,
      split.map((r) => r.savedSeconds * 1e6),
      COLORS.green,
    ),
    measuredLine(
      `synchronisation cost, s = t_${K} − t₁/${K}`,
      m,
      split.map((r) => (r.syncSeconds > 0 ? r.syncSeconds * 1e6 : null)),
      COLORS.limit,
    ),
  ];
  return {
    data,
    layout: {
      ...baseLayout({
        title: options.title,
        xTitle: "batch size m",
        yTitle: "µs per step",
        xLog: true,
        yLog: true,
      }),
      ...crossoverShape(options.crossover ?? null),
    },
  };
}
