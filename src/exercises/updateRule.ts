// Graders and reference solutions for the exercises of chapter 1 (the update rule). Each grader
// recognises the classic slips and names them, instead of printing "wrong".

import { rng } from "../util/rng";
import {
  answered,
  describeValue,
  expectNumber,
  fail,
  formatNumber,
  nearlyEqual,
  registerSolutions,
} from "./check";

/** The learner's update: new θ from θ, the batch's per-example gradients and η. */
export type UpdateStepFn = (
  theta: Float64Array,
  grads: Float64Array[],
  lr: number,
) => ArrayLike<number>;

function combination(
  theta: Float64Array,
  grads: Float64Array[],
  coefficient: number,
  divideBy: number,
): Float64Array {
  const out = Float64Array.from(theta);
  for (const g of grads)
    for (let j = 0; j < out.length; j++) out[j] -= (coefficient * g[j]) / divideBy;
  return out;
}

function sameVector(a: ArrayLike<number>, b: ArrayLike<number>, rtol = 1e-9): boolean {
  if (a.length !== b.length) return false;
  let scale = 0;
  let diff = 0;
  for (let j = 0; j < a.length; j++) {
    scale = Math.max(scale, Math.abs(a[j]), Math.abs(b[j]));
    diff = Math.max(diff, Math.abs(a[j] - b[j]));
  }
  return diff <= rtol * Math.max(scale, 1e-300);
}

/** Exercise 1: θ ← θ − η·(1/m)·Σᵢ gᵢ. */
export function gradeUpdateStep(step: UpdateStepFn): string {
  const random = rng(2024);
  const p = 3;
  for (const [m, lr] of [
    [4, 0.1],
    [1, 0.5],
    [7, 0.05],
  ] as const) {
    const theta = Float64Array.from({ length: p }, () => random.normal());
    const grads = Array.from({ length: m }, () =>
      Float64Array.from({ length: p }, () => random.normal() + 1),
    );
    const thetaBefore = Float64Array.from(theta);
    const gradsBefore = grads.map((g) => Float64Array.from(g));
    const got = step(theta, grads, lr);
    if (!got || typeof got !== "object" || typeof (got as ArrayLike<number>).length !== "number") {
      fail(
        `the step should return the new θ (an array of ${p} numbers), but it returned ${describeValue(got)}.`,
      );
    }
    if (got.length !== p)
      fail(`the new θ should have ${p} entries like θ, but it has ${got.length}.`);
    if (!sameVector(theta, thetaBefore) || grads.some((g, k) => !sameVector(g, gradsBefore[k]))) {
      fail(
        "your step changed its inputs in place; return a new array and leave θ and the gradients as they were (the caller may still need them).",
      );
    }
    const expected = combination(theta, grads, lr, m);
    if (sameVector(got, expected)) continue;
    const where = `with m = ${m}, η = ${lr}`;
    if (m > 1 && sameVector(got, combination(theta, grads, lr, 1))) {
      fail(
        `${where} your step is m = ${m} times too long: you summed the gradients. Divide the sum by m, so that η keeps its meaning when m changes.`,
      );
    }
    if (sameVector(got, combination(theta, grads, -lr, m)))
      fail(`${where} you moved uphill: subtract η·ḡ from θ, do not add it.`);
    if (sameVector(got, combination(theta, grads, 1, m)))
      fail(`${where} η is missing: the step is η times the mean gradient.`);
    if (sameVector(got, combination(new Float64Array(p), grads, lr, m)))
      fail(`${where} you returned −η·ḡ, the step alone: add θ to it.`);
    fail(
      `${where} the new θ should be [${Array.from(expected, formatNumber).join(", ")}], got [${Array.from(got, formatNumber).join(", ")}].`,
    );
  }
  return "your step matches θ − η·(1/m)·Σ gᵢ for m = 1, 4 and 7.";
}

/** Exercise 2: η for m = 32 that gives the same expected step as η = 0.1 at m = 1. */
export function gradeSameExpectedStep(eta32: unknown): string {
  const eta = expectNumber("η for m = 32", answered(eta32, "etaFor32"));
  if (nearlyEqual(eta, 0.1, 1e-9))
    return "the same η: the mean of 32 gradients has the same expectation G as one gradient, so E[step] = η·G for every m.";
  if (nearlyEqual(eta, 3.2, 1e-6)) {
    fail(
      "3.2 is 32 × 0.1, the linear scaling rule. It aims at equal progress per epoch (32 times fewer steps), not at the same expected step. What is E[(1/m)·Σ gᵢ]?",
    );
  }
  if (nearlyEqual(eta, 0.1 * Math.sqrt(32), 1e-6))
    fail(
      "that is √32 × 0.1, the square-root rule: it keeps the step's noise variance η²·tr Σ/m fixed, not its expectation. What is E[(1/m)·Σ gᵢ]?",
    );
  if (nearlyEqual(eta, 0.1 / 32, 1e-6))
    fail(
      "0.1/32 would be right for the summed gradient Σ gᵢ, whose expectation is m·G; the rule here uses the mean.",
    );
  fail(
    `not ${formatNumber(eta)}: work out E[(1/m)·Σᵢ gᵢ] when each gᵢ is the gradient of an example drawn at random (its expectation is G).`,
  );
}

/** The learner's combination of K workers' mean gradients and batch shares into the batch mean. */
export type CombineFn = (workerMeans: Float64Array[], workerSizes: number[]) => ArrayLike<number>;

/** Exercise 3: combine K workers' means, with unequal shares, into the exact batch-mean gradient. */
export function gradeCombineWorkers(combine: CombineFn): string {
  const random = rng(99);
  const p = 4;
  for (const sizes of [
    [8, 8, 8, 8],
    [5, 5, 6],
    [1, 9],
  ]) {
    const means = sizes.map(() => Float64Array.from({ length: p }, () => random.normal()));
    const m = sizes.reduce((a, b) => a + b, 0);
    const expected = new Float64Array(p);
    means.forEach((g, k) => {
      for (let j = 0; j < p; j++) expected[j] += (sizes[k] / m) * g[j];
    });
    const got = combine(means, sizes);
    if (!got || typeof got !== "object" || typeof (got as ArrayLike<number>).length !== "number") {
      fail(
        `combine should return a gradient (an array of ${p} numbers), but it returned ${describeValue(got)}.`,
      );
    }
    if (got.length !== p)
      fail(`the combined gradient should have ${p} entries, got ${got.length}.`);
    if (sameVector(got, expected)) continue;
    const plain = new Float64Array(p);
    means.forEach((g) => {
      for (let j = 0; j < p; j++) plain[j] += g[j] / sizes.length;
    });
    if (sameVector(got, plain)) {
      fail(
        `with shares [${sizes.join(", ")}] the plain average of the K averages is not the batch mean: weight worker k's mean by its share nₖ/m (it is exact only when all shares are equal).`,
      );
    }
    const sum = new Float64Array(p);
    means.forEach((g, k) => {
      for (let j = 0; j < p; j++) sum[j] += sizes[k] * g[j];
    });
    if (sameVector(got, sum))
      fail(
        `with shares [${sizes.join(", ")}] you returned the sum Σ nₖ·ḡₖ of all gradients: divide by m = ${m}.`,
      );
    fail(
      `with shares [${sizes.join(", ")}] the batch mean is [${Array.from(expected, formatNumber).join(", ")}], got [${Array.from(got, formatNumber).join(", ")}].`,
    );
  }
  return "exact for equal and unequal shares: Σₖ (nₖ/m)·ḡₖ is the mean over all m examples.";
}

registerSolutions({
  "update-step": {
    code: `
function myUpdateStep(theta: Float64Array, grads: Float64Array[], lr: number): Float64Array {
  const m = grads.length;
  const next = Float64Array.from(theta);
  for (const g of grads) {
    for (let j = 0; j < next.length; j++) next[j] -= (lr * g[j]) / m;
  }
  return next;
}`,
    explanation:
      "Average the m gradients (divide the sum by m) and step against the average by η. Starting from a copy leaves θ unchanged.",
  },
  "same-expected-step": {
    code: `const etaFor32 = 0.1;`,
    explanation:
      "Each gᵢ is the gradient of a randomly drawn example, so E[gᵢ] = G and E[(1/m)·Σ gᵢ] = G for every m: the expected step η·G does not depend on m. What m changes is the noise around it (variance tr Σ/m, chapter 2).",
  },
  "combine-workers": {
    code: `
function combine(workerMeans: Float64Array[], workerSizes: number[]): Float64Array {
  const m = workerSizes.reduce((a, b) => a + b, 0);
  const out = new Float64Array(workerMeans[0].length);
  workerMeans.forEach((g, k) => {
    for (let j = 0; j < out.length; j++) out[j] += (workerSizes[k] / m) * g[j];
  });
  return out;
}`,
    explanation:
      "Worker k's mean times nₖ is the sum of its gradients; adding the K sums and dividing by m gives the batch mean exactly. With equal shares the weights are all 1/K: the plain average.",
  },
});
