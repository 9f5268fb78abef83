// Figures of chapter 2b: the landscape and its noise, the cloud of seeds over time (animation
// frames and a slider, which the static HTML book keeps), the basin shares, survival curves, escape
// times on semi-log axes with their fitted lines, and the saddle.

import type { DoubleWell } from "../data/landscape";
import type { PlotlyFigure, PlotlyTrace } from "../display/show";
import {
  baseLayout,
  batchSizeStyle,
  categoricalColor,
  colorForBatchSize,
  COLORS,
  withAlpha,
} from "./style";

/** "m = 8", or "m = N (GD)" for the full batch. */
export function batchLabel(m: number, n: number): string {
  return m >= n ? `m = N = ${n} (GD)` : `m = ${m}`;
}

function grid(lo: number, hi: number, points: number): number[] {
  return Array.from({ length: points }, (_, i) => lo + ((hi - lo) * i) / (points - 1));
}

function range(well: DoubleWell): [number, number] {
  const g = well.geometry;
  const pad = 0.45 * (g.flatMin - g.sharpMin);
  return [g.sharpMin - pad, g.flatMin + pad];
}

export interface LandscapeFigureOptions {
  /** A few examples' tilts ξᵢ (along θ₀) to draw as their own loss curves. */
  exampleTilts: number[];
  /** The measured variance of one example's gradient along θ₀ at some points. */
  measured: { x: number; variance: number }[];
  title?: string;
}

/** Top: L along θ₀ and a few examples' losses ℓᵢ. Bottom: one example's gradient variance against σ²·|L″|. */
export function landscapeFigure(well: DoubleWell, options: LandscapeFigureOptions): PlotlyFigure {
  const [lo, hi] = range(well);
  const xs = grid(lo, hi, 400);
  const sigma = well.noise;
  const phi = (x: number) => well.tilt([x], 0);
  const traces: PlotlyTrace[] = options.exampleTilts.map((xi, k) => ({
    x: xs,
    y: xs.map((x) => well.profile(x) - sigma * xi * phi(x)),
    type: "scatter",
    mode: "lines",
    name: "single examples ℓᵢ",
    legendgroup: "examples",
    showlegend: k === 0,
    line: { color: COLORS.examples, width: 1 },
    hoverinfo: "skip",
  }));
  traces.push({
    x: xs,
    y: xs.map((x) => well.profile(x)),
    type: "scatter",
    mode: "lines",
    name: "L = mean of all ℓᵢ",
    line: { color: COLORS.ink, width: 3 },
  });
  traces.push({
    x: xs,
    y: xs.map((x) => sigma * sigma * Math.abs(well.curvature([x], 0))),
    type: "scatter",
    mode: "lines",
    xaxis: "x2",
    yaxis: "y2",
    name: "σ²·|L″(θ)|",
    line: { color: COLORS.fit, width: 2, dash: "dot" },
  });
  traces.push({
    x: options.measured.map((p) => p.x),
    y: options.measured.map((p) => p.variance),
    type: "scatter",
    mode: "markers",
    xaxis: "x2",
    yaxis: "y2",
    name: "measured variance of ∇ℓᵢ over the N examples",
    marker: { color: COLORS.ink, size: 7 },
  });
  const base = baseLayout({
    title:
      options.title ?? "A landscape made of data: a sharp and a flat minimum of the same depth",
    height: 560,
  });
  const g = well.geometry;
  return {
    data: traces,
    layout: {
      ...base,
      xaxis: { ...(base.xaxis as object), anchor: "y", matches: "x2", showticklabels: false },
      yaxis: {
        ...(base.yaxis as object),
        domain: [0.42, 1],
        title: { text: "loss" },
        range: [-0.3, 1.9 * well.spec.barrier],
      },
      xaxis2: { ...(base.xaxis as object), anchor: "y2", title: { text: "θ" } },
      yaxis2: {
        ...(base.yaxis as object),
        domain: [0, 0.32],
        title: { text: "gradient variance" },
        rangemode: "tozero",
      },
      annotations: [
        { x: g.sharpMin, y: -0.2, text: "sharp", showarrow: false, xref: "x", yref: "y" },
        { x: g.flatMin, y: -0.2, text: "flat", showarrow: false, xref: "x", yref: "y" },
        {
          x: g.top,
          y: well.spec.barrier * 1.12,
          text: "barrier ΔL",
          showarrow: false,
          xref: "x",
          yref: "y",
        },
      ],
    },
  };
}

export interface Cloud {
  m: number;
  /** Steps of the snapshots. */
  steps: number[];
  /** snapshots[k][r]: θ₀ of seed r at steps[k]. */
  snapshots: ArrayLike<number>[];
}

/**
 * A 2 × 2 grid, one panel per batch size: the landscape and every seed as a dot on it. Animation
 * frames (one per snapshot) with a slider and a play button; the figure as drawn shows the last
 * snapshot.
 */
export function cloudFigure(
  well: DoubleWell,
  clouds: Cloud[],
  options: { n: number; title?: string },
): PlotlyFigure {
  const [lo, hi] = range(well);
  const xs = grid(lo, hi, 300);
  const curve = xs.map((x) => well.profile(x));
  const last = clouds[0].steps.length - 1;
  const axisName = (k: number) => (k === 0 ? "" : String(k + 1));
  const dots = (c: Cloud, k: number) => {
    const x = Array.from(c.snapshots[k]);
    return { x, y: x.map((v) => well.profile(v)) };
  };
  const traces: PlotlyTrace[] = [];
  clouds.forEach((c, k) => {
    const ax = { xaxis: `x${axisName(k)}`, yaxis: `y${axisName(k)}` };
    traces.push({
      x: xs,
      y: curve,
      type: "scatter",
      mode: "lines",
      line: { color: COLORS.faint, width: 2 },
      showlegend: false,
      hoverinfo: "skip",
      ...ax,
    });
    const color = colorForBatchSize(Math.min(c.m, 4096));
    traces.push({
      ...dots(c, last),
      type: "scatter",
      mode: "markers",
      name: batchLabel(c.m, options.n),
      marker: { color, size: 8, opacity: 0.3 },
      ...ax,
    });
  });
  const markerTraces = clouds.map((_, k) => 2 * k + 1);
  const frames = clouds[0].steps.map((step, f) => ({
    name: String(step),
    data: clouds.map((c) => dots(c, f)),
    traces: markerTraces,
  }));
  const base = baseLayout({
    title: options.title ?? "Many seeds, all started in the sharp minimum",
    height: 650,
  });
  const layout: Record<string, unknown> = {
    ...base,
    showlegend: false,
    margin: { l: 56, r: 24, t: 64, b: 150 },
  };
  const annotations: Record<string, unknown>[] = [];
  clouds.forEach((c, k) => {
    const col = k % 2,
      row = Math.floor(k / 2);
    const xd = [col * 0.53, col * 0.53 + 0.47],
      yd = row === 0 ? [0.6, 1] : [0, 0.4];
    layout[`xaxis${axisName(k)}`] = {
      ...(base.xaxis as object),
      domain: xd,
      anchor: `y${axisName(k)}`,
      range: [lo, hi],
      title: row === 1 ? { text: "θ" } : undefined,
    };
    layout[`yaxis${axisName(k)}`] = {
      ...(base.yaxis as object),
      domain: yd,
      anchor: `x${axisName(k)}`,
      range: [-0.15, 1.6 * well.spec.barrier],
      title: col === 0 ? { text: "loss" } : undefined,
    };
    annotations.push({
      text: `<b>${batchLabel(c.m, options.n)}</b>`,
      x: (xd[0] + xd[1]) / 2,
      y: yd[1],
      xref: "paper",
      yref: "paper",
      yanchor: "bottom",
      showarrow: false,
    });
  });
  layout.annotations = annotations;
  const animate = (names: string[] | null, duration: number) => [
    names,
    { mode: "immediate", frame: { duration, redraw: false }, transition: { duration: 0 } },
  ];
  layout.sliders = [
    {
      active: last,
      x: 0.16,
      len: 0.84,
      pad: { t: 62 },
      currentvalue: { prefix: "step ", font: { size: 13 } },
      steps: frames.map((f) => ({ label: f.name, method: "animate", args: animate([f.name], 0) })),
    },
  ];
  layout.updatemenus = [
    {
      type: "buttons",
      showactive: false,
      x: 0,
      y: 0,
      xanchor: "left",
      yanchor: "top",
      direction: "left",
      pad: { t: 84, r: 10 },
      buttons: [
        { label: "▶ play", method: "animate", args: animate(null, 120) },
        { label: "❚❚", method: "animate", args: animate([], 0) },
      ],
    },
  ];
  return { data: traces, layout, frames };
}

/** Share of seeds in the flat basin against m, at a few times. */
export function basinShareFigure(
  rows: { m: number; shares: { step: number; flat: number }[] }[],
  options: { n: number; title?: string },
): PlotlyFigure {
  const steps = rows[0].shares.map((s) => s.step);
  const labels = rows.map((r) => batchLabel(r.m, options.n));
  const traces: PlotlyTrace[] = steps.map((step, k) => ({
    x: labels,
    y: rows.map((r) => r.shares[k].flat),
    type: "bar",
    name: `after ${step} steps`,
    marker: { color: withAlpha(COLORS.blue, 0.35 + (0.65 * (k + 1)) / steps.length) },
  }));
  const base = baseLayout({
    title: options.title ?? "Where the seeds are: share in the flat basin",
    xTitle: "batch size",
    yTitle: "share of seeds in the flat basin",
    height: 420,
  });
  return {
    data: traces,
    layout: {
      ...base,
      barmode: "group",
      yaxis: { ...(base.yaxis as object), range: [0, 1.05] },
      xaxis: { ...(base.xaxis as object), type: "category" },
    },
  };
}

/** Kaplan–Meier survival curves P(still in the well after t steps) on a log axis. */
export function survivalFigure(
  curves: { m: number; lr: number; t: number[]; survival: number[]; budget: number }[],
  options: { title?: string } = {},
): PlotlyFigure {
  const lrs = Array.from(new Set(curves.map((c) => c.lr))).sort((a, b) => b - a);
  const dashes = ["solid", "dash", "dot", "dashdot"];
  const traces: PlotlyTrace[] = curves.map((c, k) => {
    const x: number[] = [],
      y: number[] = [];
    c.t.forEach((t, k) => {
      if (k > 0) {
        x.push(t);
        y.push(c.survival[k - 1]);
      }
      x.push(t);
      y.push(c.survival[k]);
    });
    x.push(c.budget);
    y.push(c.survival[c.survival.length - 1]);
    // m runs over 1–4 only here, too close on the course's m palette: spread the colours over the settings instead
    const color = categoricalColor(k);
    return {
      x,
      y,
      type: "scatter",
      mode: "lines",
      name: `m = ${c.m}, η = ${c.lr}`,
      line: { color, width: 2, dash: dashes[lrs.indexOf(c.lr) % dashes.length] },
    };
  });
  return {
    data: traces,
    layout: baseLayout({
      title: options.title ?? "Still in the sharp well after t steps (Kaplan–Meier)",
      xTitle: "step t",
      yTitle: "share of seeds not yet escaped (log scale)",
      yLog: true,
    }),
  };
}

export interface EscapeSeries {
  name: string;
  color: string;
  symbol?: string;
  /** Marker size (default 9). */
  size?: number;
  /** One point per setting: τ̂ with its 95 % interval; `bound` marks a lower bound (nothing escaped). */
  points: { x: number; tau: number; low: number; high: number; bound?: boolean }[];
  /** The fitted line ln τ = intercept + slope·x, drawn over [from, to]. */
  fit?: { slope: number; intercept: number; from: number; to: number };
  /** A theory curve (dotted). */
  theory?: { x: number[]; tau: number[]; name: string };
}

/** Mean escape time (log axis) against m/η, with fitted straight lines: the Arrhenius form. */
export function escapeTimeFigure(
  series: EscapeSeries[],
  options: { title?: string; xTitle?: string; yTitle?: string } = {},
): PlotlyFigure {
  const traces: PlotlyTrace[] = [];
  for (const s of series) {
    const est = s.points.filter((p) => !p.bound);
    traces.push({
      x: est.map((p) => p.x),
      y: est.map((p) => p.tau),
      type: "scatter",
      mode: "markers",
      name: s.name,
      legendgroup: s.name,
      marker: { color: s.color, size: s.size ?? 9, symbol: s.symbol ?? "circle" },
      error_y: {
        type: "data",
        symmetric: false,
        array: est.map((p) => p.high - p.tau),
        arrayminus: est.map((p) => p.tau - p.low),
        visible: true,
        thickness: 1.2,
        color: s.color,
      },
    });
    const bounds = s.points.filter((p) => p.bound);
    if (bounds.length > 0) {
      traces.push({
        x: bounds.map((p) => p.x),
        y: bounds.map((p) => p.tau),
        type: "scatter",
        mode: "markers",
        name: `${s.name}: none escaped (lower bound)`,
        legendgroup: s.name,
        marker: { color: s.color, size: 10, symbol: "triangle-up-open" },
      });
    }
    if (s.fit) {
      const xs = grid(s.fit.from, s.fit.to, 30);
      traces.push({
        x: xs,
        y: xs.map((x) => Math.exp(s.fit!.intercept + s.fit!.slope * x)),
        type: "scatter",
        mode: "lines",
        legendgroup: s.name,
        showlegend: false,
        line: { color: s.color, width: 2 },
        hoverinfo: "skip",
      });
    }
    if (s.theory) {
      traces.push({
        x: s.theory.x,
        y: s.theory.tau,
        type: "scatter",
        mode: "lines",
        name: s.theory.name,
        legendgroup: s.name,
        line: { color: s.color, width: 1.5, dash: "dot" },
      });
    }
  }
  return {
    data: traces,
    layout: baseLayout({
      title: options.title ?? "Mean escape time against m/η",
      xTitle: options.xTitle ?? "m / η",
      yTitle: options.yTitle ?? "mean escape time η·τ (SDE time, log scale)",
      yLog: true,
      height: 460,
    }),
  };
}

/** Mean loss against step at the saddle, one curve per batch size: GD's long shelf. */
export function saddleLossFigure(
  curves: { m: number; loss: ArrayLike<number> }[],
  options: { n: number; title?: string },
): PlotlyFigure {
  const traces: PlotlyTrace[] = curves.map((c) => {
    const style = batchSizeStyle(Math.min(c.m, 4096));
    return {
      x: Array.from({ length: c.loss.length }, (_, t) => t),
      y: Array.from(c.loss),
      type: "scatter",
      mode: "lines",
      ...style,
      name: batchLabel(c.m, options.n),
    };
  });
  return {
    data: traces,
    layout: baseLayout({
      title: options.title ?? "At a saddle: the loss sits on a shelf until the run leaves",
      xTitle: "step",
      yTitle: "loss L(θ), mean over seeds",
    }),
  };
}

/** Steps to leave the saddle against m (log axis), measured and predicted, with GD's time. */
export function saddleEscapeFigure(
  points: { m: number; mean: number; se: number }[],
  prediction: { m: number[]; steps: number[] },
  gd: { measured: number; predicted: number; n: number },
  options: { title?: string } = {},
): PlotlyFigure {
  const traces: PlotlyTrace[] = [
    {
      x: points.map((p) => p.m),
      y: points.map((p) => p.mean),
      type: "scatter",
      mode: "markers",
      name: "SGD, measured (± 2 SE)",
      marker: { color: points.map((p) => colorForBatchSize(p.m)), size: 10 },
      error_y: {
        type: "data",
        array: points.map((p) => 2 * p.se),
        visible: true,
        thickness: 1.2,
        color: COLORS.muted,
      },
    },
    {
      x: prediction.m,
      y: prediction.steps,
      type: "scatter",
      mode: "lines",
      name: "theory: [ln(x_e/s) + (γ + ln 2)/2] / ln(1 + ηλ)",
      line: { color: COLORS.muted, dash: "dot", width: 1.5 },
    },
    {
      x: [gd.n],
      y: [gd.measured],
      type: "scatter",
      mode: "markers",
      name: `full batch (GD), measured`,
      marker: { color: colorForBatchSize(4096), size: 12, symbol: "diamond" },
    },
    {
      x: [prediction.m[0], gd.n],
      y: [gd.predicted, gd.predicted],
      type: "scatter",
      mode: "lines",
      name: "GD: ln(x_e/x₀) / ln(1 + ηλ)",
      line: { color: colorForBatchSize(4096), dash: "dash", width: 1.5 },
    },
  ];
  return {
    data: traces,
    layout: baseLayout({
      title: options.title ?? "Steps to leave the saddle",
      xTitle: "batch size m (log scale)",
      yTitle: "mean steps to leave",
      xLog: true,
      height: 440,
    }),
  };
}
