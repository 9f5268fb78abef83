// The Hessian H = ∇²L(θ) of a training loss is p × p: 2.6·10⁹ entries for a 784-64-10 MLP, so it is
// never formed. Everything curvature-related in the course (the top eigenvalue, sharpness) only
// needs products H·v, and those cost two gradients each:
//
//     H·v ≈ [∇L(θ + h·v) − ∇L(θ − h·v)] / (2h)
//
// The central difference is exact for quadratic losses and has O(h²) error otherwise; with h = 1e-4
// along a unit direction, float64 rounding (≈ 1e-16·|∇L|/h) and truncation (≈ h²) both stay far
// below the digits we report. The dense matrix and a closed form exist only for tiny models, to
// test the products against.

import type { Dataset } from "../data/dataset";
import { allIndices } from "../data/dataset";
import { checkCompatible, meanGradient, type Model, type Params } from "../models/model";
import { sigmoid } from "../models/logistic";
import { BatchlabArgumentError, checkLength, checkPositiveFinite } from "../util/validate";
import type { HessianVectorProduct } from "./mlpHessian";

/** A symmetric linear map v ↦ A·v on vectors of length `size`, given only through products. */
export interface LinearOperator {
  readonly size: number;
  /** Writes A·v into out (length size) and returns it. */
  apply(v: ArrayLike<number>, out?: Float64Array): Float64Array;
}

export interface HessianOptions {
  /** The examples whose mean loss is differentiated (default all of the data). */
  batch?: ArrayLike<number>;
  /** Length h of the finite-difference step along the unit direction v/|v| (default 1e-4). */
  step?: number;
  /**
   * An exact product for this model (e.g. mlpHessianVectorProduct(widths)), used instead of the
   * finite difference. Needed for ReLU networks: see mlpHessian.ts.
   */
  exact?: HessianVectorProduct;
}

/**
 * The Hessian of the mean loss over `batch` at θ, as an operator. θ is copied, so later changes to
 * it do not change the operator. Each apply costs two gradient evaluations over the batch (about
 * 1.5 with an exact product).
 */
export function hessianOperator(
  model: Model,
  theta: Params,
  data: Dataset,
  options: HessianOptions = {},
): LinearOperator {
  checkCompatible(model, theta, data);
  const step = options.step ?? 1e-4;
  checkPositiveFinite("step", step);
  const batch = options.batch ?? allIndices(data.n);
  if (batch.length === 0)
    throw new BatchlabArgumentError("batch", batch, "a non-empty list of example indices");
  const p = model.size;
  const center = Float64Array.from(theta);
  const shifted = new Float64Array(p);
  const gPlus = new Float64Array(p);
  const gMinus = new Float64Array(p);
  const exact = options.exact;
  if (exact) {
    return {
      size: p,
      apply(v, out = new Float64Array(p)) {
        checkLength("out", out, p);
        exact(center, data, batch, v, out);
        return out;
      },
    };
  }
  return {
    size: p,
    apply(v, out = new Float64Array(p)) {
      checkLength("v", v, p);
      checkLength("out", out, p);
      let norm = 0;
      for (let j = 0; j < p; j++) norm += v[j] * v[j];
      norm = Math.sqrt(norm);
      if (norm === 0) return out.fill(0);
      if (!Number.isFinite(norm))
        throw new BatchlabArgumentError("v", v, "a vector of finite numbers");
      // Step h along v/|v|, i.e. t = h/|v| along v: the perturbation has the same length whatever |v| is.
      const t = step / norm;
      for (let j = 0; j < p; j++) shifted[j] = center[j] + t * v[j];
      meanGradient(model, shifted, data, batch, gPlus);
      for (let j = 0; j < p; j++) shifted[j] = center[j] - t * v[j];
      meanGradient(model, shifted, data, batch, gMinus);
      for (let j = 0; j < p; j++) out[j] = (gPlus[j] - gMinus[j]) / (2 * t);
      return out;
    },
  };
}

/** H·v for the mean loss over `batch` at θ (one-off; build a hessianOperator to apply it many times). */
export function hessianVectorProduct(
  model: Model,
  theta: Params,
  data: Dataset,
  v: ArrayLike<number>,
  options: HessianOptions = {},
): Float64Array {
  return hessianOperator(model, theta, data, options).apply(v);
}

/** An explicit symmetric p × p matrix (row-major) as an operator. */
export function matrixOperator(matrix: ArrayLike<number>, size: number): LinearOperator {
  checkLength("matrix", matrix, size * size);
  return {
    size,
    apply(v, out = new Float64Array(size)) {
      checkLength("v", v, size);
      for (let r = 0; r < size; r++) {
        let s = 0;
        for (let c = 0; c < size; c++) s += matrix[r * size + c] * v[c];
        out[r] = s;
      }
      return out;
    },
  };
}

/**
 * The operator written out as a dense row-major matrix, column by column (p applications), then
 * symmetrised. Only for small p: this is what tests compare closed forms against.
 */
export function denseMatrix(op: LinearOperator): Float64Array {
  const p = op.size;
  const A = new Float64Array(p * p);
  const e = new Float64Array(p);
  const column = new Float64Array(p);
  for (let c = 0; c < p; c++) {
    e.fill(0);
    e[c] = 1;
    op.apply(e, column);
    for (let r = 0; r < p; r++) A[r * p + c] = column[r];
  }
  for (let r = 0; r < p; r++) {
    for (let c = r + 1; c < p; c++) {
      const s = 0.5 * (A[r * p + c] + A[c * p + r]);
      A[r * p + c] = s;
      A[c * p + r] = s;
    }
  }
  return A;
}

/**
 * The exact Hessian of logistic regression's mean cross-entropy, laid out like
 * logisticRegression's θ (weights, then the bias): H = (1/|B|)·Σᵢ σᵢ(1 − σᵢ)·x̃ᵢx̃ᵢᵀ with
 * x̃ᵢ = (xᵢ, 1) when there is a bias. It does not depend on the labels.
 */
export function logisticRegressionHessian(
  theta: Params,
  data: Dataset,
  options: { bias?: boolean; batch?: ArrayLike<number> } = {},
): Float64Array {
  const bias = options.bias ?? true;
  const { d, x } = data;
  const p = d + (bias ? 1 : 0);
  checkLength("theta", theta, p);
  const batch = options.batch ?? allIndices(data.n);
  if (batch.length === 0)
    throw new BatchlabArgumentError("batch", batch, "a non-empty list of example indices");
  const H = new Float64Array(p * p);
  const xi = new Float64Array(p);
  for (let k = 0; k < batch.length; k++) {
    const i = batch[k];
    let z = bias ? theta[d] : 0;
    for (let j = 0; j < d; j++) {
      xi[j] = x[i * d + j];
      z += theta[j] * xi[j];
    }
    if (bias) xi[d] = 1;
    const s = sigmoid(z);
    const w = (s * (1 - s)) / batch.length;
    for (let r = 0; r < p; r++) for (let c = 0; c < p; c++) H[r * p + c] += w * xi[r] * xi[c];
  }
  return H;
}
