// What every model in the course provides: a loss per example and the gradient of that loss.
// Everything batch-shaped (mean loss, mean gradient, the matrix of per-example gradients) is
// derived from these two in this file, so the batch average is written exactly once.

import type { Dataset } from "../data/dataset";
import { allIndicesOf, checkDataset, checkLabels } from "../data/dataset";
import type { Stepper, UpdateRule } from "../update/sgd";
import type { Rng } from "../util/rng";
import { BatchlabArgumentError, checkArrayLike, checkIndices } from "../util/validate";

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
  /**
   * Number of classes a classifier outputs: its targets must be class indices 0..classes−1
   * (checked by checkCompatible at first use). Undefined for regression.
   */
  readonly classes?: number;
  /** Predicted class (classification) or value (regression) for example i. */
  predict(theta: Params, data: Dataset, i: number): number;
}

/** Target arrays already checked against a number of classes (labels are checked once per dataset, not per step). */
const labelsChecked = new WeakMap<ArrayLike<number>, number>();

/**
 * The checks at a model's public boundary: model, θ and data are what they claim to be, θ and the
 * features fit the model, and a classifier's targets are class indices it can output.
 */
export function checkCompatible(model: Model, theta: Params, data: Dataset): void {
  if (
    model === null ||
    typeof model !== "object" ||
    typeof model.exampleLoss !== "function" ||
    !Number.isInteger(model.size)
  ) {
    throw new BatchlabArgumentError(
      "model",
      model,
      "a Model (linearRegression(d), logisticRegression(d), softmaxRegression(d, K), mlp([…]), …)",
    );
  }
  checkArrayLike(
    "theta",
    theta,
    `the model's parameters θ (a Float64Array of length ${model.size})`,
  );
  if (theta.length !== model.size) {
    throw new BatchlabArgumentError(
      "theta.length",
      theta.length,
      `${model.size} for model ${model.name}`,
    );
  }
  const values = theta as ArrayLike<unknown>;
  if (!ArrayBuffer.isView(values)) {
    for (let j = 0; j < values.length; j++) {
      if (typeof values[j] !== "number")
        throw new BatchlabArgumentError(`theta[${j}]`, values[j], "a number");
    }
  }
  checkDataset("data", data);
  if (data.d !== model.inputs) {
    throw new BatchlabArgumentError(
      "data.d",
      data.d,
      `${model.inputs} features for model ${model.name}`,
    );
  }
  const K = model.classes;
  if (K !== undefined && labelsChecked.get(data.y) !== K) {
    checkLabels("data.y", data.y, K, ` (${model.name} outputs ${K} classes)`);
    labelsChecked.set(data.y, K);
  }
}

function checkBatch(batch: ArrayLike<number>, data: Dataset): void {
  checkIndices("batch", batch, data.n);
}

/** Mean loss over the given examples (all of them by default). */
export function meanLoss(
  model: Model,
  theta: Params,
  data: Dataset,
  batch: ArrayLike<number> = allIndicesOf(data),
): number {
  checkCompatible(model, theta, data);
  checkBatch(batch, data);
  if (model.batchLoss) return model.batchLoss(theta, data, batch);
  let sum = 0;
  for (let k = 0; k < batch.length; k++) sum += model.exampleLoss(theta, data, batch[k]);
  return sum / batch.length;
}

/** Fraction of the given examples whose predicted class is the target. */
export function accuracy(
  model: Model,
  theta: Params,
  data: Dataset,
  batch: ArrayLike<number> = allIndicesOf(data),
): number {
  checkCompatible(model, theta, data);
  checkBatch(batch, data);
  let correct = 0;
  for (let k = 0; k < batch.length; k++)
    if (model.predict(theta, data, batch[k]) === data.y[batch[k]]) correct++;
  return correct / batch.length;
}

/** The m × p matrix whose row k is ∇L(θ; x_batch[k]), row-major. */
export function perExampleGradients(
  model: Model,
  theta: Params,
  data: Dataset,
  batch: ArrayLike<number> = allIndicesOf(data),
): Float64Array {
  checkCompatible(model, theta, data);
  checkBatch(batch, data);
  const p = model.size;
  const out = new Float64Array(batch.length * p);
  for (let k = 0; k < batch.length; k++)
    model.exampleGradient(theta, data, batch[k], out.subarray(k * p, (k + 1) * p));
  return out;
}

/** (1/m)·Σᵢ ∇L(θ; xᵢ, yᵢ) over the batch: the model's fast path when it has one. */
export function meanGradient(
  model: Model,
  theta: Params,
  data: Dataset,
  batch: ArrayLike<number> = allIndicesOf(data),
  out: Float64Array = new Float64Array(model?.size ?? 0),
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
