// A stand-in for d2l's airfoil regression, the data of the convergence chapter's comparison with
// d2l's minibatch SGD section: small, ill-conditioned, with a known least-squares minimum.

import { dataset, type Dataset } from "./dataset";
import { rng, type Rng } from "../util/rng";
import { checkInRange, checkPositiveInteger } from "../util/validate";

export interface AirfoilLikeOptions {
  /** Examples (default 1,500, the size of the UCI airfoil self-noise data d2l uses). */
  n?: number;
  /** Features (default 5, as in airfoil). */
  d?: number;
  /** Fraction of the target's variance a linear model can explain (default 0.5, close to airfoil's). */
  r2?: number;
  /** Ratio of the largest to the smallest eigenvalue of the features' covariance (default 8). */
  condition?: number;
  seed?: number;
}

/**
 * A stand-in for d2l's airfoil regression (§12.5): n examples of d correlated features, every
 * column and the target standardised to mean 0 and variance 1 ("whitened" in d2l's sense), with a
 * linear signal explaining a fraction r2 of the target. The least-squares loss ½·mean(r²) is then
 * close to (1 − r2)/2 ≈ 0.25, where d2l's curves flatten.
 */
export function airfoilLike(options: AirfoilLikeOptions = {}): Dataset {
  const n = options.n ?? 1500;
  const d = options.d ?? 5;
  const r2 = options.r2 ?? 0.5;
  checkPositiveInteger("n", n);
  checkPositiveInteger("d", d);
  checkInRange("r2", r2, 0, 1);
  const random = rng(options.seed ?? 0);
  // Correlated columns make the bowl ill-conditioned, as the real features are: x = z·A with
  // A = Q·diag(√λ)·Qᵀ for a random rotation Q, so the covariance QΛQᵀ has eigenvalues λ spread
  // geometrically from 1.8 down to 1.8/condition. Gradient descent with d2l's η = 1 then converges
  // (λ < 2) but needs several epochs along the flattest direction, as it does on the airfoil data.
  const condition = options.condition ?? 8;
  checkInRange("condition", condition, 1, 1000);
  const lambdas = Array.from({ length: d }, (_, j) => 1.8 * Math.pow(condition, d === 1 ? 0 : -j / (d - 1)));
  const q = randomRotation(d, random);
  const mix = new Float64Array(d * d);
  for (let r = 0; r < d; r++) {
    for (let c = 0; c < d; c++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += q[r * d + k] * Math.sqrt(lambdas[k]) * q[c * d + k];
      mix[r * d + c] = v;
    }
  }
  const x = new Float64Array(n * d);
  const signal = new Float64Array(n);
  const w = Array.from({ length: d }, () => random.normal());
  const z = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) z[k] = random.normal();
    let s = 0;
    for (let j = 0; j < d; j++) {
      let v = 0;
      for (let k = 0; k < d; k++) v += z[k] * mix[k * d + j];
      x[i * d + j] = v;
      s += w[j] * v;
    }
    signal[i] = s;
  }
  standardiseColumns(x, n, d);
  standardiseColumns(signal, n, 1);
  const y = new Float64Array(n);
  const a = Math.sqrt(r2);
  const b = Math.sqrt(1 - r2);
  for (let i = 0; i < n; i++) y[i] = a * signal[i] + b * random.normal();
  standardiseColumns(y, n, 1);
  return dataset(x, y, { d, name: `airfoil-like regression (n=${n}, d=${d})` });
}

/** A random d × d rotation (orthonormal columns, row-major): Gram–Schmidt on a Gaussian matrix. */
function randomRotation(d: number, random: Rng): Float64Array {
  const q = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    for (let r = 0; r < d; r++) q[r * d + c] = random.normal();
    for (let prev = 0; prev < c; prev++) {
      let dot = 0;
      for (let r = 0; r < d; r++) dot += q[r * d + c] * q[r * d + prev];
      for (let r = 0; r < d; r++) q[r * d + c] -= dot * q[r * d + prev];
    }
    let norm = 0;
    for (let r = 0; r < d; r++) norm += q[r * d + c] ** 2;
    norm = Math.sqrt(norm);
    for (let r = 0; r < d; r++) q[r * d + c] /= norm;
  }
  return q;
}

/** In place: every column of the n × d row-major matrix to mean 0 and (population) variance 1. */
export function standardiseColumns(values: Float64Array, n: number, d: number): void {
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += values[i * d + j];
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += (values[i * d + j] - mean) ** 2;
    const sd = Math.sqrt(variance / n) || 1;
    for (let i = 0; i < n; i++) values[i * d + j] = (values[i * d + j] - mean) / sd;
  }
}
