// Keskar et al. (2017)'s ε-sharpness: how much can the training loss rise within a small box around
// the solution θ?
//
//     φ(θ, ε) = 100 · [max_{y ∈ C_ε} f(θ + y) − f(θ)] / (1 + f(θ)),
//     C_ε = { y : |yᵢ| ≤ ε·(|θᵢ| + 1) }
//
// (their definition with A = I, the full parameter space). The box scales with |θᵢ| so that large
// weights may move more. They solved the inner maximisation with L-BFGS-B; here a few steps of
// projected sign ascent stand in for it: step along sign(∇f) by a fraction of the box, clip back
// into the box, keep the highest loss seen. The sign step is the steepest ascent for a box (an
// ℓ∞ ball), and the result is a lower bound on the true maximum, as theirs was.

import type { Dataset } from "../data/dataset";
import { allIndices } from "../data/dataset";
import { checkCompatible, meanGradient, meanLoss, type Model, type Params } from "../models/model";
import {
  BatchlabArgumentError,
  checkInRange,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";

export interface SharpnessOptions {
  /** The box half-width factor ε (default 1e-3, one of Keskar et al.'s two values). */
  epsilon?: number;
  /** Ascent steps, each one gradient and one loss evaluation (default 10). */
  steps?: number;
  /** Fraction of the box width moved per step, in (0, 1] (default 0.5: a corner is reached in two steps). */
  stepFraction?: number;
  /** The examples whose mean loss f is used (default all). */
  batch?: ArrayLike<number>;
}

export interface SharpnessResult {
  /** φ(θ, ε) in Keskar et al.'s units (percent of 1 + f). */
  phi: number;
  /** f(θ). */
  loss: number;
  /** The largest f(θ + y) found in the box. */
  maxLoss: number;
  epsilon: number;
  steps: number;
  /** |y| of the perturbation that reached maxLoss. */
  perturbationNorm: number;
}

/** The half-widths ε·(|θᵢ| + 1) of the box C_ε around θ. */
export function sharpnessBox(theta: ArrayLike<number>, epsilon: number): Float64Array {
  checkPositiveFinite("epsilon", epsilon);
  return Float64Array.from(theta, (t) => epsilon * (Math.abs(t) + 1));
}

/** Keskar's ε-sharpness of the mean loss over `batch` at θ, by projected sign ascent in C_ε. */
export function epsilonSharpness(
  model: Model,
  theta: Params,
  data: Dataset,
  options: SharpnessOptions = {},
): SharpnessResult {
  checkCompatible(model, theta, data);
  const epsilon = options.epsilon ?? 1e-3;
  const steps = options.steps ?? 10;
  checkPositiveInteger("steps", steps);
  const fraction = options.stepFraction ?? 0.5;
  checkInRange("stepFraction", fraction, Number.MIN_VALUE, 1);
  const batch = options.batch ?? allIndices(data.n);
  if (batch.length === 0)
    throw new BatchlabArgumentError("batch", batch, "a non-empty list of example indices");

  const p = model.size;
  const bound = sharpnessBox(theta, epsilon);
  const y = new Float64Array(p);
  const point = Float64Array.from(theta);
  const grad = new Float64Array(p);
  const loss = meanLoss(model, theta, data, batch);
  let maxLoss = loss;
  let bestNorm = 0;
  for (let k = 0; k < steps; k++) {
    meanGradient(model, point, data, batch, grad);
    let norm = 0;
    for (let j = 0; j < p; j++) {
      const b = bound[j];
      const next = y[j] + fraction * b * Math.sign(grad[j]);
      y[j] = next > b ? b : next < -b ? -b : next;
      point[j] = theta[j] + y[j];
      norm += y[j] * y[j];
    }
    const value = meanLoss(model, point, data, batch);
    if (value > maxLoss) {
      maxLoss = value;
      bestNorm = Math.sqrt(norm);
    }
  }
  return {
    phi: (100 * (maxLoss - loss)) / (1 + loss),
    loss,
    maxLoss,
    epsilon,
    steps,
    perturbationNorm: bestNorm,
  };
}
