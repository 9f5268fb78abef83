// The advisor's choice of m, read from a fitted cost curve rather than from the measured times one
// by one.
//
// The time to the target is S(m)·t(m). S(m) = S_min·(1 + B_crit/m) is fixed by the noise scale,
// which a seed makes deterministic; t(m) is timed, and a single timing moves by several percent from
// run to run. Near its minimum S(m)·t(m) is flat, so a choice made from the raw product at each m
// (its minimum, or a band around it) follows that noise, and reruns with the same seed disagree.
// Fitted to every m at once, t(m) = t₀ + c·m moves less than any one point, so the advisor prices
// every m with the fitted line:
//
//   cost(m) ∝ (1 + B_crit/m)·(t₀ + c·m),   minimal at m* = √(B_crit·t₀/c) (chapter 5).
//
// Even the fitted t₀/c moves between runs, though: what else the machine is doing changes the
// per-example cost c more than the overhead t₀ (cache and memory traffic), and chapter 6's t₀/c
// ranged over a factor of about 2 between runs on a machine that was not overloaded. So the band is
// cut where the choice depends least on t₀/c: every candidate within a factor BAND_FACTOR = 2 of m*,
// the recommendation being the smallest of them (fewest examples per update, least memory). Two
// reasons for that cut rather than one at a fixed cost (every m within x % of the minimum):
//  - it costs little, whatever the problem: at m = u·m* the fitted cost exceeds the minimum by
//    √(B·t₀/c)·(u + 1/u − 2)/(√(t₀/c) + √B)² ≤ (u + 1/u − 2)/4, so every m of the band is within
//    12.5 % of the minimum (for B_crit ≫ t₀/c much less: 4 % on chapter 6's problem);
//  - it moves half as fast with the timing: m* grows as √(t₀/c), so t₀/c must change by a factor
//    4 to move the choice by one power of two. The lower edge of a fixed-cost band sits where the
//    overhead is x of the arithmetic, m ≈ (t₀/c)/x, which moves in proportion to t₀/c: a factor
//    2.5 between changes at x = 20 %, less than the drift between runs.
// The choice changes only when t₀/c crosses a value at which m*/2 passes a power of two;
// stableBreakEven says where those values are, so a printout can show how far this run's t₀/c is
// from them in units of its standard error.

import { BatchlabArgumentError, checkInRange, checkPositiveFinite } from "../util/validate";

/** The band: every candidate within this factor of the fitted optimum m*, either way (see the file header). */
export const BAND_FACTOR = 2;

/** The most a candidate within `factor` of m* can cost over the fitted minimum: 1 + (f + 1/f − 2)/4 (1.125 for f = 2). */
export function bandCostBound(factor: number): number {
  return 1 + (factor + 1 / factor - 2) / 4;
}

/** Smallest factor accepted: [m* ÷ √2, m* × √2] always holds a power of two. */
export const MIN_BAND_FACTOR = Math.SQRT2;

export interface CostBand {
  /** The band holds the candidates in [m* ÷ factor, m* × factor]. */
  factor: number;
  /** bandCostBound(factor): no m of the band costs more than this × the fitted minimum. */
  costBound: number;
  /** t₀/c of the fit the band was computed from. */
  breakEven: number;
  /** The minimiser of the fitted cost over the candidates' range: m* = √(B_crit·t₀/c), clamped to it. */
  optimumM: number;
  /** Fitted cost ÷ the curve's minimum, for every candidate (by increasing m). */
  ratios: { m: number; ratio: number }[];
  /** The candidate with the smallest fitted cost. */
  fastestM: number;
  /** The candidates within the factor of m*, by increasing m. */
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

function bandAt(ms: readonly number[], bCrit: number, breakEven: number, factor: number) {
  const optimumM = fittedOptimum(bCrit, breakEven, ms[0], ms[ms.length - 1]);
  const best = fittedCost(optimumM, bCrit, breakEven);
  const ratios = ms.map((m) => ({ m, ratio: fittedCost(m, bCrit, breakEven) / best }));
  const fastest = ratios.reduce((a, r) => (r.ratio < a.ratio ? r : a));
  // A relative margin of 1e-9 so that m* = 2·m exactly (a power of two) counts as inside. The cost
  // bound holds by itself when m* lies inside the range; when it is clamped to an end (a memory
  // budget, the largest m timed), the curve is not flat there, and m that cost more are left out.
  const bound = bandCostBound(factor) * (1 + 1e-12);
  const inBand = ratios
    .filter(
      (r) =>
        r.m >= (optimumM / factor) * (1 - 1e-9) &&
        r.m <= optimumM * factor * (1 + 1e-9) &&
        r.ratio <= bound,
    )
    .map((r) => r.m);
  // Never empty for factor ≥ √2 on powers of two; the fastest is the fallback for any other grid.
  const band = inBand.length > 0 ? inBand : [fastest.m];
  return { optimumM, ratios, fastestM: fastest.m, ms: band, choice: band[0] };
}

/**
 * The value of t₀/c at which the choice stops being `choice`, searching from `start` in the
 * direction `factor` (2 or ½): doubling until it changes, then bisection on ln(t₀/c) to 0.1 %.
 * Returns the last value that still gives `choice`, or the open end (0 or Infinity) once the search
 * leaves [lo, hi], beyond which no candidate's choice can change any more.
 */
function edgeOfChoice(
  choiceAt: (r: number) => number,
  choice: number,
  start: number,
  factor: number,
  lo: number,
  hi: number,
): number {
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
 * The band of candidates within `factor` of the fitted optimum m* = √(B_crit·t₀/c) (clamped to the
 * candidates' range), its smallest m, every candidate's fitted cost ÷ the minimum, and the range of
 * t₀/c that gives the same choice: see the file header. `ms` are the candidates (those that fit in
 * memory), `fit` the line fitted to the step times.
 */
export function costBand(
  ms: readonly number[],
  bCrit: number,
  fit: { overheadSeconds: number; secondsPerExample: number },
  factor: number = BAND_FACTOR,
): CostBand {
  if (!Array.isArray(ms) || ms.length === 0)
    throw new BatchlabArgumentError("ms", ms, "at least one candidate batch size");
  ms.forEach((m, k) => checkPositiveFinite(`ms[${k}]`, m));
  checkPositiveFinite("bCrit", bCrit);
  if (!(fit.overheadSeconds >= 0) || !Number.isFinite(fit.overheadSeconds))
    throw new BatchlabArgumentError(
      "fit.overheadSeconds",
      fit.overheadSeconds,
      "a finite number ≥ 0",
    );
  checkPositiveFinite("fit.secondsPerExample", fit.secondsPerExample);
  checkInRange("factor", factor, MIN_BAND_FACTOR, 16);
  const sorted = [...ms].sort((a, b) => a - b);
  const breakEven = fit.overheadSeconds / fit.secondsPerExample;
  const band = bandAt(sorted, bCrit, breakEven, factor);
  const choiceAt = (r: number) => bandAt(sorted, bCrit, r, factor).choice;
  // The choice compares t₀/c with the candidates and B_crit only: far below (overhead negligible,
  // the smallest m wins) or far above (overhead dominates, the largest m wins) all of them it no
  // longer changes, so the search stops there; a fit outside that range starts from its edge.
  const scale = Math.max(sorted[sorted.length - 1], bCrit);
  const lo = (1e-6 * Math.min(sorted[0], bCrit)) / scale,
    hi = (1e6 * scale * scale) / Math.min(sorted[0], bCrit);
  const from = Math.min(hi, Math.max(lo, breakEven));
  const low = breakEven > 0 ? edgeOfChoice(choiceAt, band.choice, from, 0.5, lo, hi) : 0;
  const high = edgeOfChoice(choiceAt, band.choice, from, 2, lo, hi);
  return {
    factor,
    costBound: bandCostBound(factor),
    breakEven,
    ...band,
    stableBreakEven: { low, high },
  };
}
