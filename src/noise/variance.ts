// Measuring what batch size does to the gradient: draw many batches of m examples, average their
// per-example gradients, and look at how far the batch mean ĝₘ lands from the full-batch G.
// Working from the precomputed N × p gradient matrix makes a draw cost m·p additions and no model
// evaluation, so tens of thousands of batches per m are affordable on the synthetic problems.

import { rng, type Rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkAllFinite,
  checkObject,
  checkPositiveInteger,
} from "../util/validate";
import { matrixNoise, predictedVariance, type GradientMatrix } from "./statistics";

/** "with": m independent uniform draws (the i.i.d. model of the theory); "without": m distinct examples. */
export type Replacement = "with" | "without";

export interface DrawOptions {
  replacement: Replacement;
  seed?: number;
}

/** Draws index sets of size m from 0..n−1; "without" uses a partial Fisher–Yates shuffle, O(m) per draw. */
export function batchDrawer(
  n: number,
  m: number,
  replacement: Replacement,
  random: Rng,
): () => Int32Array {
  checkPositiveInteger("n", n);
  checkPositiveInteger("m", m);
  const batch = new Int32Array(m);
  // random.next() rather than random.int(): skipping the argument check per index saves a quarter
  // of the time of the tens of millions of draws a variance curve takes.
  if (replacement === "with") {
    return () => {
      for (let k = 0; k < m; k++) batch[k] = Math.floor(random.next() * n);
      return batch;
    };
  }
  if (replacement !== "without")
    throw new BatchlabArgumentError("replacement", replacement, `"with" or "without"`);
  if (m > n) throw new BatchlabArgumentError("m", m, `at most n = ${n} without replacement`);
  // Any arrangement of `pool` is as good as a fresh one: the first m slots after a partial
  // Fisher–Yates pass are a uniform random m-subset whatever order the pool started in.
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  return () => {
    for (let k = 0; k < m; k++) {
      const j = k + Math.floor(random.next() * (n - k));
      const t = pool[k];
      pool[k] = pool[j];
      pool[j] = t;
      batch[k] = pool[k];
    }
    return batch;
  };
}

/**
 * Draw `draws` batches of m rows and call visit(ĝ, draw) with each batch mean ĝ (a reused buffer:
 * copy it to keep it).
 */
export function forEachBatchMean(
  matrix: GradientMatrix,
  m: number,
  draws: number,
  options: DrawOptions,
  visit: (batchMean: Float64Array, draw: number) => void,
): void {
  checkPositiveInteger("draws", draws);
  const { n, p, g } = matrix;
  const next = batchDrawer(n, m, options.replacement, rng(options.seed ?? 0));
  const mean = new Float64Array(p);
  for (let r = 0; r < draws; r++) {
    const batch = next();
    mean.fill(0);
    for (let k = 0; k < m; k++) {
      const o = batch[k] * p;
      for (let j = 0; j < p; j++) mean[j] += g[o + j];
    }
    for (let j = 0; j < p; j++) mean[j] /= m;
    visit(mean, r);
  }
}

export interface VarianceRow {
  m: number;
  replacement: Replacement;
  draws: number;
  /** Measured mean of |ĝₘ − G|² over the draws. */
  variance: number;
  /** Standard error of that mean, from the spread of the draws. */
  standardError: number;
  /** Theory: tr Σ / m, times (N − m)/(N − 1) without replacement. */
  predicted: number;
  /** variance / predicted (NaN where predicted is 0). */
  ratio: number;
}

export interface VarianceOptions {
  batchSizes: readonly number[];
  /**
   * Batches drawn per batch size, or a rule m ↦ draws. The relative standard error is about
   * √(2/draws) for Gaussian-like noise and larger for heavy-tailed gradients at small m, while a
   * draw costs m·p: drawsForBudget spends the same work on every m.
   */
  draws: number | ((m: number) => number);
  replacement: Replacement;
  seed?: number;
}

/** Measured and predicted total variance of the batch-mean gradient for each m, one row per m. */
export function measureBatchVariance(
  matrix: GradientMatrix,
  options: VarianceOptions,
): VarianceRow[] {
  checkObject("matrix", matrix, "a GradientMatrix (from gradientMatrix(model, θ, data))");
  checkObject("options", options, "an object such as { batchSizes, draws, replacement }");
  const { traceCov, meanGradient: G } = matrixNoise(matrix);
  const { replacement } = options;
  const seed = options.seed ?? 0;
  return options.batchSizes.map((m, index) => {
    checkPositiveInteger(`batchSizes[${index}]`, m);
    const draws = typeof options.draws === "function" ? options.draws(m) : options.draws;
    checkPositiveInteger(`draws for m = ${m}`, draws);
    let sum = 0;
    let sumSq = 0;
    forEachBatchMean(matrix, m, draws, { replacement, seed: seed + 7919 * index }, (ghat) => {
      let d2 = 0;
      for (let j = 0; j < ghat.length; j++) {
        const c = ghat[j] - G[j];
        d2 += c * c;
      }
      sum += d2;
      sumSq += d2 * d2;
    });
    const variance = sum / draws;
    const spread =
      draws > 1 ? Math.max(0, (sumSq - draws * variance * variance) / (draws - 1)) : NaN;
    const predicted = predictedVariance(
      traceCov,
      m,
      replacement === "without" ? matrix.n : undefined,
    );
    return {
      m,
      replacement,
      draws,
      variance,
      standardError: Math.sqrt(spread / draws),
      predicted,
      ratio: predicted === 0 ? NaN : variance / predicted,
    };
  });
}

/**
 * The batch-mean gradients' projections ĝ·u on a direction u (unit length is the caller's choice),
 * one value per draw: the one-number view of how a batch gradient scatters.
 */
export function projectedBatchGradients(
  matrix: GradientMatrix,
  m: number,
  draws: number,
  direction: ArrayLike<number>,
  options: DrawOptions,
): Float64Array {
  if (direction.length !== matrix.p)
    throw new BatchlabArgumentError("direction.length", direction.length, `p = ${matrix.p}`);
  checkAllFinite("direction", direction);
  const out = new Float64Array(draws);
  forEachBatchMean(matrix, m, draws, options, (ghat, r) => {
    let s = 0;
    for (let j = 0; j < ghat.length; j++) s += ghat[j] * direction[j];
    out[r] = s;
  });
  return out;
}

/**
 * A draws rule for measureBatchVariance: about `examples` examples summed per batch size (so every
 * m costs the same), but never fewer than `min` or more than `max` draws.
 */
export function drawsForBudget(
  examples: number,
  min: number,
  max = Infinity,
): (m: number) => number {
  checkPositiveInteger("examples", examples);
  checkPositiveInteger("min", min);
  return (m: number) => Math.min(max, Math.max(min, Math.floor(examples / m)));
}

/** Least-squares fit of log y = slope·log x + intercept (natural logs): y ≈ e^intercept · x^slope. */
export function fitPowerLaw(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
): { slope: number; intercept: number } {
  if (x.length !== y.length)
    throw new BatchlabArgumentError("y.length", y.length, `x.length = ${x.length}`);
  if (x.length < 2) throw new BatchlabArgumentError("x.length", x.length, "at least 2 points");
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] > 0) || !(y[i] > 0))
      throw new BatchlabArgumentError(
        `point ${i}`,
        `(${x[i]}, ${y[i]})`,
        "positive in both coordinates",
      );
    const lx = Math.log(x[i]);
    const ly = Math.log(y[i]);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  const k = x.length;
  const denom = k * sxx - sx * sx;
  if (denom === 0) throw new BatchlabArgumentError("x", x, "at least two distinct values");
  const slope = (k * sxy - sx * sy) / denom;
  return { slope, intercept: (sy - slope * sx) / k };
}
