// The largest eigenvalue of a Hessian ("the sharpness" in most papers since Keskar et al. 2017) by
// power iteration: repeat v ← H·v/|H·v|. Only products H·v are needed, and the Rayleigh quotient
// vᵀHv converges to the eigenvalue of largest magnitude at rate |λ₂/λ₁| per step. At a minimum
// the Hessian is positive semi-definite, so that eigenvalue is the largest one; elsewhere a large
// negative eigenvalue could win, which the sign of the result shows.
//
// symmetricEigenvalues (cyclic Jacobi) gives every eigenvalue of a small dense matrix: the exact
// answer tests compare power iteration against.

import { rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkLength,
  checkNonNegativeInteger,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import type { LinearOperator } from "./hessian";

export interface PowerIterationOptions {
  /** At most this many products (default 100). */
  maxIterations?: number;
  /** Stop when the estimate changes by at most this fraction between iterations (default 1e-4). */
  tolerance?: number;
  /** Seed of the random start vector (default 0). */
  seed?: number;
  /** Start here instead (e.g. the previous solution's eigenvector, to converge in fewer steps). */
  start?: ArrayLike<number>;
}

export interface PowerIterationResult {
  /** The eigenvalue estimate vᵀAv with |v| = 1. */
  value: number;
  /** Its unit eigenvector estimate. */
  vector: Float64Array;
  /** Products A·v computed. */
  iterations: number;
  /** Whether the tolerance was met before maxIterations. */
  converged: boolean;
  /** |A·v − value·v| / |value|: how far v is from an exact eigenvector (0 for an exact one). */
  residual: number;
  /** The estimate after every iteration, for convergence plots. */
  history: number[];
}

function normalize(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const norm = Math.sqrt(s);
  if (norm > 0) for (let j = 0; j < v.length; j++) v[j] /= norm;
  return norm;
}

/** The eigenvalue of largest magnitude of a symmetric operator, and its eigenvector. */
export function powerIteration(
  op: LinearOperator,
  options: PowerIterationOptions = {},
): PowerIterationResult {
  const maxIterations = options.maxIterations ?? 100;
  checkPositiveInteger("maxIterations", maxIterations);
  const tolerance = options.tolerance ?? 1e-4;
  checkPositiveFinite("tolerance", tolerance);
  const p = op.size;
  const v = new Float64Array(p);
  if (options.start) {
    checkLength("start", options.start, p);
    v.set(options.start);
  } else {
    const random = rng(options.seed ?? 0);
    for (let j = 0; j < p; j++) v[j] = random.normal();
  }
  if (normalize(v) === 0)
    throw new BatchlabArgumentError("start", options.start, "a non-zero vector");

  const w = new Float64Array(p);
  const history: number[] = [];
  let value = NaN;
  let converged = false;
  let residual = NaN;
  let iterations = 0;
  while (iterations < maxIterations) {
    op.apply(v, w);
    iterations++;
    let rayleigh = 0;
    for (let j = 0; j < p; j++) rayleigh += v[j] * w[j];
    let r = 0;
    for (let j = 0; j < p; j++) r += (w[j] - rayleigh * v[j]) ** 2;
    residual = rayleigh === 0 ? Infinity : Math.sqrt(r) / Math.abs(rayleigh);
    const previous = value;
    value = rayleigh;
    history.push(value);
    if (!Number.isFinite(value)) break;
    if (normalize(w) === 0) {
      // A·v = 0: v lies in the null space; 0 is then an eigenvalue, and the largest only if A = 0.
      residual = 0;
      break;
    }
    v.set(w);
    if (Math.abs(value - previous) <= tolerance * Math.abs(value)) {
      converged = true;
      break;
    }
  }
  return { value, vector: v, iterations, converged, residual, history };
}

/**
 * All eigenvalues of a small symmetric row-major matrix, largest first, by cyclic Jacobi rotations
 * (accurate to rounding; O(p³) per sweep, so keep p below a few hundred).
 */
export function symmetricEigenvalues(
  matrix: ArrayLike<number>,
  size: number,
  options: { maxSweeps?: number } = {},
): Float64Array {
  checkPositiveInteger("size", size);
  checkLength("matrix", matrix, size * size);
  const maxSweeps = options.maxSweeps ?? 60;
  checkNonNegativeInteger("maxSweeps", maxSweeps);
  const n = size;
  const A = Float64Array.from(matrix);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < r; c++) {
      const a = A[r * n + c];
      const b = A[c * n + r];
      if (Math.abs(a - b) > 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))) {
        throw new BatchlabArgumentError(
          `matrix[${r}][${c}]`,
          a,
          `equal to matrix[${c}][${r}] = ${b} (a symmetric matrix)`,
        );
      }
    }
  }
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let r = 0; r < n; r++) {
      diag += A[r * n + r] ** 2;
      for (let c = r + 1; c < n; c++) off += A[r * n + c] ** 2;
    }
    if (off <= 1e-30 * Math.max(diag, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = A[p * n + q];
        if (apq === 0) continue;
        // The rotation angle that zeroes A[p][q] (Golub & Van Loan, Alg. 8.5.1), in its stable form.
        const theta = (A[q * n + q] - A[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = A[k * n + p];
          const akq = A[k * n + q];
          A[k * n + p] = c * akp - s * akq;
          A[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = A[p * n + k];
          const aqk = A[q * n + k];
          A[p * n + k] = c * apk - s * aqk;
          A[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let r = 0; r < n; r++) values[r] = A[r * n + r];
  return values.sort().reverse();
}
