// The whole idea of the course, in one function:
//
//     θ ← θ − η · (1/m) · Σᵢ ∇L(θ; xᵢ, yᵢ)      (i runs over the m examples of the batch)
//
// It is written with plain loops on purpose: nothing is hidden behind a framework call.

import type { Params } from "../models/model";
import { BatchlabArgumentError, checkPositiveFinite } from "../util/validate";

/** The gradient of one example's loss at θ. */
export type ExampleGradient = (theta: Params, i: number) => ArrayLike<number>;

/**
 * One minibatch SGD step: average the per-example gradients over the batch, then move against
 * that average by η. The mean (not the sum) keeps η's meaning when m changes.
 * Returns new parameters; θ itself is left unchanged.
 */
export function sgdStep(theta: Params, batch: ArrayLike<number>, gradient: ExampleGradient, lr: number): Params {
  checkPositiveFinite("lr", lr);
  const m = batch.length;
  if (m === 0) throw new BatchlabArgumentError("batch", batch, "a non-empty list of example indices");

  const sum = new Float64Array(theta.length);
  for (let k = 0; k < m; k++) {
    const g = gradient(theta, batch[k]);
    if (g.length !== theta.length) throw new BatchlabArgumentError("gradient(θ, i).length", g.length, `θ.length = ${theta.length}`);
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
export function applyMeanGradient(theta: Params, meanGrad: ArrayLike<number>, lr: number, out: Params = theta): Params {
  for (let j = 0; j < theta.length; j++) out[j] = theta[j] - lr * meanGrad[j];
  return out;
}
