// Wall-clock time to a target loss: steps-to-target S(m) (chapter 3, a property of the problem and
// of SGD) times seconds per step t(m) (this chapter, a property of the engine and the machine).
// Large m needs fewer steps but each costs more; small m is the reverse; T(m) = S(m)·t(m) has a
// minimum in between, and unlike S(m) alone, where it sits depends on the machine.

import { BatchlabArgumentError, checkPositiveFinite } from "../util/validate";

export interface TimeToTargetRow {
  m: number;
  steps: number;
  secondsPerStep: number;
  /** S(m)·t(m). */
  seconds: number;
  /** Examples processed to reach the target, m·S(m). */
  examples: number;
}

/**
 * t(m) at any m in the measured range, by straight lines between measured points on log-log axes
 * (time per step is close to a power law between neighbouring powers of two).
 */
export function interpolateStepTime(
  rows: readonly { m: number; secondsPerStep: number }[],
  m: number,
): number {
  checkPositiveFinite("m", m);
  const sorted = [...rows].sort((a, b) => a.m - b.m);
  if (sorted.length === 0)
    throw new BatchlabArgumentError("rows", rows, "at least one measurement");
  const exact = sorted.find((r) => r.m === m);
  if (exact) return exact.secondsPerStep;
  if (m < sorted[0].m || m > sorted[sorted.length - 1].m) {
    throw new BatchlabArgumentError(
      "m",
      m,
      `within the measured range ${sorted[0].m}..${sorted[sorted.length - 1].m}`,
    );
  }
  let k = 0;
  while (sorted[k + 1].m < m) k++;
  const a = sorted[k];
  const b = sorted[k + 1];
  const f = Math.log(m / a.m) / Math.log(b.m / a.m);
  return Math.exp(Math.log(a.secondsPerStep) + f * Math.log(b.secondsPerStep / a.secondsPerStep));
}

/** T(m) = S(m)·t(m) for every m with a step count; rows without one (not reached) are left out. */
export function timeToTarget(
  steps: readonly { m: number; steps: number | null }[],
  stepTimes: readonly { m: number; secondsPerStep: number }[],
): TimeToTargetRow[] {
  return steps
    .filter((s): s is { m: number; steps: number } => s.steps !== null && Number.isFinite(s.steps))
    .map(({ m, steps: S }) => {
      const t = interpolateStepTime(stepTimes, m);
      return { m, steps: S, secondsPerStep: t, seconds: S * t, examples: m * S };
    });
}

/** The row with the smallest wall-clock time. */
export function fastestBatch(rows: readonly TimeToTargetRow[]): TimeToTargetRow {
  if (rows.length === 0)
    throw new BatchlabArgumentError(
      "rows",
      rows,
      "at least one batch size that reached the target",
    );
  return rows.reduce((best, r) => (r.seconds < best.seconds ? r : best));
}

/**
 * The minimiser of S(m)·t(m) for the model curves S(m) = S_min·(1 + B_noise/m) (McCandlish et al.
 * 2018) and t(m) = t₀ + c·m: setting the derivative of S_min·(t₀ + c·m + B_noise·t₀/m + B_noise·c)
 * to zero gives m* = √(B_noise·t₀/c).
 */
export function optimalBatchModel(
  bNoise: number,
  overheadSeconds: number,
  secondsPerExample: number,
): number {
  checkPositiveFinite("bNoise", bNoise);
  checkPositiveFinite("overheadSeconds", overheadSeconds);
  checkPositiveFinite("secondsPerExample", secondsPerExample);
  return Math.sqrt((bNoise * overheadSeconds) / secondsPerExample);
}
