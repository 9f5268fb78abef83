// The advisor's choice of m, read from a fitted cost curve rather than from the measured times one
// by one.
//
// The time to the target is S(m)·t(m). S(m) = S_min·(1 + B_crit/m) is fixed by the noise scale,
// which a seed makes deterministic; t(m) is timed, and a single timing moves by several percent from
// run to run. Near its minimum S(m)·t(m) is flat, so a choice made from the raw product at each m
// (its minimum, or a band around it) follows that noise, and reruns with the same seed disagree.
// Fitted to every m at once, t(m) = t₀ + c·m moves far less than any one point (its ratio t₀/c,
// the only thing the choice depends on, stays within a few percent over idle runs of chapter 6),
// so the advisor prices every m with the fitted line:
//
//   cost(m) ∝ (1 + B_crit/m)·(t₀ + c·m),   minimal at m* = √(B_crit·t₀/c) (chapter 5),
//
// and its answer is a band: every candidate m whose fitted cost is within BAND_TOLERANCE of the
// curve's minimum, the recommendation being the smallest of them (fewest examples per update,
// least memory). The choice changes only when t₀/c crosses a value at which some candidate enters
// or leaves the band; stableBreakEven says where those values are, so a printout can show how far
// this run's t₀/c is from them in units of its standard error.

import { BatchlabArgumentError, checkInRange, checkPositiveFinite } from "../util/validate";

/**
 * The band: candidates whose fitted time to target is within 20 % of the fitted minimum. Why 20 %:
 * the measured step times scatter about the fitted t₀ + c·m by about 5 to 15 % rms at single m
 * (more on a loaded machine), so the fitted curve speaks for one m only to within about that much,
 * and candidates less than about twice the scatter apart cannot be ranked by these timings. The
 * fit's own parameter uncertainty matters much less: a relative error ε in t₀/c moves a candidate's
 * cost ratio by at most about ε/2 (d ln cost/d ln(t₀/c) = t₀/(t₀ + c·m) − √t₀/(√t₀ + √(B_crit·c))),
 * a percent or two, so the band's edges are set by this rule and not by the noise.
 */
export const BAND_TOLERANCE = 0.2;

/** Smallest tolerance accepted: the power of two nearest m* costs at most about 3 % more than the minimum, so any band of 5 % holds one. */
export const MIN_COST_TOLERANCE = 0.05;

export interface CostBand {
  tolerance: number;
  /** t₀/c of the fit the band was computed from. */
  breakEven: number;
  /** The minimiser of the fitted cost over the candidates' range: m* = √(B_crit·t₀/c), clamped to it. */
  optimumM: number;
  /** Fitted cost ÷ the curve's minimum, for every candidate (by increasing m). */
  ratios: { m: number; ratio: number }[];
  /** The candidate with the smallest fitted cost. */
  fastestM: number;
  /** The candidates within the tolerance, by increasing m: a contiguous run around the minimum (the cost is convex in m). */
  ms: number[];
  /** The smallest m of the band: the recommendation. */
  choice: number;
  /** The range of t₀/c over which the same candidates and B_crit give the same choice (0 and Infinity when open-ended). */
  stableBreakEven: { low: number; high: number };
}

/** Time to the target of the fitted model, up to the constant S_min·c: (1 + B/m)·(t₀/c + m). */
export function fittedCost(m: number, bCrit: number, breakEven: number): number {
  return (1 + bCrit / m) * (breakEven + m);
}

/** The fitted cost's minimiser over [lo, hi]: √(B·t₀/c) clamped (the cost is convex in m). */
export function fittedOptimum(bCrit: number, breakEven: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.sqrt(bCrit * breakEven)));
}

function bandAt(ms: readonly number[], bCrit: number, breakEven: number, tolerance: number) {
  const optimumM = fittedOptimum(bCrit, breakEven, ms[0], ms[ms.length - 1]);
  const best = fittedCost(optimumM, bCrit, breakEven);
  const ratios = ms.map((m) => ({ m, ratio: fittedCost(m, bCrit, breakEven) / best }));
  const fastest = ratios.reduce((a, r) => (r.ratio < a.ratio ? r : a));
  const inBand = ratios.filter((r) => r.ratio <= 1 + tolerance).map((r) => r.m);
  // Never empty for tolerance ≥ MIN_COST_TOLERANCE on powers of two; the fastest is the fallback for any other grid.
  const band = inBand.length > 0 ? inBand : [fastest.m];
  return { optimumM, ratios, fastestM: fastest.m, ms: band, choice: band[0] };
}

/**
 * The value of t₀/c at which the choice stops being `choice`, searching from `start` in the
 * direction `factor` (2 or ½): doubling until it changes, then bisection on ln(t₀/c) to 0.1 %.
 * Returns the last value that still gives `choice`, or the open end (0 or Infinity) once the search
 * leaves [lo, hi], beyond which no candidate's choice can change any more.
 */
function edgeOfChoice(choiceAt: (r: number) => number, choice: number, start: number, factor: number, lo: number, hi: number): number {
  let inside = start;
  let outside = start * factor;
  while (choiceAt(outside) === choice) {
    if (outside < lo) return 0;
    if (outside > hi) return Infinity;
    inside = outside;
    outside *= factor;
  }
  while (Math.abs(Math.log(outside / inside)) > 1e-3) {
    const mid = Math.sqrt(inside * outside);
    if (choiceAt(mid) === choice) inside = mid;
    else outside = mid;
  }
  return inside;
}

/**
 * The band of m whose fitted time to target (1 + B_crit/m)·(t₀ + c·m) is within `tolerance` of the
 * fitted minimum, its smallest m, and the range of t₀/c that gives the same choice: see the file
 * header. `ms` are the candidates (those that fit in memory), `fit` the line fitted to the step times.
 */
export function costBand(
  ms: readonly number[], bCrit: number, fit: { overheadSeconds: number; secondsPerExample: number }, tolerance: number = BAND_TOLERANCE,
): CostBand {
  if (!Array.isArray(ms) || ms.length === 0) throw new BatchlabArgumentError("ms", ms, "at least one candidate batch size");
  ms.forEach((m, k) => checkPositiveFinite(`ms[${k}]`, m));
  checkPositiveFinite("bCrit", bCrit);
  if (!(fit.overheadSeconds >= 0) || !Number.isFinite(fit.overheadSeconds)) throw new BatchlabArgumentError("fit.overheadSeconds", fit.overheadSeconds, "a finite number ≥ 0");
  checkPositiveFinite("fit.secondsPerExample", fit.secondsPerExample);
  checkInRange("tolerance", tolerance, MIN_COST_TOLERANCE, 1);
  const sorted = [...ms].sort((a, b) => a - b);
  const breakEven = fit.overheadSeconds / fit.secondsPerExample;
  const band = bandAt(sorted, bCrit, breakEven, tolerance);
  const choiceAt = (r: number) => bandAt(sorted, bCrit, r, tolerance).choice;
  // The choice compares t₀/c with the candidates and B_crit only: far below (overhead negligible,
  // the smallest m wins) or far above (overhead dominates, the largest m wins) all of them it no
  // longer changes, so the search stops there; a fit outside that range starts from its edge.
  const scale = Math.max(sorted[sorted.length - 1], bCrit);
  const lo = 1e-6 * Math.min(sorted[0], bCrit) / scale, hi = 1e6 * scale * scale / Math.min(sorted[0], bCrit);
  const from = Math.min(hi, Math.max(lo, breakEven));
  const low = breakEven > 0 ? edgeOfChoice(choiceAt, band.choice, from, 0.5, lo, hi) : 0;
  const high = edgeOfChoice(choiceAt, band.choice, from, 2, lo, hi);
  return { tolerance, breakEven, ...band, stableBreakEven: { low, high } };
}
