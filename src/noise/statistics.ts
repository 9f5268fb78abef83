// Gradient noise at a fixed θ. Over a dataset of N examples with per-example gradients gᵢ:
//
//     G = ḡ = (1/N)·Σᵢ gᵢ                   the full-batch gradient (the "signal")
//     Σ = (1/N)·Σᵢ (gᵢ − ḡ)(gᵢ − ḡ)ᵀ        their covariance, population normalisation
//     tr Σ = (1/N)·Σᵢ |gᵢ − ḡ|²              the total variance of one example's gradient
//
// 1/N and not 1/(N−1): the data set is the whole population a batch is drawn from, and with that
// normalisation a batch of m drawn with replacement has E|ĝₘ − G|² = tr Σ / m exactly.
// tr Σ is computed from the centred gradients (two passes) rather than as mean|gᵢ|² − |G|²,
// which loses every significant digit when the signal dominates the noise (early in training).

import type { Dataset } from "../data/dataset";
import { allIndicesOf } from "../data/dataset";
import {
  checkCompatible,
  meanGradient,
  perExampleGradients,
  type Model,
  type Params,
} from "../models/model";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";

export interface GradientNoise {
  /** G, the mean gradient over the examples. */
  meanGradient: Float64Array;
  /** |G|². */
  gradNormSq: number;
  /** tr Σ with 1/N normalisation. */
  traceCov: number;
  /** B_simple = tr Σ / |G|² (McCandlish et al. 2018); Infinity where G = 0. */
  bSimple: number;
}

/** The per-example gradients of N examples: row i of the N × p row-major matrix g is ∇L(θ; xᵢ, yᵢ). */
export interface GradientMatrix {
  readonly n: number;
  readonly p: number;
  readonly g: Float64Array;
}

/**
 * Exact gradient noise at θ over all examples of `data` (or the given subset), streaming over the
 * examples so that it never holds the N × p matrix: fine for MNIST-sized problems.
 */
export function gradientNoise(
  model: Model,
  theta: Params,
  data: Dataset,
  examples: ArrayLike<number> = allIndicesOf(data),
): GradientNoise {
  checkCompatible(model, theta, data);
  const mean = meanGradient(model, theta, data, examples);
  const p = model.size;
  const gi = new Float64Array(p);
  let sumSq = 0;
  for (let k = 0; k < examples.length; k++) {
    model.exampleGradient(theta, data, examples[k], gi);
    for (let j = 0; j < p; j++) {
      const c = gi[j] - mean[j];
      sumSq += c * c;
    }
  }
  return noiseFrom(mean, sumSq / examples.length);
}

/** The matrix of per-example gradients at θ (rows follow `examples`, all of data by default). */
export function gradientMatrix(
  model: Model,
  theta: Params,
  data: Dataset,
  examples: ArrayLike<number> = allIndicesOf(data),
): GradientMatrix {
  return {
    n: examples.length,
    p: model.size,
    g: perExampleGradients(model, theta, data, examples),
  };
}

/** Wrap a flat row-major N × p array as a GradientMatrix, checking its shape. */
export function asGradientMatrix(g: Float64Array, p: number): GradientMatrix {
  checkPositiveInteger("p", p);
  if (g.length === 0 || g.length % p !== 0)
    throw new BatchlabArgumentError("g.length", g.length, `a positive multiple of p = ${p}`);
  return { n: g.length / p, p, g };
}

/** Mean gradient G over the rows. */
export function matrixMean(matrix: GradientMatrix): Float64Array {
  const { n, p, g } = matrix;
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += g[i * p + j];
  for (let j = 0; j < p; j++) mean[j] /= n;
  return mean;
}

/** The same statistics as gradientNoise, from a per-example gradient matrix. */
export function matrixNoise(matrix: GradientMatrix): GradientNoise {
  const { n, p, g } = matrix;
  const mean = matrixMean(matrix);
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) {
      const c = g[i * p + j] - mean[j];
      sumSq += c * c;
    }
  }
  return noiseFrom(mean, sumSq / n);
}

function noiseFrom(mean: Float64Array, traceCov: number): GradientNoise {
  let gradNormSq = 0;
  for (let j = 0; j < mean.length; j++) gradNormSq += mean[j] * mean[j];
  return {
    meanGradient: mean,
    gradNormSq,
    traceCov,
    bSimple: simpleNoiseScale(traceCov, gradNormSq),
  };
}

/** B_simple = tr Σ / |G|²: the batch size at which the noise in a batch gradient equals the signal. */
export function simpleNoiseScale(traceCov: number, gradNormSq: number): number {
  if (!(traceCov >= 0)) throw new BatchlabArgumentError("traceCov", traceCov, "a number ≥ 0");
  if (!(gradNormSq >= 0)) throw new BatchlabArgumentError("gradNormSq", gradNormSq, "a number ≥ 0");
  if (gradNormSq === 0) return traceCov === 0 ? 0 : Infinity;
  return traceCov / gradNormSq;
}

/**
 * Signal-to-noise ratio of a batch-of-m gradient, |G|² / (tr Σ / m): above 1 the batch gradient
 * points mostly where G points. It equals m / B_simple, so it crosses 1 at m = B_simple.
 * With `n` given, batches are drawn without replacement from n examples and the noise shrinks by
 * (n − m)/(n − 1), reaching zero (SNR = ∞) at m = n.
 */
export function signalToNoise(
  noise: Pick<GradientNoise, "gradNormSq" | "traceCov">,
  m: number,
  n?: number,
): number {
  const variance = predictedVariance(noise.traceCov, m, n);
  if (variance === 0) return Infinity;
  return noise.gradNormSq / variance;
}

/**
 * E|ĝₘ − G|², the total variance of the mean of m per-example gradients:
 * tr Σ / m with replacement (n undefined), tr Σ / m · (n − m)/(n − 1) without replacement from n.
 */
export function predictedVariance(traceCov: number, m: number, n?: number): number {
  if (!(traceCov >= 0)) throw new BatchlabArgumentError("traceCov", traceCov, "a number ≥ 0");
  checkPositiveFinite("m", m);
  if (n === undefined) return traceCov / m;
  checkPositiveInteger("n", n);
  if (m > n) throw new BatchlabArgumentError("m", m, `at most n = ${n} without replacement`);
  if (n === 1) return 0;
  return (traceCov / m) * ((n - m) / (n - 1));
}
