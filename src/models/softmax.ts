// Softmax (multinomial logistic) regression: K classes, θ = [W (K × d, row-major) | b (K)], loss
// −log softmax(Wx + b)_y. Gradient of example i: (p − onehot(y)) xᵀ for W and (p − onehot(y)) for b.

import type { Dataset } from "../data/dataset";
import { checkPositiveInteger } from "../util/validate";
import type { Model, Params } from "./model";

/** Writes softmax(z) into p in place of the logits, and returns log Σ exp(z) (stable). */
export function softmaxInPlace(z: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < z.length; k++) if (z[k] > max) max = z[k];
  let sum = 0;
  for (let k = 0; k < z.length; k++) {
    z[k] = Math.exp(z[k] - max);
    sum += z[k];
  }
  for (let k = 0; k < z.length; k++) z[k] /= sum;
  return max + Math.log(sum);
}

export function softmaxRegression(inputs: number, classes: number): Model {
  checkPositiveInteger("inputs", inputs);
  checkPositiveInteger("classes", classes);
  const d = inputs;
  const K = classes;
  const z = new Float64Array(K); // scratch, reused: the model is not re-entrant
  const logits = (theta: Params, data: Dataset, i: number): Float64Array => {
    const o = i * d;
    for (let k = 0; k < K; k++) {
      let s = theta[K * d + k];
      const w = k * d;
      for (let j = 0; j < d; j++) s += theta[w + j] * data.x[o + j];
      z[k] = s;
    }
    return z;
  };
  return {
    name: `softmax regression (d=${d}, K=${K})`,
    size: K * d + K,
    inputs: d,
    classes: K,
    init: () => new Float64Array(K * d + K),
    predict(theta, data, i) {
      const s = logits(theta, data, i);
      let best = 0;
      for (let k = 1; k < K; k++) if (s[k] > s[best]) best = k;
      return best;
    },
    exampleLoss(theta, data, i) {
      const s = logits(theta, data, i);
      const y = data.y[i];
      const zy = s[y];
      return softmaxInPlace(s) - zy;
    },
    exampleGradient(theta, data, i, out) {
      const p = logits(theta, data, i);
      softmaxInPlace(p);
      p[data.y[i]] -= 1;
      const o = i * d;
      for (let k = 0; k < K; k++) {
        const w = k * d;
        const r = p[k];
        for (let j = 0; j < d; j++) out[w + j] = r * data.x[o + j];
        out[K * d + k] = r;
      }
    },
  };
}
