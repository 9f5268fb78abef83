// Choosing a batch size from measured times without being fooled by the noise in them.
//
// On a shared machine two timings of the same step differ by several percent, and the time to a
// target S(m)·t(m) is flat near its minimum: the single fastest m of one run is partly a draw of
// the noise, and a rerun with the same seed picks another one. Two defences, both deterministic
// functions of the measurements:
//  1. smooth t(m) before using it. Real departures from t₀ + c·m (kernels that run closer to their
//     best on larger products, caches) span several neighbouring m; a point off on its own, above or
//     below both neighbours, is a draw of the noise, so a running median of three removes it (on
//     the residuals about the fitted t₀ + c·m, so that the trend itself is kept). And a larger
//     batch does at least the work of a smaller one, so t(m) cannot fall when m grows: a
//     non-decreasing (isotonic) fit removes what is left of a dip;
//  2. instead of the minimum, a tolerance band: every m whose time is within x % of the best is
//     as good as the best within the measurement's precision, and the choice is the smallest m in
//     it (fewest examples per update, least memory). x is twice the measured spread of the
//     timings and at least 20 % (MIN_BAND_TOLERANCE), so that two candidates the noise cannot tell
//     apart are both in the band. The band is the run of neighbouring m around the fastest.

import { BatchlabArgumentError, checkInRange } from "../util/validate";
import { fitOverhead } from "./roofline";
import { medianOf, relativeSpread } from "./timing";

/**
 * The non-decreasing sequence closest (least squares, on log time) to the measured times per step,
 * by pool-adjacent-violators: a run of points that falls is replaced by its geometric mean. Rows are
 * returned sorted by m with `secondsPerStep` replaced; everything else is kept.
 */
export function monotoneStepTimes<R extends { m: number; secondsPerStep: number }>(
  rows: readonly R[],
): R[] {
  if (rows.length === 0) throw new BatchlabArgumentError("rows", rows, "at least one measurement");
  const sorted = [...rows].sort((a, b) => a.m - b.m);
  // Blocks of pooled points: mean of log t and the number of points.
  const blocks: { mean: number; count: number }[] = [];
  for (const row of sorted) {
    if (!(row.secondsPerStep > 0))
      throw new BatchlabArgumentError(
        `secondsPerStep at m = ${row.m}`,
        row.secondsPerStep,
        "a positive time",
      );
    blocks.push({ mean: Math.log(row.secondsPerStep), count: 1 });
    while (blocks.length > 1 && blocks[blocks.length - 2].mean > blocks[blocks.length - 1].mean) {
      const b = blocks.pop()!;
      const a = blocks[blocks.length - 1];
      a.mean = (a.mean * a.count + b.mean * b.count) / (a.count + b.count);
      a.count += b.count;
    }
  }
  const fitted: number[] = blocks.flatMap((b) =>
    Array.from({ length: b.count }, () => Math.exp(b.mean)),
  );
  return sorted.map((row, k) => ({ ...row, secondsPerStep: fitted[k] }));
}

const median3 = (a: number, b: number, c: number) =>
  Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));

/**
 * t(m) smoothed as the file header says: a running median of three of log(t / (t₀ + c·m)) about the
 * fitted overhead model (at the ends, the median of the end point, its neighbour, and the straight
 * line through the two neighbours: Tukey's end-point rule), then made non-decreasing in m. Rows
 * come back sorted by m with `secondsPerStep` replaced.
 */
export function smoothStepTimes<R extends { m: number; secondsPerStep: number }>(
  rows: readonly R[],
): R[] {
  const sorted = [...rows].sort((a, b) => a.m - b.m);
  if (sorted.length < 3) return monotoneStepTimes(sorted);
  const fit = fitOverhead(sorted);
  const model = (m: number) => fit.overheadSeconds + fit.secondsPerExample * m;
  const r = sorted.map((row) => Math.log(row.secondsPerStep / model(row.m)));
  const n = r.length;
  const smooth = r.map((v, k) => {
    if (k === 0) return median3(v, r[1], 2 * r[1] - r[2]);
    if (k === n - 1) return median3(v, r[n - 2], 2 * r[n - 2] - r[n - 3]);
    return median3(r[k - 1], v, r[k + 1]);
  });
  return monotoneStepTimes(
    sorted.map((row, k) => ({ ...row, secondsPerStep: model(row.m) * Math.exp(smooth[k]) })),
  );
}

/**
 * Smallest tolerance a band may have: 20 %. The spread within one run understates how much two runs
 * differ: on a shared machine the same timing moves by up to about ±10 % between runs (chapter 5),
 * so two candidates whose times differ by less than twice that may swap order in the next run.
 */
export const MIN_BAND_TOLERANCE = 0.2;
/** Largest: beyond it the "band" would say nothing. */
export const MAX_BAND_TOLERANCE = 0.5;

/**
 * The band's tolerance from the measured spread: twice the median relative spread of the repeats
 * (two candidates, each off by up to the spread, may swap order), clamped to [20 %, 50 %].
 */
export function toleranceFromSpread(rows: readonly { samples: readonly number[] }[]): number {
  if (rows.length === 0) return MIN_BAND_TOLERANCE;
  const spread = medianOf(rows.map((r) => (r.samples.length > 1 ? relativeSpread(r.samples) : 0)));
  return Math.min(MAX_BAND_TOLERANCE, Math.max(MIN_BAND_TOLERANCE, 2 * spread));
}

export interface BandChoice<R> {
  /** The chosen row: the smallest m whose time is within the band. */
  choice: R;
  /** The row with the smallest time. */
  best: R;
  /** The neighbouring rows around the best whose times are within (1 + tolerance) × the best, by increasing m. */
  band: R[];
  tolerance: number;
}

/** The smallest m of the contiguous run of m around the fastest whose `seconds` are within (1 + tolerance) × the smallest: see the file header. */
export function chooseWithinBand<R extends { m: number; seconds: number }>(
  rows: readonly R[],
  tolerance: number,
): BandChoice<R> {
  if (rows.length === 0) throw new BatchlabArgumentError("rows", rows, "at least one candidate");
  checkInRange("tolerance", tolerance, 0, 10);
  const sorted = [...rows].sort((a, b) => a.m - b.m);
  const best = sorted.reduce((a, r) => (r.seconds < a.seconds ? r : a));
  // The band is the run of neighbouring m around the fastest: an m cut off from it by slower ones is
  // a draw of the noise, not a second valley (S(m)·t(m) has one minimum).
  const within = (r: R) => r.seconds <= (1 + tolerance) * best.seconds;
  let lo = sorted.indexOf(best),
    hi = lo;
  while (lo > 0 && within(sorted[lo - 1])) lo--;
  while (hi < sorted.length - 1 && within(sorted[hi + 1])) hi++;
  const band = sorted.slice(lo, hi + 1);
  return { choice: band[0], best, band, tolerance };
}

/** "m = 64, 128, 256" or "m = 128": a band's members for a printout. */
export function formatBand(ms: readonly number[]): string {
  if (ms.length === 1) return `m = ${ms[0]}`;
  return `m = ${ms.join(", ")}`;
}
