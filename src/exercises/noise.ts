// Graders and reference solutions for the exercises of chapter 2 (gradient noise). The wrong
// answers they recognise are the classic slips: 1/(N−1) instead of 1/N, forgetting to centre,
// summing instead of averaging, and leaving out the without-replacement factor.

import { matrixNoise, predictedVariance } from "../noise/statistics";
import { rng } from "../util/rng";
import {
  answered,
  expectNumber,
  fail,
  formatNumber,
  nearlyEqual,
  registerSolutions,
} from "./check";

/** The learner's tr Σ from an N × p row-major matrix of per-example gradients. */
export type TraceCovFn = (g: Float64Array, n: number, p: number) => number;

/** Exercise 1: tr Σ with population (1/N) normalisation. */
export function gradeTraceCov(traceCov: TraceCovFn): string {
  const random = rng(5);
  for (const [n, p] of [
    [6, 3],
    [40, 5],
  ] as const) {
    const g = Float64Array.from({ length: n * p }, () => random.normal() + 0.5);
    const copy = Float64Array.from(g);
    const got = expectNumber(`tr Σ for N = ${n}, p = ${p}`, traceCov(g, n, p));
    if (g.some((v, i) => v !== copy[i]))
      fail("your function changed the gradient matrix; compute from it without writing into it.");
    const truth = matrixNoise({ n, p, g: copy });
    const expected = truth.traceCov;
    if (nearlyEqual(got, expected, 1e-9)) continue;
    const where = `for N = ${n}, p = ${p}`;
    if (nearlyEqual(got, (expected * n) / (n - 1), 1e-9))
      fail(
        `${where} you divided by N − 1. Here the N examples are the whole population a batch is drawn from, so Σ uses 1/N; that is what makes E|ĝₘ − G|² = tr Σ/m exact.`,
      );
    if (nearlyEqual(got, expected * n, 1e-9))
      fail(`${where} you returned the sum Σᵢ |gᵢ − G|²: divide by N.`);
    if (nearlyEqual(got, expected + truth.gradNormSq, 1e-9))
      fail(
        `${where} you forgot to centre: (1/N)·Σ|gᵢ|² = tr Σ + |G|². Subtract the mean gradient G from every row first.`,
      );
    if (nearlyEqual(got, expected / p, 1e-9))
      fail(
        `${where} you divided by p as well: tr Σ is the sum over the p coordinates of their variances, not their mean.`,
      );
    fail(`${where} tr Σ should be ${formatNumber(expected)}, got ${formatNumber(got)}.`);
  }
  return "tr Σ = (1/N)·Σᵢ |gᵢ − G|², matching matrixNoise on two random matrices.";
}

/** The numbers of exercise 2. */
export const VARIANCE_EXERCISE = { n: 500, traceCov: 2, m: 100 } as const;

/** Exercise 2: E|ĝₘ − G|² for m = 100 drawn without replacement from N = 500 with tr Σ = 2. */
export function gradePredictedVariance(answer: unknown): string {
  const { n, traceCov, m } = VARIANCE_EXERCISE;
  const value = expectNumber("the predicted variance", answered(answer, "predicted"));
  const expected = predictedVariance(traceCov, m, n);
  if (nearlyEqual(value, expected, 1e-6))
    return `${formatNumber(expected)} = (tr Σ/m)·(N − m)/(N − 1): a fifth of the data removes a fifth of the variance.`;
  if (nearlyEqual(value, traceCov / m, 1e-6))
    fail(
      "tr Σ/m is the variance with replacement. These batches hold m distinct examples out of N: multiply by (N − m)/(N − 1).",
    );
  if (nearlyEqual(value, (traceCov / m) * ((n - m) / n), 1e-6))
    fail(
      "close: the factor is (N − m)/(N − 1), not (N − m)/N (check it at m = 1, where the answer must be tr Σ).",
    );
  if (nearlyEqual(value, Math.sqrt(expected), 1e-6))
    fail("that is the standard deviation; the question asks for the variance E|ĝₘ − G|².");
  if (
    nearlyEqual(value, traceCov / (m * m), 1e-6) ||
    nearlyEqual(value, (traceCov / (m * m)) * ((n - m) / (n - 1)), 1e-6)
  )
    fail("the variance of a mean of m independent terms is tr Σ/m, not tr Σ/m².");
  fail(
    `not ${formatNumber(value)}: start from tr Σ/m and correct it for drawing without replacement.`,
  );
}

/** The numbers of exercise 3: averaged squared norms of small- and big-batch gradients. */
export const TWO_BATCH_EXERCISE = {
  bSmall: 8,
  normSqSmall: 0.165,
  bBig: 128,
  normSqBig: 0.0478125,
} as const;

/** Exercise 3: B_simple from the two-batch estimates. */
export function gradeTwoBatchBSimple(answer: unknown): string {
  const { bSmall, normSqSmall, bBig, normSqBig } = TWO_BATCH_EXERCISE;
  const value = expectNumber("B_simple", answered(answer, "bSimpleEstimate"));
  const gradNormSq = (bBig * normSqBig - bSmall * normSqSmall) / (bBig - bSmall);
  const traceCov = (normSqSmall - normSqBig) / (1 / bSmall - 1 / bBig);
  const expected = traceCov / gradNormSq;
  if (nearlyEqual(value, expected, 1e-6))
    return `B_simple = ${formatNumber(traceCov)} / ${formatNumber(gradNormSq)} = ${formatNumber(expected)}: batches much larger than that buy little.`;
  if (nearlyEqual(value, 1 / expected, 1e-6))
    fail("you inverted it: B_simple = tr Σ / |G|², noise over signal.");
  if (nearlyEqual(value, traceCov / normSqBig, 1e-6))
    fail(
      "you used |G_big|² as |G|², but the big batch's squared norm still holds noise tr Σ/B_big: use the two-batch estimate of |G|².",
    );
  if (nearlyEqual(value, traceCov / normSqSmall, 1e-6))
    fail("you used |G_small|² as |G|²: it is mostly noise. Use the two-batch estimate of |G|².");
  fail(
    `not ${formatNumber(value)}: estimate |G|² and tr Σ from the two formulas above first, then divide.`,
  );
}

registerSolutions({
  "trace-cov": {
    code: `
function myTraceCov(g: Float64Array, n: number, p: number): number {
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) mean[j] += g[i * p + j] / n;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < p; j++) sum += (g[i * p + j] - mean[j]) ** 2;
  }
  return sum / n;
}`,
    explanation:
      "Centre every row on the mean gradient G, add up the squared entries, divide by N (the population normalisation).",
  },
  "predicted-variance": {
    code: `const predicted = (2 / 100) * ((500 - 100) / (500 - 1)); // 0.016032…`,
    explanation:
      "tr Σ/m with replacement, times the finite-population factor (N − m)/(N − 1) for m distinct examples.",
  },
  "two-batch": {
    code: `
const { bSmall, normSqSmall, bBig, normSqBig } = TWO_BATCH_EXERCISE;
const G2 = (bBig * normSqBig - bSmall * normSqSmall) / (bBig - bSmall); // 0.04
const trSigma = (normSqSmall - normSqBig) / (1 / bSmall - 1 / bBig);    // 1.0
const bSimpleEstimate = trSigma / G2;                                    // 25`,
    explanation:
      "E|ĝ_B|² = |G|² + tr Σ/B at two batch sizes gives two linear equations; solve for |G|² and tr Σ, then divide.",
  },
});
