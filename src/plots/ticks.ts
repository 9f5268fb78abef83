// Tick labels a reader cannot misread on log axes. Left alone, Plotly labels the minor ticks of a
// short log axis with bare digits ("2", "5" beside "10⁻¹", so a "5" may mean 0.5 or 50) and piles
// them up on a short panel. Every log axis of a shown figure therefore gets ticks chosen from the
// data it draws: whole decades (10⁻², 10⁻¹, 1, 10) when it spans enough of them, otherwise 1-2-5
// (or finer) steps written out in full ("0.2", "0.5", "1"); axes over batch sizes get powers of 2.

import type { PlotlyFigure, PlotlyTrace } from "../display/show";

/** Explicit ticks of an axis: positions and the text shown at each. */
export interface Ticks {
  tickvals: number[];
  ticktext: string[];
}

const SUPERSCRIPT: Record<string, string> = {
  "-": "⁻",
  "0": "⁰",
  "1": "¹",
  "2": "²",
  "3": "³",
  "4": "⁴",
  "5": "⁵",
  "6": "⁶",
  "7": "⁷",
  "8": "⁸",
  "9": "⁹",
};

/** "10⁻³", "1", "10", "10⁴" for the power of ten 10^k. */
function decadeText(k: number): string {
  if (k === 0) return "1";
  if (k === 1) return "10";
  return "10" + String(k).replace(/./g, (c) => SUPERSCRIPT[c] ?? c);
}

/** A tick value written out in full: "0.05", "2", "300", "2×10⁵". */
export function tickText(v: number): string {
  const k = Math.floor(Math.log10(v) + 1e-9);
  if (k >= -4 && k <= 4) return String(Number(v.toPrecision(3)));
  const mantissa = Number((v / 10 ** k).toPrecision(3));
  return mantissa === 1 ? decadeText(k) : `${mantissa}×${decadeText(k)}`;
}

/** Mantissa sets from coarse to fine; the first that puts enough ticks in the range is used. */
const STEPS: readonly (readonly number[])[] = [
  [1, 2, 5],
  [1, 2, 3, 5, 7],
  [1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 1.2, 1.4, 1.6, 1.8, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 7, 8, 9],
];

/**
 * Ticks for a log axis over [lo, hi] (lo > 0): every decade (every second one beyond ten) when the
 * range holds at least three; otherwise the coarsest 1-2-5-like set with at least three ticks.
 */
export function logTicks(lo: number, hi: number): Ticks {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) return { tickvals: [], ticktext: [] };
  const eps = 1e-9;
  const a = Math.ceil(Math.log10(lo) - eps);
  const b = Math.floor(Math.log10(hi) + eps);
  if (b - a + 1 >= 3) {
    const stride = b - a + 1 > 10 ? 2 : 1;
    const ks: number[] = [];
    for (let k = a; k <= b; k += stride) ks.push(k);
    return { tickvals: ks.map((k) => 10 ** k), ticktext: ks.map(decadeText) };
  }
  let best: number[] = [];
  for (const steps of STEPS) {
    const vals: number[] = [];
    for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
      for (const s of steps) {
        const v = Number((s * 10 ** k).toPrecision(6));
        if (v >= lo * (1 - eps) && v <= hi * (1 + eps)) vals.push(v);
      }
    }
    best = vals;
    if (vals.length >= 3) break;
  }
  // Fewer than three nice values even at the finest steps (a range narrower than ~10 %): the ends.
  if (best.length < 2) best = Array.from(new Set([lo, hi].map((v) => Number(v.toPrecision(3)))));
  return { tickvals: best, ticktext: best.map(tickText) };
}

/** Tick values 1, 4, 16, … (or every power of 2 when there are few) for a log axis over batch sizes. */
export function powerOfTwoTicks(lo: number, hi: number): Ticks {
  const a = Math.floor(Math.log2(lo) + 1e-9);
  const b = Math.ceil(Math.log2(hi) - 1e-9);
  const stride = b - a > 8 ? 2 : 1;
  const tickvals: number[] = [];
  for (let k = a; k <= b; k += stride) tickvals.push(2 ** k);
  return { tickvals, ticktext: tickvals.map((v) => (v >= 1 ? String(v) : `1/${1 / v}`)) };
}

type Layout = Record<string, unknown>;

/** Whether an axis is over batch sizes (its title says so): such axes are ticked at powers of 2. */
function isBatchSizeAxis(axis: Layout): boolean {
  const title = axis.title as { text?: unknown } | string | undefined;
  const text =
    typeof title === "string" ? title : typeof title?.text === "string" ? title.text : "";
  return /^batch size/i.test(text);
}

/** "xaxis2" → "x2". */
function axisRef(key: string): string {
  return key.replace("axis", "");
}

function finitePositive(values: unknown): number[] {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) return [];
  const out: number[] = [];
  for (const v of Array.from(values as ArrayLike<unknown>))
    if (typeof v === "number" && Number.isFinite(v) && v > 0) out.push(v);
  return out;
}

/** The positive values a trace draws along one of its coordinates, error bars included. */
function traceValues(trace: PlotlyTrace, coord: "x" | "y"): number[] {
  const values = Array.from((trace[coord] ?? []) as ArrayLike<unknown>);
  const out = finitePositive(values);
  const error = trace[`error_${coord}`] as
    { array?: unknown; arrayminus?: unknown; visible?: boolean } | undefined;
  if (error && error.visible !== false && Array.isArray(error.array)) {
    const plus = error.array as unknown[];
    const minus = (Array.isArray(error.arrayminus) ? error.arrayminus : plus) as unknown[];
    values.forEach((v, i) => {
      if (typeof v !== "number") return;
      if (typeof plus[i] === "number") out.push(...finitePositive([v + (plus[i] as number)]));
      if (typeof minus[i] === "number") out.push(...finitePositive([v - (minus[i] as number)]));
    });
  }
  return out;
}

/**
 * The figure with explicit ticks on every log axis that has neither tickvals nor a numeric dtick
 * of its own. The range comes from the axis's `range` when the layout fixes it, else from the data
 * of the traces drawn on it (and on the axes that `matches` it). The data are not touched.
 */
export function readableLogAxes(figure: PlotlyFigure): PlotlyFigure {
  const layout = figure.layout;
  if (!layout) return figure;
  const keys = Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
  const rootOf = (key: string): string => {
    const matches = (layout[key] as Layout | undefined)?.matches;
    return typeof matches === "string" ? `${matches[0]}axis${matches.slice(1)}` : key;
  };
  let out: Layout | null = null;
  for (const key of keys) {
    const axis = layout[key] as Layout | undefined;
    if (!axis || axis.type !== "log") continue;
    if (Array.isArray(axis.tickvals) || typeof axis.dtick === "number") continue;
    let lo: number;
    let hi: number;
    const range = axis.range;
    if (Array.isArray(range) && typeof range[0] === "number" && typeof range[1] === "number") {
      lo = 10 ** Math.min(range[0], range[1]);
      hi = 10 ** Math.max(range[0], range[1]);
    } else {
      const root = rootOf(key);
      const group = keys.filter((k) => rootOf(k) === root).map(axisRef);
      const coord = key[0] as "x" | "y";
      const values: number[] = [];
      for (const trace of figure.data) {
        const ref =
          typeof trace[`${coord}axis`] === "string" ? (trace[`${coord}axis`] as string) : coord;
        if (group.includes(ref)) for (const v of traceValues(trace, coord)) values.push(v);
      }
      if (values.length === 0) continue;
      lo = values.reduce((a, b) => Math.min(a, b));
      hi = values.reduce((a, b) => Math.max(a, b));
      if (!isBatchSizeAxis(axis)) {
        // Plotly pads the range a little beyond the data; ticks may fall in the padding.
        const pad = Math.max(0.02, 0.05 * Math.log10(hi / lo));
        lo /= 10 ** pad;
        hi *= 10 ** pad;
      }
    }
    const ticks = isBatchSizeAxis(axis) && lo >= 1 ? powerOfTwoTicks(lo, hi) : logTicks(lo, hi);
    if (ticks.tickvals.length === 0) continue;
    out = out ?? { ...layout };
    out[key] = { ...axis, tickmode: "array", ...ticks };
  }
  return out ? { ...figure, layout: out } : figure;
}
