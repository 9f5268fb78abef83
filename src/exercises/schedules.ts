// Graders and reference solutions for the exercises of chapter 3b (taming the noise): the
// bias-corrected exponentially weighted average, the updates a growing batch saves, and the
// stability edge of gradient descent. Each grader names the usual slip.

import { exponentialAverage } from "../update/averaging";
import { batchGrowth, updatesWithBatchSchedule } from "../learningRate/schedules";
import {
  answered,
  describeValue,
  expectNumber,
  fail,
  formatNumber,
  nearlyEqual,
  registerSolutions,
} from "./check";

/** The learner's EWA: the bias-corrected averages v₁/(1 − β), v₂/(1 − β²), … of a series. */
export type EwaFn = (values: number[], beta: number) => ArrayLike<number>;

function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  return a.length === b.length && Array.from(a).every((v, k) => nearlyEqual(v, b[k], 1e-9));
}

/** Exercise 1: vₜ = β·vₜ₋₁ + (1 − β)·xₜ from v₀ = 0, returned as vₜ/(1 − βᵗ). */
export function gradeBiasCorrectedEwa(ewa: EwaFn): string {
  const values = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3];
  const beta = 0.9;
  const got = ewa(values.slice(), beta);
  if (!got || typeof (got as ArrayLike<number>).length !== "number")
    fail(`return an array of averages, got ${describeValue(got)}.`);
  if (got.length !== values.length)
    fail(`return one average per value (${values.length}), got ${got.length}.`);
  const want = exponentialAverage(values, beta);
  if (same(got, want)) {
    const constant = ewa([2, 2, 2, 2, 2], 0.98);
    if (!Array.from(constant).every((v) => nearlyEqual(v, 2, 1e-9)))
      fail("on a constant series 2, 2, 2, … every corrected average must be exactly 2.");
    return "a constant series comes out exactly constant: the weights (1 − β)·βᵗ⁻ˢ sum to 1 − βᵗ, which the correction divides out.";
  }
  if (same(got, exponentialAverage(values, beta, { biasCorrection: false })))
    fail("that is the uncorrected average: divide vₜ by (1 − βᵗ).");
  const shifted = (power: (t: number) => number) =>
    exponentialAverage(values, beta, { biasCorrection: false }).map(
      (v, k) => v / (1 - power(k + 1)),
    );
  if (
    same(
      got,
      shifted((t) => beta ** (t + 1)),
    )
  )
    fail("off by one: after the first value (t = 1) divide by 1 − β, not 1 − β².");
  if (
    got.length > 1 &&
    nearlyEqual(got[0], values[0], 1e-9) &&
    !nearlyEqual(got[1], want[1], 1e-9)
  ) {
    fail("start from v₀ = 0 (that is what the correction assumes), not from v₁ = x₁.");
  }
  fail(
    `first averages should be ${want.slice(0, 3).map(formatNumber).join(", ")}, got ${Array.from(
      got,
    )
      .slice(0, 3)
      .map((v) => formatNumber(v))
      .join(", ")}.`,
  );
}

/** The setting of exercise 2: step decay of η by 4 at epochs 2, 4 and 6 of 8, from m₀ = 8, on n = 1000 examples. */
export const GROWTH_EXERCISE = {
  n: 1000,
  m0: 8,
  factor: 4,
  boundaries: [2, 4, 6],
  epochs: 8,
} as const;

/** Exercise 2: the updates of the growing-batch run that mirrors that decay. */
export function gradeGrowthUpdates(answer: unknown): string {
  const value = expectNumber("the number of updates", answered(answer, "growthUpdates"));
  const { n, m0, factor, boundaries, epochs } = GROWTH_EXERCISE;
  const expected = updatesWithBatchSchedule(batchGrowth(m0, factor, boundaries), n, epochs);
  const decay = Math.ceil((epochs * n) / m0);
  if (value === expected)
    return `${expected} updates instead of ${decay}: ${(decay / expected).toFixed(2)}× fewer for the same epochs.`;
  if (value === decay)
    fail(
      "that is the decay run: it keeps m = 8 all along. With the batch growing, epochs 3–4 use m = 32, and so on.",
    );
  const phases = [0, ...boundaries, epochs]
    .slice(1)
    .map((end, k, ends) => ({ m: m0 * factor ** k, epochs: end - (k === 0 ? 0 : ends[k - 1]) }));
  const exact = phases.reduce((s, p) => s + (p.epochs * n) / p.m, 0);
  const floored = phases.reduce((s, p) => s + p.epochs * Math.floor(n / p.m), 0);
  if (nearlyEqual(value, exact, 1e-6))
    fail(
      "close: n/m is not a whole number for m = 32, 128 and 512, and the last, smaller batch of each epoch is still an update (⌈n/m⌉ per epoch).",
    );
  if (value === floored)
    fail(
      "the partial batch at the end of each epoch counts as an update too: use ⌈n/m⌉, not ⌊n/m⌋.",
    );
  fail(
    `not ${formatNumber(value)}: add up ⌈n/m⌉ per epoch with m = 8, 32, 128, 512 for two epochs each.`,
  );
}

/** The Hessian of exercise 3: a 2 × 2 bowl with unit diagonal and correlation 0.9. */
export const EDGE_EXERCISE = {
  hessian: [
    [1, 0.9],
    [0.9, 1],
  ],
} as const;

/** Exercise 3: the largest η at which full-batch GD still converges on that bowl. */
export function gradeStabilityEdge(answer: unknown): string {
  const value = expectNumber("η_edge", answered(answer, "etaEdge"));
  const [lambdaMax, lambdaMin] = [1.9, 0.1];
  if (nearlyEqual(value, 2 / lambdaMax, 1e-3))
    return `η_edge = 2/λ_max = 2/1.9 ≈ ${formatNumber(2 / lambdaMax)}: the steep direction sets it; along the flat one (λ = 0.1) η could be 20× larger.`;
  if (nearlyEqual(value, 2 / lambdaMin, 1e-3))
    fail("that is the flat direction's limit: the steep direction (λ_max = 1.9) blows up first.");
  if (nearlyEqual(value, 1 / lambdaMax, 1e-3))
    fail(
      "1/λ_max is the fastest rate along the steep direction (one step to its minimum), not the edge: the error is multiplied by |1 − ηλ|, which exceeds 1 only for η > 2/λ.",
    );
  if (nearlyEqual(value, 2, 1e-3) || nearlyEqual(value, 2 / 1.9 / 0.9, 1e-3))
    fail("find the eigenvalues first: for [[1, ρ], [ρ, 1]] they are 1 + ρ and 1 − ρ.");
  fail(
    `not ${formatNumber(value)}: the eigenvalues of [[1, 0.9], [0.9, 1]] are 1 ± 0.9, and GD needs |1 − ηλ| < 1 for both.`,
  );
}

registerSolutions({
  "bias-corrected-ewa": {
    code: `function myEwa(values: number[], beta: number): number[] {
  let v = 0;
  return values.map((x, k) => {
    v = beta * v + (1 - beta) * x;
    return v / (1 - beta ** (k + 1));
  });
}`,
    explanation:
      "v starts at 0; after t values its weights (1 − β)·β^(t−s) sum to 1 − βᵗ, so dividing by that makes them sum to 1.",
  },
  "growth-updates": {
    code: `const growthUpdates = 2 * (Math.ceil(1000 / 8) + Math.ceil(1000 / 32) + Math.ceil(1000 / 128) + Math.ceil(1000 / 512)); // 334`,
    explanation:
      "Two epochs at each of m = 8, 32, 128, 512, and ⌈n/m⌉ updates per epoch (the last batch of an epoch is smaller).",
  },
  "stability-edge": {
    code: `const etaEdge = 2 / 1.9; // eigenvalues of [[1, 0.9], [0.9, 1]] are 1.9 and 0.1`,
    explanation:
      "Along eigenvector k, GD multiplies the error by (1 − η·λ_k); all shrink only if η < 2/λ_max.",
  },
});
