import { test } from "node:test";
import assert from "node:assert/strict";
import { dataset, gaussianBlobs, linearData, type Dataset } from "../src/data/index";
import { linearRegression, softmaxRegression } from "../src/models/index";
import {
  NoiseScaleEstimator,
  asGradientMatrix,
  bSimpleStandardError,
  batchDrawer,
  drawsForBudget,
  estimateNoiseScale,
  fitPowerLaw,
  gradientMatrix,
  gradientNoise,
  matrixNoise,
  measureBatchVariance,
  predictedVariance,
  projectedBatchGradients,
  signalToNoise,
  simpleNoiseScale,
  trackNoiseScale,
  twoBatchEstimate,
  withoutReplacementCorrection,
} from "../src/noise/index";
import { rng } from "../src/util/rng";
import { logGrid, powersOfTwo, powersOfTwoUpTo } from "../src/util/stats";
import {
  estimatorConvergenceFigure,
  isRoundingZero,
  noiseScaleFigure,
  snrFigure,
  spreadFigure,
  varianceFigure,
} from "../src/plots/noise";

const close = (actual: number, expected: number, rtol: number, what = "") =>
  assert.ok(
    Math.abs(actual - expected) <= rtol * Math.abs(expected),
    `${what} ${actual} vs ${expected} (rtol ${rtol})`,
  );

/**
 * Mean estimation as a model: linear regression on the constant feature x = 1 without intercept
 * has gᵢ = θ − yᵢ, so G = θ − ȳ, tr Σ = the population variance of y and B_simple is in closed form.
 */
function meanProblem(y: number[]): { data: Dataset; model: ReturnType<typeof linearRegression> } {
  return {
    data: dataset(
      y.map(() => [1]),
      y,
    ),
    model: linearRegression(1, { bias: false }),
  };
}

test("gradientNoise matches hand-computed values", () => {
  // gᵢ = θ − yᵢ at θ = 0: −1, −2, −3, −6. G = −3, |G|² = 9, tr Σ = (4 + 1 + 0 + 9)/4 = 3.5.
  const { data, model } = meanProblem([1, 2, 3, 6]);
  const noise = gradientNoise(model, Float64Array.of(0), data);
  assert.deepEqual(Array.from(noise.meanGradient), [-3]);
  assert.equal(noise.gradNormSq, 9);
  assert.equal(noise.traceCov, 3.5);
  assert.equal(noise.bSimple, 3.5 / 9);

  // Two parameters (w, b), x = 0, 1, 2, y = 0, 0, 3, θ = 0: residuals 0, 0, −3, gradients (r·x, r) =
  // (0, 0), (0, 0), (−6, −3). G = (−2, −1), |G|² = 5; centred rows (2, 1), (2, 1), (−4, −2) have
  // squared norms 5, 5, 20, so tr Σ = 10 and B_simple = 2.
  const two = dataset([[0], [1], [2]], [0, 0, 3]);
  const lin = linearRegression(1, { bias: true });
  const n2 = gradientNoise(lin, Float64Array.of(0, 0), two);
  assert.deepEqual(Array.from(n2.meanGradient), [-2, -1]);
  assert.equal(n2.gradNormSq, 5);
  assert.equal(n2.traceCov, 10);
  assert.equal(n2.bSimple, 2);
  // the same from the per-example matrix, and on a subset of the examples
  assert.deepEqual(matrixNoise(gradientMatrix(lin, Float64Array.of(0, 0), two)), n2);
  const sub = gradientNoise(lin, Float64Array.of(0, 0), two, [1, 2]); // rows (0, 0), (−6, −3)
  assert.deepEqual(Array.from(sub.meanGradient), [-3, -1.5]);
  assert.equal(sub.traceCov, 11.25);
});

test("gradientNoise uses 1/N, agrees with the matrix route, and keeps precision when the signal dominates", () => {
  const blobs = gaussianBlobs({ n: 300, classes: 4, d: 6, seed: 3 });
  const model = softmaxRegression(6, 4);
  const random = rng(1);
  const theta = Float64Array.from({ length: model.size }, () => 0.3 * random.normal());
  const streamed = gradientNoise(model, theta, blobs);
  const M = gradientMatrix(model, theta, blobs);
  const fromMatrix = matrixNoise(M);
  close(streamed.traceCov, fromMatrix.traceCov, 1e-12, "tr Σ");
  close(streamed.gradNormSq, fromMatrix.gradNormSq, 1e-12, "|G|²");
  // 1/N by hand, and not 1/(N − 1)
  let s = 0;
  for (let i = 0; i < M.n; i++)
    for (let j = 0; j < M.p; j++) s += (M.g[i * M.p + j] - fromMatrix.meanGradient[j]) ** 2;
  close(streamed.traceCov, s / M.n, 1e-12, "1/N");

  // Gradients 1e8 ± 1: the one-pass formula mean|g|² − |G|² would lose every digit; two passes give 1.
  const big = meanProblem([1e8 + 1, 1e8 - 1, 1e8 + 1, 1e8 - 1]);
  assert.equal(gradientNoise(big.model, Float64Array.of(0), big.data).traceCov, 1);
});

test("on x ~ N(0, I) linear regression, tr Σ and |G|² match their closed forms", () => {
  // At θ = w* + δ with y = xᵀw* + σε: G = E[x xᵀ]δ = δ and E|g|² = (d + 2)|δ|² + dσ², so
  // tr Σ = (d + 1)|δ|² + dσ². Sampling error with N = 40,000: |gᵢ|² has a relative spread of about 2,
  // so tr Σ is off by ~2/√N ≈ 1 %; each coordinate of G by ~√((|δ|²·2 + σ²)/N) ≈ 0.006, which moves
  // |G|² by ~2·|δ|·0.006/|δ|² ≈ 2 %. Tolerance 5 % (over 2 standard errors for both).
  const d = 4,
    sigma = 0.5;
  const { data, thetaStar } = linearData({ n: 40000, d, sigma, seed: 11 });
  const delta = [0.5, -0.5, 0.5, -0.5];
  const theta = Float64Array.from(thetaStar, (w, j) => w + delta[j]);
  const noise = gradientNoise(linearRegression(d, { bias: false }), theta, data);
  const deltaSq = delta.reduce((a, v) => a + v * v, 0);
  close(noise.gradNormSq, deltaSq, 0.05, "|G|²");
  close(noise.traceCov, (d + 1) * deltaSq + d * sigma * sigma, 0.05, "tr Σ");
});

test("predicted variance, SNR and B_simple by hand", () => {
  assert.equal(predictedVariance(2, 100), 0.02);
  close(predictedVariance(2, 100, 500), 0.02 * (400 / 499), 1e-15);
  assert.equal(
    predictedVariance(2, 1, 500),
    2,
    "one example: the same with or without replacement",
  );
  assert.equal(predictedVariance(2, 500, 500), 0, "the whole data set has no noise");
  assert.throws(() => predictedVariance(2, 501, 500), /m must be at most n = 500/);
  assert.equal(simpleNoiseScale(3, 0.5), 6);
  assert.equal(simpleNoiseScale(3, 0), Infinity);
  assert.equal(simpleNoiseScale(0, 0), 0);
  assert.throws(() => simpleNoiseScale(-1, 1), /traceCov must be a number ≥ 0, got -1/);
  // SNR = m / B_simple, = 1 at m = B_simple
  assert.equal(signalToNoise({ gradNormSq: 0.5, traceCov: 3 }, 6), 1);
  assert.equal(signalToNoise({ gradNormSq: 0.5, traceCov: 3 }, 24), 4);
  assert.equal(signalToNoise({ gradNormSq: 0.5, traceCov: 3 }, 10, 10), Infinity);
});

test("batchDrawer: distinct indices without replacement, uniform either way", () => {
  const n = 10,
    m = 4,
    draws = 20000;
  for (const replacement of ["with", "without"] as const) {
    const next = batchDrawer(n, m, replacement, rng(3));
    const counts = new Array(n).fill(0);
    for (let r = 0; r < draws; r++) {
      const b = next();
      if (replacement === "without") assert.equal(new Set(b).size, m, "distinct examples");
      for (const i of b) counts[i]++;
    }
    // each count is Binomial-like around 8000 with sd < √8000 ≈ 90: 5 sd = 450
    for (const c of counts)
      assert.ok(Math.abs(c - (draws * m) / n) < 450, `${replacement}: count ${c}`);
  }
  assert.throws(
    () => batchDrawer(5, 6, "without", rng(0)),
    /m must be at most n = 5 without replacement, got 6/,
  );
  assert.throws(
    () => batchDrawer(5, 2, "sometimes" as never, rng(0)),
    /replacement must be "with" or "without"/,
  );
});

function syntheticMatrix(n: number) {
  const { data, thetaStar } = linearData({ n, d: 5, sigma: 0.5, seed: 1 });
  const theta = Float64Array.from(thetaStar, (w) => w + 0.3);
  return gradientMatrix(linearRegression(5, { bias: false }), theta, data);
}

test("with replacement the variance falls as tr Σ/m: slope −1 and ratio 1 ± 3 %", () => {
  // 20,000 batches per m: the relative standard error of the mean of |ĝ − G|² is about √(2/R) = 1 %
  // for Gaussian-like noise; the heavier tails at m = 1 give 1.4 % (the measured standardError),
  // so ±3 % is more than 2 standard errors everywhere. The slope is fitted over m ≤ N/16.
  const M = syntheticMatrix(1024);
  const rows = measureBatchVariance(M, {
    batchSizes: powersOfTwo(64),
    draws: 20000,
    replacement: "with",
    seed: 5,
  });
  for (const r of rows) {
    assert.ok(Math.abs(r.ratio - 1) <= 0.03, `m = ${r.m}: measured/predicted ${r.ratio}`);
    assert.ok(
      r.standardError / r.variance < 0.015,
      `m = ${r.m}: relative standard error ${r.standardError / r.variance}`,
    );
  }
  const { slope } = fitPowerLaw(
    rows.map((r) => r.m),
    rows.map((r) => r.variance),
  );
  assert.ok(slope >= -1.05 && slope <= -0.95, `slope ${slope}`);
});

test("without replacement the variance follows the (N − m)/(N − 1) factor and is 0 at m = N", () => {
  const N = 256;
  const M = syntheticMatrix(N);
  const { traceCov } = matrixNoise(M);
  const rows = measureBatchVariance(M, {
    batchSizes: powersOfTwo(N),
    draws: 20000,
    replacement: "without",
    seed: 6,
  });
  for (const r of rows.filter((r) => r.m < N))
    assert.ok(Math.abs(r.ratio - 1) <= 0.03, `m = ${r.m}: ratio ${r.ratio}`);
  // at m = N/2 the factor halves the variance: tr Σ/m alone would be off by 2
  const half = rows.find((r) => r.m === N / 2)!;
  close(half.variance / (traceCov / half.m), (N - N / 2) / (N - 1), 0.03, "factor at m = N/2");
  // m = N: every batch is the whole data set; only summation-order rounding (~1e-32·tr Σ) is left
  const all = rows.find((r) => r.m === N)!;
  assert.equal(all.predicted, 0);
  assert.ok(all.variance <= 1e-24 * traceCov, `variance at m = N: ${all.variance}`);
});

test("batch gradients projected on a direction have mean G·u and variance uᵀΣu/m", () => {
  const M = syntheticMatrix(512);
  const { meanGradient: G } = matrixNoise(M);
  const u = Float64Array.of(1, 0, 0, 0, 0);
  let s = 0;
  for (let i = 0; i < M.n; i++) s += (M.g[i * M.p] - G[0]) ** 2;
  const var1 = s / M.n; // Σ₁₁
  const v = projectedBatchGradients(M, 8, 40000, u, { replacement: "with", seed: 2 });
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const variance = v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1);
  // mean: sd √(Σ₁₁/8/40000) ≈ 0.004·√Σ₁₁; variance: relative SE ≈ √(2/40000) ≈ 0.7 % → 4 %
  assert.ok(Math.abs(mean - G[0]) < 5 * Math.sqrt(var1 / 8 / 40000), `mean ${mean} vs ${G[0]}`);
  close(variance, var1 / 8, 0.04, "variance of the projection");
});

test("fitPowerLaw, powersOfTwo and drawsForBudget", () => {
  const x = [1, 2, 4, 8];
  const fit = fitPowerLaw(
    x,
    x.map((v) => 3 * v ** -2),
  );
  close(fit.slope, -2, 1e-12);
  close(Math.exp(fit.intercept), 3, 1e-12);
  assert.deepEqual(powersOfTwo(16), [1, 2, 4, 8, 16]);
  assert.deepEqual(powersOfTwo(20), [1, 2, 4, 8, 16, 20]);
  assert.deepEqual(
    powersOfTwoUpTo(20),
    [1, 2, 4, 8, 16],
    "the advisor's candidates: powers of two only",
  );
  assert.deepEqual(powersOfTwoUpTo(0.5), []);
  const rule = drawsForBudget(1000, 10, 500);
  assert.deepEqual([1, 2, 64, 1024].map(rule), [500, 500, 15, 10]);
  assert.throws(() => fitPowerLaw([1, 2], [1, 0]), /point 1 must be positive/);
  assert.throws(
    () => asGradientMatrix(new Float64Array(5), 2),
    /g.length must be a positive multiple of p = 2, got 5/,
  );
});

test("two-batch formulas recover |G|² and tr Σ exactly from exact expectations", () => {
  // E|ĝ_B|² = |G|² + tr Σ/B with |G|² = 0.04, tr Σ = 1
  const sizes = { bSmall: 8, bBig: 128 };
  const e = twoBatchEstimate(sizes, 0.04 + 1 / 8, 0.04 + 1 / 128);
  close(e.gradNormSq, 0.04, 1e-12);
  close(e.traceCov, 1, 1e-12);
  assert.throws(
    () => twoBatchEstimate({ bSmall: 8, bBig: 8 }, 1, 1),
    /bBig must be larger than bSmall = 8, got 8/,
  );
});

function* subsets(n: number, k: number, start = 0, prefix: number[] = []): Generator<number[]> {
  if (prefix.length === k) {
    yield prefix;
    return;
  }
  for (let i = start; i < n; i++) yield* subsets(n, k, i + 1, [...prefix, i]);
}

test("without replacement the estimates' expectations are N/(N−1)·tr Σ and |G|² − tr Σ/(N−1): exact enumeration", () => {
  // Every subset of 2 and of 4 out of N = 6 examples, equally likely: the exact expectations.
  const y = [0, 1, 2, 4, 7, 10];
  const theta = 3;
  const N = y.length;
  const g = y.map((v) => theta - v);
  const G = g.reduce((a, b) => a + b, 0) / N;
  const trSigma = g.reduce((a, b) => a + (b - G) ** 2, 0) / N;
  const expectedNormSq = (k: number): number => {
    let sum = 0,
      count = 0;
    for (const s of subsets(N, k)) {
      sum += (s.reduce((a, i) => a + g[i], 0) / k) ** 2;
      count++;
    }
    return sum / count;
  };
  const raw = twoBatchEstimate({ bSmall: 2, bBig: 4 }, expectedNormSq(2), expectedNormSq(4));
  close(raw.traceCov, (N / (N - 1)) * trSigma, 1e-12, "E[tr Σ estimate]");
  close(raw.gradNormSq, G * G - trSigma / (N - 1), 1e-12, "E[|G|² estimate]");
  const fixed = withoutReplacementCorrection(raw, N);
  close(fixed.traceCov, trSigma, 1e-12, "corrected tr Σ");
  close(fixed.gradNormSq, G * G, 1e-12, "corrected |G|²");
});

test("estimateNoiseScale agrees with the closed-form B_simple of a mean-estimation problem", () => {
  // y = μ ± s (half each), θ − μ = 1: G = 1, tr Σ = s² = 16, B_simple = 16 exactly.
  // Per pair with B_small = 4, B_big = 64 the tr Σ estimate has sd ≈ 30 (from Var|ĝ₄|² ≈ 4·G²·4 +
  // 2·4² = 48, divided by 1/4 − 1/64), so with 20,000 pairs its standard error is 0.2 (1.3 %); the
  // |G|² estimate's is ~0.3 %. 4 % on B_simple is about three standard errors.
  const N = 1000,
    mu = 2,
    s = 4;
  const { data, model } = meanProblem(
    Array.from({ length: N }, (_, i) => mu + (i % 2 === 0 ? s : -s)),
  );
  const theta = Float64Array.of(mu + 1);
  const exact = gradientNoise(model, theta, data);
  assert.equal(exact.bSimple, 16);
  for (const replacement of ["with", "without"] as const) {
    const est = estimateNoiseScale(model, theta, data, {
      bSmall: 4,
      bBig: 64,
      draws: 20000,
      replacement,
      seed: 9,
    });
    close(est.traceCov, 16, 0.04, `${replacement}: tr Σ`);
    close(est.gradNormSq, 1, 0.04, `${replacement}: |G|²`);
    close(est.bSimple, 16, 0.04, `${replacement}: B_simple`);
    // single-pair |G|² estimates go negative often: why the averages are formed before dividing
    const negative = est.gradNormSqDraws.filter((v) => v < 0).length / est.gradNormSqDraws.length;
    assert.ok(
      negative > 0.05,
      `${replacement}: share of negative single |G|² estimates ${negative}`,
    );
  }
});

test("bSimpleStandardError: zero when every pair agrees, and the spread of B over seeds when they do not", () => {
  // Pairs whose estimates are exactly proportional give the same ratio every time: no error.
  assert.equal(
    bSimpleStandardError({
      bSimple: 4,
      gradNormSqDraws: Float64Array.of(1, 2, 3),
      traceCovDraws: Float64Array.of(4, 8, 12),
    }),
    0,
  );
  assert.ok(
    Number.isNaN(
      bSimpleStandardError({
        bSimple: 4,
        gradNormSqDraws: Float64Array.of(1),
        traceCovDraws: Float64Array.of(4),
      }),
    ),
  );
  assert.ok(
    Number.isNaN(
      bSimpleStandardError({
        bSimple: NaN,
        gradNormSqDraws: Float64Array.of(-1, 0.5),
        traceCovDraws: Float64Array.of(4, 3),
      }),
    ),
  );
  // The mean problem of the test above: 40 independent estimates of 400 pairs each. Their spread
  // should match the standard error each one reports; the spread of 40 values is itself known to
  // about ±11 % (1/√(2·39)), so a factor 1.35 either way is about three of those.
  const N = 1000,
    mu = 2,
    s = 4;
  const { data, model } = meanProblem(
    Array.from({ length: N }, (_, i) => mu + (i % 2 === 0 ? s : -s)),
  );
  const theta = Float64Array.of(mu + 1);
  const runs = Array.from({ length: 40 }, (_, k) =>
    estimateNoiseScale(model, theta, data, {
      bSmall: 4,
      bBig: 64,
      draws: 400,
      replacement: "with",
      seed: 100 + k,
    }),
  );
  const values = runs.map((r) => r.bSimple);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const spread = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
  const reported = runs.map(bSimpleStandardError).reduce((a, b) => a + b, 0) / runs.length;
  assert.ok(
    reported / spread > 1 / 1.35 && reported / spread < 1.35,
    `reported SE ${reported} vs spread over seeds ${spread}`,
  );
});

test("the without-replacement correction matters on a small population and fixes the bias", () => {
  // N = 40, B_big = 20: uncorrected tr Σ is 40/39 too large (+2.6 %) and |G|² too small by tr Σ/39 = 0.41
  // (−41 %). 100,000 pairs put the standard error of the corrected values near 0.5 % and 1 %.
  const N = 40,
    mu = 0,
    s = 4;
  const { data, model } = meanProblem(
    Array.from({ length: N }, (_, i) => mu + (i % 2 === 0 ? s : -s)),
  );
  const theta = Float64Array.of(mu + 1);
  const est = estimateNoiseScale(model, theta, data, {
    bSmall: 4,
    bBig: 20,
    draws: 100000,
    replacement: "without",
    seed: 4,
  });
  close(est.traceCov, 16, 0.015, "corrected tr Σ");
  close(est.gradNormSq, 1, 0.05, "corrected |G|²");
  const raw = twoBatchEstimate({ bSmall: 4, bBig: 20 }, est.meanNormSqSmall, est.meanNormSqBig);
  assert.ok(raw.gradNormSq < 0.75, `uncorrected |G|² ${raw.gradNormSq} is biased low by ~0.41`);
});

test("NoiseScaleEstimator averages the two estimates separately; EMA weights by hand", () => {
  const sizes = { bSmall: 1, bBig: 2 };
  // pairs (a, b) → |G|² = 2b − a, tr Σ = (a − b)/(1 − 1/2) = 2(a − b)
  const plain = new NoiseScaleEstimator(sizes).add(3, 2).add(5, 3);
  assert.deepEqual(plain.estimate, { gradNormSq: (1 + 1) / 2, traceCov: (2 + 4) / 2 });
  assert.equal(plain.bSimple, 3);
  assert.equal(plain.count, 2);
  // decay 0.5: weights 0.5 and 1 on the first and second pair, normalised by 1.5
  const ema = new NoiseScaleEstimator({ ...sizes, decay: 0.5 }).add(3, 2).add(5, 3);
  assert.deepEqual(ema.estimate, {
    gradNormSq: (0.5 * 1 + 1) / 1.5,
    traceCov: (0.5 * 2 + 4) / 1.5,
  });
  // a negative averaged |G|² gives no B_simple rather than a negative one
  assert.ok(Number.isNaN(new NoiseScaleEstimator(sizes).add(3, 1).bSimple));
  assert.ok(Number.isNaN(new NoiseScaleEstimator(sizes).bSimple));
  assert.throws(
    () => new NoiseScaleEstimator({ ...sizes, decay: 1 }),
    /decay must be a number in \[0, 0.999999\], got 1/,
  );
});

test("trackNoiseScale: B_simple grows as training lowers the loss", () => {
  const blobs = gaussianBlobs({ n: 600, classes: 3, d: 8, seed: 2, separation: 2 });
  const model = softmaxRegression(8, 3);
  const { rows } = trackNoiseScale(model, blobs, {
    bSmall: 8,
    bBig: 64,
    lr: 0.5,
    steps: 200,
    recordEvery: 50,
    seed: 3,
  });
  assert.deepEqual(
    rows.map((r) => r.step),
    [0, 50, 100, 150, 200],
  );
  const first = rows[0],
    last = rows[rows.length - 1];
  assert.ok(last.trainLoss < 0.5 * first.trainLoss, `loss ${first.trainLoss} → ${last.trainLoss}`);
  assert.ok(
    last.exactBSimple > 10 * first.exactBSimple,
    `B_simple ${first.exactBSimple} → ${last.exactBSimple}`,
  );
  assert.ok(Number.isNaN(first.estTraceCov), "no estimate before the first step");
  // A plumbing check (the statistics are tested on the closed-form problem above): the moving
  // average (decay 0.95, about 39 effective pairs) of the tr Σ estimate, the reliable half, stays
  // within 50 % of the exact value, about two of its standard errors; swapped or wrong batch sizes
  // would be off by factors.
  for (const r of rows.slice(1))
    assert.ok(
      Math.abs(r.estTraceCov / r.exactTraceCov - 1) < 0.5,
      `step ${r.step}: ${r.estTraceCov} vs ${r.exactTraceCov}`,
    );
});

test("variance and SNR figures: theory lines from tr Σ, measured points with error bars, zeros left out", () => {
  const N = 64;
  const M = syntheticMatrix(N);
  const noise = matrixNoise(M);
  const rows = [
    ...measureBatchVariance(M, {
      batchSizes: powersOfTwo(N),
      draws: 200,
      replacement: "with",
      seed: 1,
    }),
    ...measureBatchVariance(M, {
      batchSizes: powersOfTwo(N),
      draws: 200,
      replacement: "without",
      seed: 2,
    }),
  ];
  const fig = varianceFigure(rows, { traceCov: noise.traceCov, n: N });
  const [withLine, withoutLine, withPoints, withoutPoints] = fig.data as {
    x: number[];
    y: number[];
    error_y?: { array: number[] };
  }[];
  withLine.x.forEach((m, k) => close(withLine.y[k], noise.traceCov / m, 1e-12, "tr Σ/m line"));
  withoutLine.x.forEach((m, k) =>
    close(withoutLine.y[k], (noise.traceCov / m) * ((N - m) / (N - 1)), 1e-12, "without line"),
  );
  assert.ok(
    Math.max(...withoutLine.x) < N,
    "the without line stops before it plunges to 0 at m = N",
  );
  assert.deepEqual(withPoints.x, powersOfTwo(N));
  assert.deepEqual(
    withoutPoints.x,
    powersOfTwo(N).slice(0, -1),
    "m = N (variance 0 up to rounding) is left out",
  );
  assert.deepEqual(
    withPoints.error_y!.array,
    rows.filter((r) => r.replacement === "with").map((r) => 2 * r.standardError),
  );
  assert.equal((fig.layout!.xaxis as { type: string }).type, "log");
  assert.equal((fig.layout!.yaxis as { type: string }).type, "log");
  assert.ok(isRoundingZero(1e-33, 1) && !isRoundingZero(1e-6, 1));

  const snr = snrFigure({
    gradNormSq: noise.gradNormSq,
    traceCov: noise.traceCov,
    n: N,
    measured: rows,
  });
  const line = snr.data[0] as { x: number[]; y: number[] };
  line.x.forEach((m, k) => close(line.y[k], m / noise.bSimple, 1e-12, "SNR = m / B_simple"));
  const marker = snr.data.find((t) => t.name === "B_simple") as { x: number[]; y: number[] };
  assert.deepEqual(marker.y, [1]);
  close(marker.x[0], noise.bSimple, 1e-12, "B_simple marker");
});

test("spread, B_simple-over-training and estimator figures", () => {
  const spread = spreadFigure(
    [
      { m: 1, values: [1, 2, 3] },
      { m: 16, values: [2, 2] },
    ],
    { reference: 2 },
  );
  assert.deepEqual(
    spread.data.map((t) => t.type),
    ["violin", "violin", "scatter"],
  );
  assert.deepEqual(spread.data[1].x, ["m = 16", "m = 16"]);
  const rows = [
    {
      step: 0,
      trainLoss: 2,
      exactGradNormSq: 1,
      exactTraceCov: 10,
      exactBSimple: 10,
      estGradNormSq: NaN,
      estTraceCov: NaN,
      estBSimple: NaN,
    },
    {
      step: 10,
      trainLoss: 1,
      exactGradNormSq: 0.1,
      exactTraceCov: 9,
      exactBSimple: 90,
      estGradNormSq: 0.2,
      estTraceCov: 8,
      estBSimple: 40,
    },
  ];
  const track = noiseScaleFigure(rows);
  assert.deepEqual(track.data[0].y, [10, 90]);
  assert.deepEqual(track.data[1].x, [10], "no estimate is drawn before the first step");
  assert.equal(track.data[2].yaxis, "y2");
  // running means of per-pair estimates over exact values: pairs (|G|², tr Σ) = (2, 10), (0, 10), (1, 10)
  const conv = estimatorConvergenceFigure(
    { gradNormSqDraws: [2, 0, 1], traceCovDraws: [10, 10, 10] },
    { gradNormSq: 1, traceCov: 10 },
  );
  assert.deepEqual(conv.data[0].x, [1, 2, 3]);
  assert.deepEqual(conv.data[1].y, [2, 1, 1], "|G|² running mean / exact");
  assert.deepEqual(conv.data[0].y, [1, 1, 1], "tr Σ running mean / exact");
  assert.deepEqual(conv.data[2].y, [0.5, 1, 1], "ratio of the averages / exact B_simple");
  assert.equal(
    (conv.data[3].y as number[])[1],
    Infinity,
    "the average of per-pair ratios blows up at |G|² = 0",
  );
  const grid = logGrid(1, 100, 3);
  grid.forEach((v, k) => close(v, [1, 10, 100][k], 1e-12, "logGrid"));
});
