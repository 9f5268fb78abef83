// The whole idea of the course, in one function:
//
//     θ ← θ − η · (1/m) · Σᵢ ∇L(θ; xᵢ, yᵢ)      (i runs over the m examples of the batch)
//
// It is written with plain loops on purpose: nothing is hidden behind a framework call.

import type { Dataset } from "../data/dataset";
import { meanGradient, type Model, type Params } from "../models/model";
import {
  BatchlabArgumentError,
  checkArrayLike,
  checkFunction,
  checkInRange,
  checkIndices,
  checkPositiveFinite,
} from "../util/validate";

/** The gradient of one example's loss at θ. */
export type ExampleGradient = (theta: Params, i: number) => ArrayLike<number>;

/**
 * One minibatch SGD step: average the per-example gradients over the batch, then move against
 * that average by η. The mean (not the sum) keeps η's meaning when m changes.
 * Returns new parameters; θ itself is left unchanged.
 */
export function sgdStep(
  theta: Params,
  batch: ArrayLike<number>,
  gradient: ExampleGradient,
  lr: number,
): Params {
  checkArrayLike("theta", theta, "the parameters θ (a Float64Array)");
  checkIndices("batch", batch);
  checkFunction("gradient", gradient, "a function (θ, i) => ∇L(θ; xᵢ, yᵢ)");
  checkPositiveFinite("lr", lr);
  const m = batch.length;

  const sum = new Float64Array(theta.length);
  for (let k = 0; k < m; k++) {
    const g = gradient(theta, batch[k]);
    checkArrayLike(`gradient(θ, ${batch[k]})`, g, `an array of θ.length = ${theta.length} numbers`);
    if (g.length !== theta.length)
      throw new BatchlabArgumentError(
        "gradient(θ, i).length",
        g.length,
        `θ.length = ${theta.length}`,
      );
    for (let j = 0; j < theta.length; j++) sum[j] += g[j];
  }

  const next = new Float64Array(theta.length);
  for (let j = 0; j < theta.length; j++) next[j] = theta[j] - lr * (sum[j] / m);
  return next;
}

/**
 * The same update, given the batch-mean gradient already computed (by a model's fast path, or by
 * K workers whose averages were averaged). Writes θ − η·ḡ into `out` (θ itself by default).
 */
export function applyMeanGradient(
  theta: Params,
  meanGrad: ArrayLike<number>,
  lr: number,
  out: Params = theta,
): Params {
  for (let j = 0; j < theta.length; j++) out[j] = theta[j] - lr * meanGrad[j];
  return out;
}

/** What train() adds to the rule: heavy-ball momentum μ ∈ [0, 1) and L2 weight decay λ ≥ 0. */
export interface UpdateRule {
  momentum: number;
  weightDecay: number;
}

/** Runs the update on one θ, batch after batch. */
export interface Stepper {
  /**
   * One step on `batch`: g = ḡ + λ·θ, then θ ← θ − η·g, or with momentum v ← μ·v + g and
   * θ ← θ − η·v.
   */
  step(data: Dataset, batch: ArrayLike<number>, lr: number): void;
  /**
   * Brings the θ array the stepper was made with up to date (a stepper may hold θ elsewhere while
   * it steps). From sync() to the next step the array is the truth: edits to it are kept.
   */
  sync(): void;
}

/**
 * The update in plain loops, on θ in place: the model's mean gradient, weight decay, momentum,
 * then applyMeanGradient. Every stepper must give the same θ as this one.
 */
export function plainStepper(model: Model, theta: Params, rule: UpdateRule): Stepper {
  const { momentum, weightDecay } = checkedRule(rule);
  const grad = new Float64Array(model.size);
  const velocity = momentum > 0 ? new Float64Array(model.size) : null;
  return {
    step(data, batch, lr) {
      meanGradient(model, theta, data, batch, grad);
      if (weightDecay > 0) for (let j = 0; j < grad.length; j++) grad[j] += weightDecay * theta[j];
      if (velocity) {
        for (let j = 0; j < grad.length; j++) velocity[j] = momentum * velocity[j] + grad[j];
        applyMeanGradient(theta, velocity, lr);
      } else {
        applyMeanGradient(theta, grad, lr);
      }
    },
    sync() {},
  };
}

/**
 * The model's own stepper when it has one (an engine runs the same arithmetic where its gradient
 * already is, instead of sending θ and the gradient across every step), otherwise plainStepper.
 */
export function stepperFor(model: Model, theta: Params, rule: UpdateRule): Stepper {
  const checked = checkedRule(rule);
  return model.stepper ? model.stepper(theta, checked) : plainStepper(model, theta, checked);
}

/** A copy of the rule, checked: μ ∈ [0, 1), λ ≥ 0 (a stepper keeps the rule it was made with). */
export function checkedRule(rule: UpdateRule): UpdateRule {
  checkInRange("momentum", rule.momentum, 0, 0.999999);
  checkInRange("weightDecay", rule.weightDecay, 0, Infinity);
  return { momentum: rule.momentum, weightDecay: rule.weightDecay };
}
