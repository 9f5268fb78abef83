// What every model in the course provides: a loss per example and the gradient of that loss.
// Everything batch-shaped (mean loss, mean gradient, the matrix of per-example gradients) is
// derived from these two in this file, so the batch average is written exactly once.

import type { Dataset } from "../data/dataset";
import { allIndices } from "../data/dataset";
import type { Stepper, UpdateRule } from "../update/sgd";
import type { Rng } from "../util/rng";
import { BatchlabArgumentError } from "../util/validate";

/** Parameters θ, flattened. */
export type Params = Float64Array;

export interface Model {
  readonly name: string;
  /** Number of parameters p = θ.length. */
  readonly size: number;
  /** Number of input features the model expects. */
  readonly inputs: number;
  /** Initial parameters. */
  init(random: Rng): Params;
  /** L(θ; xᵢ, yᵢ) for example i. */
  exampleLoss(theta: Params, data: Dataset, i: number): number;
  /** ∇θ L(θ; xᵢ, yᵢ), written into out (length p, overwritten). */
  exampleGradient(theta: Params, data: Dataset, i: number, out: Float64Array): void;
  /**
   * Optional fast path for (1/m)·Σᵢ ∇L over a batch, for models where a batched computation is
   * much faster than m separate ones. It must equal the mean of exampleGradient (tested).
   */
  batchGradient?(theta: Params, data: Dataset, batch: ArrayLike<number>, out: Float64Array): void;
  /** Optional fast path for the mean loss over a batch; must equal the mean of exampleLoss (engines, tested). */
  batchLoss?(theta: Params, data: Dataset, batch: ArrayLike<number>): number;
  /**
   * Optional fast path for train()'s whole update (see stepperFor in update/sgd.ts): it must give
   * the same θ as plainStepper, bit for bit (engines, tested). It computes its own gradient, so a
   * wrapper that changes batchGradient must drop or replace it.
   */
  stepper?(theta: Params, rule: UpdateRule): Stepper;
  /** Predicted class (classification) or value (regression) for example i. */
  predict(theta: Params, data: Dataset, i: number): number;
}

export function checkCompatible(model: Model, theta: Params, data: Dataset): void {
  if (theta.length !== model.size) {
    throw new BatchlabArgumentError("theta.length", theta.length, `${model.size} for model ${model.name}`);
  }
  if (data.d !== model.inputs) {
    throw new BatchlabArgumentError("data.d", data.d, `${model.inputs} features for model ${model.name}`);
  }
}

function checkBatch(batch: ArrayLike<number>, data: Dataset): void {
  if (batch.length === 0) throw new BatchlabArgumentError("batch", batch, "a non-empty list of example indices");
}

/** Mean loss over the given examples (all of them by default). */
export function meanLoss(model: Model, theta: Params, data: Dataset, batch: ArrayLike<number> = allIndices(data.n)): number {
  checkCompatible(model, theta, data);
  checkBatch(batch, data);
  if (model.batchLoss) return model.batchLoss(theta, data, batch);
  let sum = 0;
  for (let k = 0; k < batch.length; k++) sum += model.exampleLoss(theta, data, batch[k]);
  return sum / batch.length;
}

/** Fraction of the given examples whose predicted class is the target. */
export function accuracy(model: Model, theta: Params, data: Dataset, batch: ArrayLike<number> = allIndices(data.n)): number {
  checkCompatible(model, theta, data);
  checkBatch(batch, data);
  let correct = 0;
  for (let k = 0; k < batch.length; k++) if (model.predict(theta, data, batch[k]) === data.y[batch[k]]) correct++;
  return correct / batch.length;
}

/** The m × p matrix whose row k is ∇L(θ; x_batch[k]), row-major. */
export function perExampleGradients(model: Model, theta: Params, data: Dataset, batch: ArrayLike<number> = allIndices(data.n)): Float64Array {
  checkCompatible(model, theta, data);
  checkBatch(batch, data);
  const p = model.size;
  const out = new Float64Array(batch.length * p);
  for (let k = 0; k < batch.length; k++) model.exampleGradient(theta, data, batch[k], out.subarray(k * p, (k + 1) * p));
  return out;
}

/** (1/m)·Σᵢ ∇L(θ; xᵢ, yᵢ) over the batch: the model's fast path when it has one. */
export function meanGradient(
  model: Model, theta: Params, data: Dataset, batch: ArrayLike<number> = allIndices(data.n),
  out: Float64Array = new Float64Array(model.size),
): Float64Array {
  checkCompatible(model, theta, data);
  checkBatch(batch, data);
  if (model.batchGradient) {
    model.batchGradient(theta, data, batch, out);
    return out;
  }
  const p = model.size;
  const g = new Float64Array(p);
  out.fill(0);
  for (let k = 0; k < batch.length; k++) {
    model.exampleGradient(theta, data, batch[k], g);
    for (let j = 0; j < p; j++) out[j] += g[j];
  }
  for (let j = 0; j < p; j++) out[j] /= batch.length;
  return out;
}
