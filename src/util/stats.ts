// Small numerical summaries used across topics: the median, a least-squares line, and the grids
// of batch sizes the sweeps and plots run over.

import { BatchlabArgumentError, checkAllFinite, checkPositiveInteger } from "./validate";

/** The median (the mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new BatchlabArgumentError("values", values, "non-empty");
  const s = [...values].sort((a, b) => a - b);
  const k = s.length >> 1;
  return s.length % 2 ? s[k] : (s[k - 1] + s[k]) / 2;
}

/** Least-squares line y = intercept + slope·x. */
export function fitLine(
  x: readonly number[],
  y: readonly number[],
): { slope: number; intercept: number } {
  checkAllFinite("x", x);
  checkAllFinite("y", y);
  if (x.length !== y.length || x.length < 2) {
    throw new BatchlabArgumentError(
      "x, y",
      `${x.length}, ${y.length} points`,
      "two arrays of equal length ≥ 2",
    );
  }
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (sxx === 0) throw new BatchlabArgumentError("x", x, "at least two different values");
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** Points spread evenly in log m between lo and hi (inclusive), for smooth theory lines. */
export function logGrid(lo: number, hi: number, points = 120): number[] {
  if (!(lo > 0) || !(hi > lo))
    throw new BatchlabArgumentError("lo, hi", `${lo}, ${hi}`, "0 < lo < hi");
  checkPositiveInteger("points", points);
  const a = Math.log(lo);
  const b = Math.log(hi);
  return Array.from({ length: points }, (_, k) =>
    Math.exp(a + ((b - a) * k) / Math.max(1, points - 1)),
  );
}

/** 1, 2, 4, … up to and including `max` (and `max` itself when it is not a power of two). */
export function powersOfTwo(max: number): number[] {
  checkPositiveInteger("max", max);
  const out = powersOfTwoUpTo(max);
  if (out[out.length - 1] !== max) out.push(max);
  return out;
}

/** The powers of two 1, 2, 4, … that are at most `max` (none when max < 1). */
export function powersOfTwoUpTo(max: number): number[] {
  const out: number[] = [];
  for (let m = 1; m <= max; m *= 2) out.push(m);
  return out;
}
