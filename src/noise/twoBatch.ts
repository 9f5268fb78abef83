// Estimating B_simple without per-example gradients, the way McCandlish et al. (2018, App. A.1) do
// it in a data-parallel run: compare the squared norms of a small-batch and a big-batch gradient.
// For batches drawn with replacement, E|ĝ_B|² = |G|² + tr Σ / B, two equations in two unknowns:
//
//     |G|² ≈ (B_big·|G_big|² − B_small·|G_small|²) / (B_big − B_small)
//     tr Σ ≈ (|G_small|² − |G_big|²) / (1/B_small − 1/B_big)
//
// Each single estimate is unbiased but very noisy (the |G|² one is often negative near a minimum),
// so the two are averaged separately over many batches and only then divided: the mean of the
// ratios is a biased, heavy-tailed estimate of B_simple.

import type { Dataset } from "../data/dataset";
import { checkCompatible, meanGradient, meanLoss, type Model, type Params } from "../models/model";
import { applyMeanGradient } from "../update/sgd";
import { rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkFinite,
  checkObject,
  checkInRange,
  checkNonNegativeInteger,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import { gradientNoise, simpleNoiseScale } from "./statistics";
import { batchDrawer, type Replacement } from "./variance";

export interface TwoBatchSizes {
  bSmall: number;
  bBig: number;
}

export interface NoiseEstimate {
  gradNormSq: number;
  traceCov: number;
}

function checkSizes(sizes: TwoBatchSizes): void {
  checkObject("sizes", sizes, "an object { bSmall, bBig }");
  const { bSmall, bBig } = sizes;
  checkPositiveInteger("bSmall", bSmall);
  checkPositiveInteger("bBig", bBig);
  if (bBig <= bSmall)
    throw new BatchlabArgumentError("bBig", bBig, `larger than bSmall = ${bSmall}`);
}

/** The two-batch estimates of |G|² and tr Σ from one pair (or from averages) of squared norms. */
export function twoBatchEstimate(
  sizes: TwoBatchSizes,
  normSqSmall: number,
  normSqBig: number,
): NoiseEstimate {
  checkSizes(sizes);
  checkFinite("normSqSmall", normSqSmall);
  checkFinite("normSqBig", normSqBig);
  const { bSmall, bBig } = sizes;
  return {
    gradNormSq: (bBig * normSqBig - bSmall * normSqSmall) / (bBig - bSmall),
    traceCov: (normSqSmall - normSqBig) / (1 / bSmall - 1 / bBig),
  };
}

/**
 * Undo the bias of the two-batch estimates when the batches were drawn without replacement from n
 * examples: then E|ĝ_B|² = |G|² + tr Σ/B·(n − B)/(n − 1), so the estimates' expectations are
 * n/(n−1)·tr Σ and |G|² − tr Σ/(n−1).
 */
export function withoutReplacementCorrection(estimate: NoiseEstimate, n: number): NoiseEstimate {
  checkObject("estimate", estimate, "an estimate { gradNormSq, traceCov }");
  checkPositiveInteger("n", n);
  if (n < 2) throw new BatchlabArgumentError("n", n, "at least 2");
  const traceCov = (estimate.traceCov * (n - 1)) / n;
  return { traceCov, gradNormSq: estimate.gradNormSq + traceCov / (n - 1) };
}

export interface NoiseScaleEstimatorOptions extends TwoBatchSizes {
  /**
   * Weight of the past in an exponential moving average, in [0, 1): 0.99 averages over roughly the
   * last 100 pairs, which lets the estimate follow θ during training. Undefined: plain running mean.
   */
  decay?: number;
  /** Population size when batches are drawn without replacement (applies the correction above). */
  n?: number;
}

/** Averages |G|² and tr Σ estimates separately, pair by pair, and divides only when asked. */
export class NoiseScaleEstimator {
  private g = 0;
  private s = 0;
  private weight = 0;
  private pairs = 0;

  constructor(private readonly options: NoiseScaleEstimatorOptions) {
    checkSizes(options);
    if (options.decay !== undefined) checkInRange("decay", options.decay, 0, 0.999999);
    if (options.n !== undefined) {
      checkPositiveInteger("n", options.n);
      if (options.n < options.bBig)
        throw new BatchlabArgumentError("n", options.n, `at least bBig = ${options.bBig}`);
    }
  }

  /** Add one pair of squared norms |G_small|², |G_big|². */
  add(normSqSmall: number, normSqBig: number): this {
    const e = twoBatchEstimate(this.options, normSqSmall, normSqBig);
    const decay = this.options.decay;
    // Both averages are debiased like Adam's moments: dividing by the total weight makes the first
    // pairs count fully instead of being pulled towards the zero start.
    const keep = decay === undefined ? 1 : decay;
    this.g = keep * this.g + e.gradNormSq;
    this.s = keep * this.s + e.traceCov;
    this.weight = keep * this.weight + 1;
    this.pairs++;
    return this;
  }

  get count(): number {
    return this.pairs;
  }

  /** The averaged estimates (with the without-replacement correction when n was given). */
  get estimate(): NoiseEstimate {
    if (this.pairs === 0) return { gradNormSq: NaN, traceCov: NaN };
    const raw = { gradNormSq: this.g / this.weight, traceCov: this.s / this.weight };
    return this.options.n === undefined ? raw : withoutReplacementCorrection(raw, this.options.n);
  }

  /** tr Σ / |G|² of the averages; NaN while the averaged |G|² is not positive. */
  get bSimple(): number {
    const { gradNormSq, traceCov } = this.estimate;
    return gradNormSq > 0 && traceCov >= 0 ? simpleNoiseScale(traceCov, gradNormSq) : NaN;
  }
}

export interface TwoBatchOptions extends TwoBatchSizes {
  /** Number of (small, big) pairs to average. */
  draws: number;
  replacement: Replacement;
  seed?: number;
}

export interface TwoBatchResult extends NoiseEstimate {
  bSimple: number;
  /** Mean over the draws of |G_small|² and |G_big|². */
  meanNormSqSmall: number;
  meanNormSqBig: number;
  /** The single-pair estimates, one per draw, to show how noisy one pair is. */
  gradNormSqDraws: Float64Array;
  traceCovDraws: Float64Array;
}

/**
 * Estimate |G|², tr Σ and B_simple at θ from `draws` nested pairs: a big batch of bBig examples
 * and, inside it, its first bSmall examples as the small batch, as one worker's share of a
 * data-parallel batch would be. Batches without replacement get the finite-population correction.
 */
export function estimateNoiseScale(
  model: Model,
  theta: Params,
  data: Dataset,
  options: TwoBatchOptions,
): TwoBatchResult {
  checkSizes(options);
  checkCompatible(model, theta, data);
  const { bSmall, bBig, draws, replacement } = options;
  checkPositiveInteger("draws", draws);
  if (replacement === "without" && bBig > data.n) {
    throw new BatchlabArgumentError(
      "bBig",
      bBig,
      `at most the number of examples n = ${data.n} when batches are drawn without replacement`,
    );
  }
  const next = batchDrawer(data.n, bBig, replacement, rng(options.seed ?? 0));
  const gSmall = new Float64Array(model.size);
  const gBig = new Float64Array(model.size);
  const gradNormSqDraws = new Float64Array(draws);
  const traceCovDraws = new Float64Array(draws);
  let sumSmall = 0;
  let sumBig = 0;
  for (let r = 0; r < draws; r++) {
    const batch = next();
    meanGradient(model, theta, data, batch.subarray(0, bSmall), gSmall);
    meanGradient(model, theta, data, batch, gBig);
    const small = normSq(gSmall);
    const big = normSq(gBig);
    sumSmall += small;
    sumBig += big;
    const e = twoBatchEstimate(options, small, big);
    gradNormSqDraws[r] = e.gradNormSq;
    traceCovDraws[r] = e.traceCov;
  }
  const meanNormSqSmall = sumSmall / draws;
  const meanNormSqBig = sumBig / draws;
  let est = twoBatchEstimate(options, meanNormSqSmall, meanNormSqBig);
  if (replacement === "without") est = withoutReplacementCorrection(est, data.n);
  const bSimple =
    est.gradNormSq > 0 && est.traceCov >= 0 ? simpleNoiseScale(est.traceCov, est.gradNormSq) : NaN;
  return { ...est, bSimple, meanNormSqSmall, meanNormSqBig, gradNormSqDraws, traceCovDraws };
}

/**
 * Standard error of estimateNoiseScale's B_simple, from the spread of its own single-pair draws:
 * B is a ratio of two means, T̄/Ḡ, of paired draws, so by the delta method its variance is
 * Var(Tᵢ − B·Gᵢ)/(n·Ḡ²). Scaled to the (corrected) B the result reports. NaN with fewer than 2 draws
 * or a non-positive mean |G|² estimate, where B itself is undefined.
 */
export function bSimpleStandardError(
  result: Pick<TwoBatchResult, "bSimple" | "gradNormSqDraws" | "traceCovDraws">,
): number {
  const { gradNormSqDraws: g, traceCovDraws: t } = result;
  if (g.length !== t.length)
    throw new BatchlabArgumentError(
      "traceCovDraws",
      t.length,
      `as many draws as gradNormSqDraws (${g.length})`,
    );
  const n = g.length;
  if (n < 2) return NaN;
  let sumG = 0;
  let sumT = 0;
  for (let i = 0; i < n; i++) {
    sumG += g[i];
    sumT += t[i];
  }
  if (!(sumG > 0)) return NaN;
  const ratio = sumT / sumG;
  const meanResidual = (sumT - ratio * sumG) / n; // 0 up to rounding
  let spread = 0;
  for (let i = 0; i < n; i++) spread += (t[i] - ratio * g[i] - meanResidual) ** 2;
  const relative = Math.sqrt(spread / (n - 1) / n) / (sumT / n);
  return relative * Math.abs(result.bSimple);
}

export interface NoiseTrackingOptions extends TwoBatchSizes {
  /** η of the SGD run; the training batch is the big batch. */
  lr: number;
  steps: number;
  /** Record (and compute the exact B_simple) every this many steps; step 0 and the last are always recorded. */
  recordEvery: number;
  /** EMA weight of the past for the online estimate (default 0.95). */
  decay?: number;
  seed?: number;
  /** Start here instead of model.init(rng(seed)). */
  init?: Params;
}

export interface NoiseTrackingRow {
  step: number;
  trainLoss: number;
  exactGradNormSq: number;
  exactTraceCov: number;
  exactBSimple: number;
  /** The online two-batch estimates (moving averages), NaN before the first step. */
  estGradNormSq: number;
  estTraceCov: number;
  estBSimple: number;
}

/**
 * Minibatch SGD (batches of bBig drawn with replacement) that, at no extra gradient cost, feeds
 * the two-batch estimator with each step's big-batch gradient and the gradient of its first bSmall
 * examples, and records the exact statistics alongside every `recordEvery` steps.
 */
export function trackNoiseScale(
  model: Model,
  data: Dataset,
  options: NoiseTrackingOptions,
): { theta: Params; rows: NoiseTrackingRow[] } {
  checkSizes(options);
  checkPositiveFinite("lr", options.lr);
  checkNonNegativeInteger("steps", options.steps);
  checkPositiveInteger("recordEvery", options.recordEvery);
  const { bSmall, bBig, lr, steps, recordEvery } = options;
  const random = rng(options.seed ?? 0);
  const theta = options.init ? Float64Array.from(options.init) : model.init(random.fork());
  checkCompatible(model, theta, data);
  const next = batchDrawer(data.n, bBig, "with", random.fork());
  const estimator = new NoiseScaleEstimator({ bSmall, bBig, decay: options.decay ?? 0.95 });
  const gSmall = new Float64Array(model.size);
  const gBig = new Float64Array(model.size);
  const rows: NoiseTrackingRow[] = [];
  const record = (step: number): void => {
    const exact = gradientNoise(model, theta, data);
    const est = estimator.estimate;
    rows.push({
      step,
      trainLoss: meanLoss(model, theta, data),
      exactGradNormSq: exact.gradNormSq,
      exactTraceCov: exact.traceCov,
      exactBSimple: exact.bSimple,
      estGradNormSq: est.gradNormSq,
      estTraceCov: est.traceCov,
      estBSimple: estimator.bSimple,
    });
  };
  record(0);
  for (let step = 1; step <= steps; step++) {
    const batch = next();
    meanGradient(model, theta, data, batch.subarray(0, bSmall), gSmall);
    meanGradient(model, theta, data, batch, gBig);
    estimator.add(normSq(gSmall), normSq(gBig));
    applyMeanGradient(theta, gBig, lr);
    if (step % recordEvery === 0 || step === steps) record(step);
  }
  return { theta, rows };
}

function normSq(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  return s;
}
