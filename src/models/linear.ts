// Linear regression with squared error L = ½(θᵀx (+ b) − y)². The ½ makes the gradient the
// residual times the input, (ŷ − y)·x, which is the form every textbook derivation uses.

import type { Dataset } from "../data/dataset";
import { checkPositiveInteger } from "../util/validate";
import type { Model, Params } from "./model";

export interface LinearOptions {
  /** Add an intercept b as the last parameter (default true). */
  bias?: boolean;
}

export function linearRegression(inputs: number, options: LinearOptions = {}): Model {
  checkPositiveInteger("inputs", inputs);
  const bias = options.bias ?? true;
  const d = inputs;
  const predict = (theta: Params, data: Dataset, i: number): number => {
    let s = bias ? theta[d] : 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += theta[j] * data.x[o + j];
    return s;
  };
  return {
    name: `linear regression (d=${d}${bias ? ", bias" : ""})`,
    size: d + (bias ? 1 : 0),
    inputs: d,
    init: () => new Float64Array(d + (bias ? 1 : 0)),
    predict,
    exampleLoss(theta, data, i) {
      const r = predict(theta, data, i) - data.y[i];
      return 0.5 * r * r;
    },
    exampleGradient(theta, data, i, out) {
      const r = predict(theta, data, i) - data.y[i];
      const o = i * d;
      for (let j = 0; j < d; j++) out[j] = r * data.x[o + j];
      if (bias) out[d] = r;
    },
  };
}
