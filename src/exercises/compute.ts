// Graders and reference solutions for the exercises of chapter 5 (compute and memory). The wrong
// answers they recognise: the 50 % break-even point taken for the 90 % one, a rounded-down batch
// that misses the target, activations counted without their gradients or without the input,
// decimal megabytes for binary ones, and the noise scale taken for the fastest batch size.

import {
  answered,
  expectNumber,
  fail,
  formatNumber,
  nearlyEqual,
  registerSolutions,
} from "./check";
import { activationBytesPerExample, largestBatchWithin } from "../compute/memory";
import { optimalBatchModel } from "../compute/target";

/** Exercise 1: a step costs t₀ + c·m. */
export const OVERHEAD_EXERCISE = {
  overheadSeconds: 180e-6,
  secondsPerExample: 3.5e-6,
  share: 0.9,
} as const;

/** The smallest m at which the arithmetic c·m is at least `share` of the step. */
export function gradeOverheadBatch(answer: unknown): string {
  const { overheadSeconds: t0, secondsPerExample: c, share } = OVERHEAD_EXERCISE;
  const value = expectNumber("the batch size", answered(answer, "mForNinetyPercent"));
  const exact = (share / (1 - share)) * (t0 / c);
  const expected = Math.ceil(exact - 1e-9);
  if (value === expected)
    return `m = ${expected}: c·m ≥ 0.9·(t₀ + c·m) ⇔ m ≥ 9·t₀/c = ${formatNumber(exact)}; overhead is then at most 10 % of a step.`;
  if (nearlyEqual(value, t0 / c, 1e-3) || value === Math.ceil(t0 / c))
    fail(
      "t₀/c is where overhead and arithmetic take equal time (50 %). For 90 % arithmetic, solve c·m ≥ 0.9·(t₀ + c·m).",
    );
  if (nearlyEqual(value, exact, 1e-6))
    fail(`${formatNumber(value)} is not a batch size: round up to a whole number of examples.`);
  if (value === Math.floor(exact))
    fail(`at m = ${value} the arithmetic is just under 90 % of the step; round up, not down.`);
  if (value === Math.ceil((10 * t0) / c) || value === Math.floor((10 * t0) / c))
    fail("close, but the condition is c·m ≥ 0.9·(t₀ + c·m), which gives 9·t₀/c, not 10·t₀/c.");
  fail(
    `not ${formatNumber(value)}: write the share of the step spent on arithmetic, c·m/(t₀ + c·m), and solve for the m where it reaches 0.9.`,
  );
}

/** Exercise 2: the memory budget of a wider MLP. */
export const MEMORY_EXERCISE = { widths: [784, 512, 256, 10], budgetBytes: 64 * 2 ** 20 } as const;

export function gradeMemoryBudget(answer: unknown): string {
  const { widths, budgetBytes } = MEMORY_EXERCISE;
  const value = expectNumber("the batch size", answered(answer, "largestM"));
  const perExample = activationBytesPerExample(widths);
  const expected = largestBatchWithin(budgetBytes, 0, perExample);
  if (value === expected)
    return `m = ${expected}: each example stores ${perExample / 4} floats (${perExample} bytes), so 64 MiB holds ${expected} of them.`;
  const layers = widths.slice(1).reduce((s, w) => s + w, 0);
  const floorFor = (floats: number, budget = budgetBytes) => Math.floor(budget / (4 * floats));
  if (value === floorFor(widths[0] + layers))
    fail(
      "you counted each layer's output but not its gradient: the backward pass stores one gradient per layer output as well.",
    );
  if (value === floorFor(2 * layers))
    fail(
      "you left out the input rows: the batch itself, m × 784 floats, is stored too (dW₁ = dZ₁ᵀ·X needs it).",
    );
  if (value === floorFor(widths[0] + 2 * layers, 64e6))
    fail("64 MiB is 64·2²⁰ = 67,108,864 bytes, not 64,000,000.");
  if (value === floorFor(widths[0] + 2 * layers, budgetBytes * 2))
    fail("a float32 takes 4 bytes, not 2.");
  if (value === Math.floor(budgetBytes / (8 * (widths[0] + 2 * layers))))
    fail("the engine stores float32 values: 4 bytes each, not 8.");
  if (value === expected + 1)
    fail(`m = ${value} needs ${value * perExample} bytes, over the budget: round down.`);
  fail(
    `not ${formatNumber(value)}: count the floats per example (input, each layer's output, each layer's gradient), multiply by 4 bytes, and divide the budget by it.`,
  );
}

/** Exercise 3: the fastest batch size for model curves of S(m) and t(m). */
export const OPTIMUM_EXERCISE = {
  bNoise: 440,
  overheadSeconds: 200e-6,
  secondsPerExample: 2e-6,
} as const;

export function gradeOptimalBatch(answer: unknown): string {
  const { bNoise, overheadSeconds: t0, secondsPerExample: c } = OPTIMUM_EXERCISE;
  const value = expectNumber("m*", answered(answer, "mStar"));
  const expected = optimalBatchModel(bNoise, t0, c);
  if (nearlyEqual(value, expected, 0.01))
    return `m* = √(B_noise·t₀/c) = ${formatNumber(expected)}: the geometric mean of the noise scale (${bNoise}) and the overhead break-even batch t₀/c = ${formatNumber(t0 / c)}.`;
  if (nearlyEqual(value, bNoise, 1e-6))
    fail(
      "B_noise minimises neither steps nor time: it is where S(m) = 2·S_min. Multiply S(m) by t(m) and minimise the product.",
    );
  if (nearlyEqual(value, t0 / c, 1e-6))
    fail(
      "t₀/c is where a step is half overhead; it ignores how many steps each m needs. Minimise S(m)·t(m).",
    );
  if (nearlyEqual(value, (bNoise * t0) / c, 1e-6))
    fail("close: setting the derivative to zero gives m² = B_noise·t₀/c; take the square root.");
  if (nearlyEqual(value, Math.sqrt((bNoise * c) / t0), 1e-6))
    fail(
      "t₀ and c are swapped: the product is S_min·(t₀ + c·m + B_noise·t₀/m + B_noise·c); differentiate in m.",
    );
  fail(
    `not ${formatNumber(value)}: expand S_min·(1 + B_noise/m)·(t₀ + c·m), differentiate in m and set it to zero.`,
  );
}

registerSolutions({
  "ch5-ex1": {
    code: `const { overheadSeconds: t0, secondsPerExample: c } = OVERHEAD_EXERCISE;
const mForNinetyPercent = Math.ceil(9 * t0 / c); // c·m ≥ 0.9·(t0 + c·m)  ⇔  m ≥ 9·t0/c`,
    explanation:
      "The arithmetic's share of a step is c·m/(t₀ + c·m); it reaches 0.9 at m = 9·t₀/c = 462.9, so the smallest batch is 463.",
  },
  "ch5-ex2": {
    code: `const { widths, budgetBytes } = MEMORY_EXERCISE;
const floatsPerExample = widths[0] + 2 * widths.slice(1).reduce((s, w) => s + w, 0); // input + outputs + their gradients
const largestM = Math.floor(budgetBytes / (4 * floatsPerExample));`,
    explanation:
      "784 + 2·(512 + 256 + 10) = 2,340 floats = 9,360 bytes per example; 64 MiB / 9,360 B = 7,169.9, so m = 7,169.",
  },
  "ch5-ex3": {
    code: `const { bNoise, overheadSeconds: t0, secondsPerExample: c } = OPTIMUM_EXERCISE;
const mStar = Math.sqrt(bNoise * t0 / c); // d/dm [(1 + B/m)(t0 + c·m)] = c − B·t0/m² = 0`,
    explanation:
      "S·t = S_min·(t₀ + B·c + c·m + B·t₀/m); its derivative c − B·t₀/m² vanishes at m* = √(B·t₀/c) = √(440·100) ≈ 210.",
  },
});
