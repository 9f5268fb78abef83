// Binary logistic regression, y ∈ {0, 1}, with the cross-entropy written in the numerically stable
// form log(1 + e^z) − y·z, so large |z| neither overflows nor loses the loss to rounding.

import type { Dataset } from "../data/dataset";
import { checkPositiveInteger } from "../util/validate";
import type { Model, Params } from "./model";

export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function logisticRegression(inputs: number, options: { bias?: boolean } = {}): Model {
  checkPositiveInteger("inputs", inputs);
  const bias = options.bias ?? true;
  const d = inputs;
  const logit = (theta: Params, data: Dataset, i: number): number => {
    let z = bias ? theta[d] : 0;
    const o = i * d;
    for (let j = 0; j < d; j++) z += theta[j] * data.x[o + j];
    return z;
  };
  return {
    name: `logistic regression (d=${d})`,
    size: d + (bias ? 1 : 0),
    inputs: d,
    classes: 2,
    init: () => new Float64Array(d + (bias ? 1 : 0)),
    predict: (theta, data, i) => (logit(theta, data, i) > 0 ? 1 : 0),
    exampleLoss(theta, data, i) {
      const z = logit(theta, data, i);
      return softplus(z) - data.y[i] * z;
    },
    exampleGradient(theta, data, i, out) {
      const r = sigmoid(logit(theta, data, i)) - data.y[i];
      const o = i * d;
      for (let j = 0; j < d; j++) out[j] = r * data.x[o + j];
      if (bias) out[d] = r;
    },
  };
}
