// Small dense linear algebra for closed-form answers (least squares, exact Hessians of tiny
// models) that tests and notebooks compare SGD against. Sizes here are tens, not thousands.

import { checkDataset, type Dataset } from "../data/dataset";
import { BatchlabArgumentError } from "./validate";

/** Solves A·x = b for a square, row-major A (k × k) by Gaussian elimination with partial pivoting. */
export function solve(A: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const k = b.length;
  if (A.length !== k * k)
    throw new BatchlabArgumentError("A.length", A.length, `k² = ${k * k} for b of length ${k}`);
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < k; c++) {
    let pivot = c;
    for (let r = c + 1; r < k; r++)
      if (Math.abs(M[r * k + c]) > Math.abs(M[pivot * k + c])) pivot = r;
    if (Math.abs(M[pivot * k + c]) < 1e-300) throw new RangeError("solve: the matrix is singular");
    if (pivot !== c) {
      for (let j = 0; j < k; j++) {
        const t = M[c * k + j];
        M[c * k + j] = M[pivot * k + j];
        M[pivot * k + j] = t;
      }
      const t = x[c];
      x[c] = x[pivot];
      x[pivot] = t;
    }
    for (let r = c + 1; r < k; r++) {
      const f = M[r * k + c] / M[c * k + c];
      if (f === 0) continue;
      for (let j = c; j < k; j++) M[r * k + j] -= f * M[c * k + j];
      x[r] -= f * x[c];
    }
  }
  for (let r = k - 1; r >= 0; r--) {
    let s = x[r];
    for (let j = r + 1; j < k; j++) s -= M[r * k + j] * x[j];
    x[r] = s / M[r * k + r];
  }
  return x;
}

/**
 * The least-squares parameters of linear regression on `data`: argmin Σᵢ (θᵀxᵢ (+ b) − yᵢ)²,
 * from the normal equations XᵀX θ = Xᵀy. Laid out like linearRegression's θ (weights, then b).
 */
export function leastSquares(data: Dataset, options: { bias?: boolean } = {}): Float64Array {
  checkDataset("data", data);
  const bias = options.bias ?? true;
  const { n, d, x, y } = data;
  const k = d + (bias ? 1 : 0);
  const XtX = new Float64Array(k * k);
  const Xty = new Float64Array(k);
  const xi = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) xi[j] = x[i * d + j];
    if (bias) xi[d] = 1;
    for (let a = 0; a < k; a++) {
      Xty[a] += xi[a] * y[i];
      for (let c = 0; c < k; c++) XtX[a * k + c] += xi[a] * xi[c];
    }
  }
  return solve(XtX, Xty);
}

/** Euclidean norm of a − b (or of a alone). */
export function distance(a: ArrayLike<number>, b?: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const v = a[j] - (b ? b[j] : 0);
    s += v * v;
  }
  return Math.sqrt(s);
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}
