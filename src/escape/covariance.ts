// The covariance of one example's gradient at θ, Σ(θ) = (1/N)·Σᵢ (∇ℓᵢ − ∇L)(∇ℓᵢ − ∇L)ᵀ, as a full
// p × p matrix (chapter 2 needed only its trace). On the landscapes of chapter 2b it should equal
// σ²·|H(θ)|: the check that the noise follows the curvature.

import type { Dataset } from "../data/dataset";
import { gradientMatrix, matrixMean } from "../noise/statistics";
import type { Model, Params } from "../models/model";

/** Σ(θ), row-major p × p, population normalisation 1/N. */
export function exampleGradientCovariance(
  model: Model,
  theta: Params,
  data: Dataset,
): Float64Array {
  const matrix = gradientMatrix(model, theta, data);
  const { n, p, g } = matrix;
  const mean = matrixMean(matrix);
  const cov = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) {
      const da = g[i * p + a] - mean[a];
      for (let b = 0; b < p; b++) cov[a * p + b] += (da * (g[i * p + b] - mean[b])) / n;
    }
  }
  return cov;
}
