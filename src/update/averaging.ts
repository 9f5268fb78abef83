// Two averages that tame SGD's noise without touching the update itself.
//
// Polyak–Ruppert averaging (Polyak & Juditsky 1992; Ruppert 1988): keep SGD at a constant η, and
// report the running mean of its iterates θ̄ₜ instead of θₜ. Around a minimum the iterates jitter
// with zero mean, so their average sits much closer to θ* than any one of them.
//
// The exponentially weighted average of a noisy series (the smoothed loss curve of every training
// dashboard, and Adam's moment estimates): vₜ = β·vₜ₋₁ + (1 − β)·xₜ from v₀ = 0. Its weights sum to
// 1 − βᵗ, not 1, so early on it is too small by that factor; dividing by (1 − βᵗ) corrects it.

import type { Params } from "../models/model";
import { BatchlabArgumentError, checkInRange, checkNonNegativeInteger } from "../util/validate";

/** The running mean of the iterates θₜ from step `from` on (Polyak–Ruppert, tail-averaged). */
export class IterateAverage {
  private readonly sum: Float64Array;
  private count = 0;

  /** Iterates of steps < from are skipped: averaging the start-up transient would drag the mean back. */
  constructor(
    size: number,
    readonly from = 0,
  ) {
    checkNonNegativeInteger("from", from);
    this.sum = new Float64Array(size);
  }

  /** Adds θ after update number `step` (1 for the first update). */
  add(step: number, theta: ArrayLike<number>): void {
    if (step < this.from) return;
    if (theta.length !== this.sum.length)
      throw new BatchlabArgumentError("theta.length", theta.length, `${this.sum.length}`);
    for (let j = 0; j < theta.length; j++) this.sum[j] += theta[j];
    this.count++;
  }

  /** Number of iterates averaged so far. */
  get size(): number {
    return this.count;
  }

  /** The mean of the iterates added so far (a copy). */
  mean(): Params {
    if (this.count === 0)
      throw new BatchlabArgumentError(
        "IterateAverage",
        "empty",
        `at least one iterate from step ${this.from} on`,
      );
    return this.sum.map((s) => s / this.count);
  }
}

export interface EwaOptions {
  /** Divide by (1 − βᵗ) (default true). */
  biasCorrection?: boolean;
}

/** The exponentially weighted average v₁ … v_T of x₁ … x_T, with or without bias correction. */
export function exponentialAverage(
  values: ArrayLike<number>,
  beta: number,
  options: EwaOptions = {},
): number[] {
  checkInRange("beta", beta, 0, 0.999999);
  const correct = options.biasCorrection ?? true;
  const out: number[] = new Array(values.length);
  let v = 0;
  let betaPower = 1;
  for (let t = 0; t < values.length; t++) {
    v = beta * v + (1 - beta) * values[t];
    betaPower *= beta;
    out[t] = correct ? v / (1 - betaPower) : v;
  }
  return out;
}

/**
 * The start-up factor of the uncorrected average: E[vₜ] = (1 − βᵗ)·μ for a series of mean μ, so
 * vₜ is biased by −βᵗ·μ. t counts values averaged (t = 1 after the first).
 */
export function ewaStartupFactor(beta: number, t: number): number {
  checkInRange("beta", beta, 0, 0.999999);
  checkNonNegativeInteger("t", t);
  return 1 - beta ** t;
}
