// The minimum L* of the training loss, to high precision, for the two convex models whose
// steps-to-target this chapter measures. A target "L* + δ" only means the same thing at every
// batch size if L* itself is known far more precisely than δ.

import type { Dataset } from "../data/dataset";
import { linearRegression } from "../models/linear";
import { logisticRegression } from "../models/logistic";
import { meanLoss, type Params } from "../models/model";
import { leastSquares, solve } from "../util/linalg";
import { BatchlabArgumentError } from "../util/validate";

export interface Optimum {
  theta: Params;
  /** L(θ*), the mean training loss at the minimum. */
  loss: number;
  /** |∇L(θ*)|, a certificate of how close θ* is to the minimum. */
  gradNorm: number;
  iterations: number;
}

/**
 * Minimum of the mean logistic loss of `logisticRegression(d, { bias })` on `data`, by Newton's
 * method with a backtracking line search: a handful of iterations reach |∇L| < 1e-10, which
 * gradient descent would need thousands of steps for on an ill-conditioned problem.
 */
export function logisticOptimum(
  data: Dataset,
  options: { bias?: boolean; maxIterations?: number } = {},
): Optimum {
  const bias = options.bias ?? true;
  const { n, d, x, y } = data;
  for (let i = 0; i < n; i++) {
    if (y[i] !== 0 && y[i] !== 1)
      throw new BatchlabArgumentError(`data.y[${i}]`, y[i], "0 or 1 for logistic regression");
  }
  const model = logisticRegression(d, { bias });
  const k = model.size;
  const theta = new Float64Array(k);
  const grad = new Float64Array(k);
  const hess = new Float64Array(k * k);
  const xi = new Float64Array(k);
  let loss = meanLoss(model, theta, data);
  let gradNorm = Infinity;
  let iterations = 0;
  for (; iterations < (options.maxIterations ?? 100); iterations++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      let z = bias ? theta[d] : 0;
      for (let j = 0; j < d; j++) {
        xi[j] = x[i * d + j];
        z += theta[j] * xi[j];
      }
      if (bias) xi[d] = 1;
      const p = 1 / (1 + Math.exp(-z));
      const r = (p - y[i]) / n;
      const w = (p * (1 - p)) / n;
      for (let a = 0; a < k; a++) {
        grad[a] += r * xi[a];
        const wa = w * xi[a];
        for (let c = 0; c <= a; c++) hess[a * k + c] += wa * xi[c];
      }
    }
    for (let a = 0; a < k; a++) for (let c = 0; c < a; c++) hess[c * k + a] = hess[a * k + c];
    gradNorm = Math.sqrt(grad.reduce((s, g) => s + g * g, 0));
    if (gradNorm < 1e-12) break;
    const step = solve(hess, grad);
    // Backtracking: halve the Newton step until the loss decreases (it always does near θ*).
    let t = 1;
    let accepted = false;
    const trial = new Float64Array(k);
    for (let tries = 0; tries < 40; tries++) {
      for (let a = 0; a < k; a++) trial[a] = theta[a] - t * step[a];
      const trialLoss = meanLoss(model, trial, data);
      if (trialLoss <= loss) {
        theta.set(trial);
        loss = trialLoss;
        accepted = true;
        break;
      }
      t /= 2;
    }
    if (!accepted) break; // no decrease is representable: θ is the minimum to machine precision
  }
  if (!Number.isFinite(loss) || gradNorm > 1e-6) {
    // Separable classes have no finite minimum: the weights grow for ever and the loss tends to 0.
    throw new RangeError(
      `logisticOptimum: no minimum found (|∇L| = ${gradNorm.toExponential(2)}); are the classes separable?`,
    );
  }
  return { theta, loss, gradNorm, iterations };
}

/** Minimum of the mean squared loss ½·mean((θᵀx + b − y)²) of `linearRegression(d, { bias })`: least squares. */
export function linearOptimum(data: Dataset, options: { bias?: boolean } = {}): Optimum {
  const bias = options.bias ?? true;
  const model = linearRegression(data.d, { bias });
  const theta = leastSquares(data, { bias });
  const grad = new Float64Array(model.size);
  const g = new Float64Array(model.size);
  for (let i = 0; i < data.n; i++) {
    model.exampleGradient(theta, data, i, g);
    for (let j = 0; j < g.length; j++) grad[j] += g[j] / data.n;
  }
  return {
    theta,
    loss: meanLoss(model, theta, data),
    gradNorm: Math.sqrt(grad.reduce((s, v) => s + v * v, 0)),
    iterations: 1,
  };
}
