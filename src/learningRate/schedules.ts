// Learning-rate schedules (warmup, step, inverse-time and cosine decay), and the batch-size schedule
// that mirrors step decay. A schedule is a plain function of the step (counted from 0), the
// LearningRate type train() already takes, so `train(model, data, { lr: cosineDecay(0.5, 1000), ... })`
// needs nothing new. A new schedule goes here, as one more function returning a Schedule.
//
// Why decay at all: with a constant η, SGD never settles; its iterate keeps a noise floor whose size
// grows with η/m (chapter 1 shows it at m = 1). Robbins and Monro (1951): if Σ ηₜ = ∞ (the steps
// can still travel any distance) and Σ ηₜ² < ∞ (the noise they inject adds up to a finite amount),
// SGD converges. η₀/(1 + t/τ) satisfies both; a constant η fails the second; step and cosine
// schedules end (and so are judged by where they end, not by the limit).

import type { LastBatchPolicy } from "../sampling/samplers";
import {
  BatchlabArgumentError,
  checkInRange,
  checkNonNegativeInteger,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import type { Schedule } from "./learningRate";

/** How many of the (sorted) boundaries t has reached: the number of drops so far. */
export function levelAt(t: number, boundaries: readonly number[]): number {
  let k = 0;
  while (k < boundaries.length && t >= boundaries[k]) k++;
  return k;
}

function checkBoundaries(name: string, boundaries: readonly number[]): number[] {
  if (!Array.isArray(boundaries))
    throw new BatchlabArgumentError(name, boundaries, "an array of increasing numbers > 0");
  for (let k = 0; k < boundaries.length; k++) {
    checkPositiveFinite(`${name}[${k}]`, boundaries[k]);
    if (k > 0 && !(boundaries[k] > boundaries[k - 1])) {
      throw new BatchlabArgumentError(
        `${name}[${k}]`,
        boundaries[k],
        `greater than ${name}[${k - 1}] = ${boundaries[k - 1]}`,
      );
    }
  }
  return boundaries.slice();
}

/** A linear warmup: η grows from η/steps to η over the first `steps` steps, then stays. */
export function linearWarmup(lr: number, steps: number): Schedule {
  if (!(lr > 0) || !Number.isFinite(lr))
    throw new BatchlabArgumentError("lr", lr, "a finite number > 0");
  if (!Number.isInteger(steps) || steps < 0)
    throw new BatchlabArgumentError("steps", steps, "a non-negative integer");
  return (step) => (step < steps ? (lr * (step + 1)) / steps : lr);
}

/** Step decay: η₀, divided by `factor` at each boundary (in steps). */
export function stepDecay(eta0: number, factor: number, boundaries: readonly number[]): Schedule {
  checkPositiveFinite("eta0", eta0);
  checkInRange("factor", factor, 1, Infinity);
  const at = checkBoundaries("boundaries", boundaries);
  return (step) => eta0 / factor ** levelAt(step, at);
}

/** η₀/(1 + t/τ): the classic schedule that meets both Robbins–Monro conditions. */
export function inverseTimeDecay(eta0: number, tau: number): Schedule {
  checkPositiveFinite("eta0", eta0);
  checkPositiveFinite("tau", tau);
  return (step) => eta0 / (1 + step / tau);
}

/**
 * Cosine decay over `steps` updates (Loshchilov & Hutter 2017, without restarts):
 * η(t) = η_min + (η₀ − η_min)·(1 + cos(π·t/steps))/2, so the last step (t = steps − 1) still has η > η_min ≥ 0.
 */
export function cosineDecay(eta0: number, steps: number, etaMin = 0): Schedule {
  checkPositiveFinite("eta0", eta0);
  checkPositiveInteger("steps", steps);
  checkInRange("etaMin", etaMin, 0, eta0);
  return (step) =>
    etaMin + ((eta0 - etaMin) * (1 + Math.cos((Math.PI * Math.min(step, steps - 1)) / steps))) / 2;
}

/** A batch size as a function of the epoch (counted from 0): train()'s batchSize when it grows. */
export type BatchSchedule = (epoch: number) => number;

/**
 * The mirror of step decay (Smith, Kindermans, Ying & Le 2018): where stepDecay divides η by k,
 * multiply m by k instead. Boundaries are in epochs, because a growing batch changes how many steps
 * an epoch has; η stays constant.
 */
export function batchGrowth(
  m0: number,
  factor: number,
  boundaries: readonly number[],
): BatchSchedule {
  checkPositiveInteger("m0", m0);
  checkPositiveInteger("factor", factor);
  const at = checkBoundaries("boundaries", boundaries);
  return (epoch) => m0 * factor ** levelAt(epoch, at);
}

/** Boundaries given in epochs, as steps at a constant batch size m on n examples (⌈n/m⌉ steps per epoch). */
export function epochsToSteps(boundaries: readonly number[], n: number, m: number): number[] {
  checkPositiveInteger("n", n);
  checkPositiveInteger("m", m);
  return checkBoundaries("boundaries", boundaries).map((e) => Math.round(e * Math.ceil(n / m)));
}

/** Steps in one epoch of n examples at batch size m: the last partial batch kept or dropped. */
export function stepsPerEpoch(n: number, m: number, last: LastBatchPolicy = "keep"): number {
  return last === "drop" ? Math.floor(n / m) : Math.ceil(n / m);
}

/**
 * Updates train() makes over `epochs` epochs of n examples when m follows a batch schedule:
 * stepsPerEpoch for each whole epoch, ⌈f·n/m⌉ for a fractional last epoch f.
 */
export function updatesWithBatchSchedule(
  batchSize: BatchSchedule,
  n: number,
  epochs: number,
  last: LastBatchPolicy = "keep",
): number {
  checkPositiveInteger("n", n);
  checkPositiveFinite("epochs", epochs);
  let updates = 0;
  for (let e = 0; e < Math.ceil(epochs); e++) {
    const m = batchSize(e);
    checkPositiveInteger(`batchSize(${e})`, m);
    const share = Math.min(1, epochs - e);
    updates += share === 1 ? stepsPerEpoch(n, m, last) : Math.ceil((share * n) / m);
  }
  return updates;
}

/** Σ ηₜ and Σ ηₜ² over the first `steps` steps: the two Robbins–Monro sums, truncated. */
export function robbinsMonroSums(
  lr: number | Schedule,
  steps: number,
): { sum: number; sumOfSquares: number } {
  checkNonNegativeInteger("steps", steps);
  let sum = 0;
  let sumOfSquares = 0;
  for (let t = 0; t < steps; t++) {
    const eta = typeof lr === "function" ? lr(t) : lr;
    sum += eta;
    sumOfSquares += eta * eta;
  }
  return { sum, sumOfSquares };
}
