// Graders and reference solutions for the exercises of chapter 4 (generalization). Each grader
// recognises the usual slips by their numbers: the linear rule instead of the square root, the
// last partial batch forgotten, the 100 or the 1 + f left out of φ, a power iteration that never
// normalises.

import { matrixOperator, type LinearOperator } from "../curvature/hessian";
import { symmetricEigenvalues } from "../curvature/eigen";
import {
  answered,
  expectNumber,
  fail,
  formatNumber as fmt,
  nearlyEqual as near,
  registerSolutions,
} from "./check";
import { rng } from "../util/rng";

/** The numbers of exercise 1: η = 0.05 at m = 32, scaled to m = 512 by the square-root rule. */
export const SQRT_RULE_EXERCISE = { lr: 0.05, batchSize: 32, m: 512 } as const;

export function gradeSqrtRule(answer: unknown): string {
  const { lr, batchSize, m } = SQRT_RULE_EXERCISE;
  const value = expectNumber("η at m = 512", answered(answer, "myLr"));
  const expected = lr * Math.sqrt(m / batchSize);
  if (near(value, expected, 1e-9))
    return `η = 0.05·√(512/32) = ${fmt(expected)}: four times the base rate for sixteen times the batch.`;
  if (near(value, lr * (m / batchSize), 1e-9))
    fail(
      "that is the linear rule (η ∝ m). The square-root rule multiplies η by √(m/32), not by m/32.",
    );
  if (near(value, lr * Math.sqrt(m), 1e-9))
    fail("you scaled by √m; the rule scales by the ratio to the reference batch, √(m/32).");
  if (near(value, lr / Math.sqrt(m / batchSize), 1e-9))
    fail("you divided: a larger batch gets a larger η under both rules.");
  if (near(value, lr, 1e-9))
    fail("that is the unchanged η, the budget in which large batches fall behind.");
  fail(`not ${fmt(value)}: multiply η = ${lr} by √(m/${batchSize}).`);
}

/** The numbers of exercise 2: updates taken by m = 512 in 10 epochs of N = 5000, last partial batch kept. */
export const UPDATES_EXERCISE = { n: 5000, m: 512, epochs: 10 } as const;

export function gradeUpdates(answer: unknown): string {
  const { n, m, epochs } = UPDATES_EXERCISE;
  const value = expectNumber("the number of updates", answered(answer, "myUpdates"));
  const expected = epochs * Math.ceil(n / m);
  if (value === expected)
    return `${expected} updates: ${Math.ceil(n / m)} per epoch (nine full batches and one of ${n % m}), against ${epochs * Math.ceil(n / 8)} for m = 8.`;
  if (near(value, (epochs * n) / m, 1e-9))
    fail("updates come in whole steps: each epoch serves ⌈N/m⌉ batches, the last one smaller.");
  if (value === epochs * Math.floor(n / m))
    fail(
      `that drops the last ${n % m} examples of every epoch; with the partial batch kept there are ⌈N/m⌉ batches per epoch.`,
    );
  if (value === Math.ceil((epochs * n) / m))
    fail(
      "each epoch is cut into batches separately, so the partial batch appears once per epoch: epochs·⌈N/m⌉.",
    );
  fail(`not ${fmt(value)}: count the batches of one epoch, then multiply by the epochs.`);
}

/** The numbers of exercise 3: the training loss at θ and the highest loss ascent found in the box. */
export const PHI_EXERCISE = { loss: 0.004, maxLoss: 0.0095 } as const;

export function gradePhi(answer: unknown): string {
  const { loss, maxLoss } = PHI_EXERCISE;
  const value = expectNumber("φ", answered(answer, "myPhi"));
  const expected = (100 * (maxLoss - loss)) / (1 + loss);
  if (near(value, expected, 1e-6))
    return `φ = 100·(0.0095 − 0.004)/(1 + 0.004) = ${fmt(expected)} (in percent of 1 + f).`;
  if (near(value, expected / 100, 1e-6)) fail("φ is in percent: multiply by 100.");
  if (near(value, (100 * (maxLoss - loss)) / loss, 1e-6))
    fail(
      "the denominator is 1 + f(θ), not f(θ): dividing by a loss near 0 would make every well-trained solution look infinitely sharp.",
    );
  if (near(value, 100 * (maxLoss - loss), 1e-6)) fail("divide by 1 + f(θ).");
  if (near(value, (100 * maxLoss) / (1 + loss), 1e-6))
    fail("subtract f(θ) first: φ measures the rise, not the level.");
  fail(`not ${fmt(value)}: φ = 100·[max f − f(θ)]/(1 + f(θ)).`);
}

/** The learner's power iteration: the largest eigenvalue of a symmetric operator, from products only. */
export type TopEigenvalueFn = (op: LinearOperator, iterations: number) => number;

/** A symmetric 6 × 6 matrix with known, well separated eigenvalues (largest 9, next 4). */
function exerciseMatrix(): { op: LinearOperator; values: Float64Array } {
  const p = 6;
  const spectrum = [9, 4, 2, 1, 0.5, 0.1];
  const random = rng(21);
  const basis: number[][] = [];
  for (let k = 0; k < p; k++) {
    const q = Array.from({ length: p }, () => random.normal());
    for (const b of basis) {
      const c = q.reduce((s, x, j) => s + x * b[j], 0);
      for (let j = 0; j < p; j++) q[j] -= c * b[j];
    }
    const norm = Math.sqrt(q.reduce((s, x) => s + x * x, 0));
    basis.push(q.map((x) => x / norm));
  }
  const A = new Float64Array(p * p);
  for (let r = 0; r < p; r++)
    for (let c = 0; c < p; c++)
      for (let k = 0; k < p; k++) A[r * p + c] += basis[k][r] * spectrum[k] * basis[k][c];
  return { op: matrixOperator(A, p), values: symmetricEigenvalues(A, p) };
}

export function gradeTopEigenvalue(topEigenvalue: TopEigenvalueFn): string {
  const { op, values } = exerciseMatrix();
  let calls = 0;
  const counted: LinearOperator = {
    size: op.size,
    apply: (v, out) => {
      calls++;
      return op.apply(v, out);
    },
  };
  const value = expectNumber("your eigenvalue", topEigenvalue(counted, 60));
  const trace = values.reduce((s, x) => s + x, 0);
  if (calls === 0)
    fail("your function never called op.apply: power iteration needs the products A·v.");
  if (near(value, values[0], 1e-6))
    return `λ_max = ${fmt(value)} (exact ${fmt(values[0])}) from ${calls} products.`;
  if (near(value, values[1], 1e-3))
    fail(
      "you found the second eigenvalue: start from a random vector, not one that happens to be orthogonal to the top eigenvector.",
    );
  if (near(value, trace / op.size, 1e-3))
    fail(
      "that is the mean eigenvalue (trace/p): iterate v ← A·v/|A·v| and return vᵀA·v at the end.",
    );
  if (value > values[0] * 1.5)
    fail(
      "the estimate overshoots: normalise v to length 1 after every product, and return the Rayleigh quotient vᵀA·v (or |A·v| with |v| = 1).",
    );
  if (value < values[0])
    fail(
      `${fmt(value)} is below the top eigenvalue ${fmt(values[0])}: iterate more, or check that you use the last product, not the first.`,
    );
  fail(`got ${fmt(value)}, expected ${fmt(values[0])}.`);
}

registerSolutions({
  "sqrt-rule": {
    code: "const myLr = 0.05 * Math.sqrt(512 / 32); // 0.2",
    explanation:
      "The square-root rule keeps η²/m, the variance the minibatch noise adds per step, fixed: 16 times the batch, 4 times η.",
  },
  updates: {
    code: "const myUpdates = 10 * Math.ceil(5000 / 512); // 100",
    explanation:
      "Each epoch is cut into ⌈N/m⌉ batches (the last one smaller); a fixed number of epochs therefore gives a large batch N/m-fold fewer updates.",
  },
  phi: {
    code: "const myPhi = (100 * (0.0095 - 0.004)) / (1 + 0.004);",
    explanation:
      "Keskar et al. normalise the rise of the loss by 1 + f(θ) and report it in percent.",
  },
  "power-iteration": {
    code: `
function myTopEigenvalue(op: LinearOperator, iterations: number): number {
  const random = rng(0);
  let v = Float64Array.from({ length: op.size }, () => random.normal());
  let value = 0;
  for (let k = 0; k < iterations; k++) {
    const norm = Math.hypot(...v);
    v = v.map((x) => x / norm);
    const w = op.apply(v);
    value = v.reduce((s, x, j) => s + x * w[j], 0); // Rayleigh quotient vᵀAv
    v = w;
  }
  return value;
}`,
    explanation:
      "Each product stretches v most along the top eigenvector; normalising keeps the numbers finite, and vᵀAv with |v| = 1 converges to λ_max at rate (λ₂/λ₁)^k.",
  },
});
