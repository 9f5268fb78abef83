// Graders and reference solutions for the exercises of chapter 3 (convergence and the critical
// batch size). Every answer is checked against the learner's own fit, so the exercises stay right
// whatever the sweep measured on their machine; the messages name the usual slips.

import type { CriticalBatchFit } from "../sweeps/pareto";
import {
  answered,
  expectNumber,
  fail,
  formatNumber,
  nearlyEqual,
  registerSolutions,
} from "./check";

type Fit = Pick<CriticalBatchFit, "sMin" | "bCrit">;

/** Answers are typed by hand or computed: 0.1 % covers rounding to 3–4 digits. */
const RTOL = 1e-3;

/** Exercise 1: the steps the fit predicts at m = 4·B_crit. */
export function gradeStepsAtFourBCrit(answer: unknown, fit: Fit): string {
  const value = expectNumber("the predicted steps", answered(answer, "stepsAt4B"));
  const { sMin, bCrit } = fit;
  const expected = sMin * (1 + 1 / 4);
  if (nearlyEqual(value, expected, RTOL)) {
    return `S(4·B_crit) = 1.25·S_min ≈ ${formatNumber(expected)}: only 25 % above the fewest steps possible, but at E = 5·E_min examples.`;
  }
  if (nearlyEqual(value, sMin * 5, RTOL))
    fail(
      "you computed S_min·(1 + 4): the ratio is B_crit/m = B_crit/(4·B_crit) = 1/4, not m/B_crit.",
    );
  if (nearlyEqual(value, sMin / 4, RTOL) || nearlyEqual(value, sMin * 0.25, RTOL))
    fail(
      "you kept only S_min·B_crit/m: S(m) = S_min·(1 + B_crit/m) — the 1 is the floor of steps no batch size can go below.",
    );
  if (nearlyEqual(value, sMin, RTOL))
    fail("S_min is the limit m → ∞; at m = 4·B_crit the curve is still 25 % above it.");
  if (
    nearlyEqual(value, sMin * (1 + 4 * bCrit), RTOL) ||
    nearlyEqual(value, sMin * (1 + bCrit / 4), RTOL)
  ) {
    fail("m = 4·B_crit, so B_crit/m = 1/4: substitute m itself, not 4.");
  }
  fail(
    `not ${formatNumber(value)}: evaluate S_min·(1 + B_crit/m) at m = 4·B_crit (S_min = ${formatNumber(sMin)}, B_crit = ${formatNumber(bCrit)}).`,
  );
}

/** The step cost of exercise 2: a fixed overhead per step plus a cost per example (seconds). */
export const STEP_COST = { overhead: 20e-6, perExample: 0.4e-6 } as const;

/** The m minimising S(m)·(a + b·m) for S(m) = S_min(1 + B/m): √(a·B/b). */
export function wallClockOptimalBatch(
  fit: Fit,
  cost: { overhead: number; perExample: number } = STEP_COST,
): number {
  return Math.sqrt((cost.overhead * fit.bCrit) / cost.perExample);
}

/** Exercise 2: the batch size that reaches the target in the least time when a step costs a + b·m. */
export function gradeWallClockOptimalBatch(answer: unknown, fit: Fit): string {
  const value = expectNumber("the time-optimal batch size", answered(answer, "mFastest"));
  const { overhead: a, perExample: b } = STEP_COST;
  const expected = wallClockOptimalBatch(fit);
  if (nearlyEqual(value, expected, RTOL)) {
    return `m* = √(a·B_crit/b) ≈ ${formatNumber(expected)}: the geometric mean of the overhead-to-cost ratio a/b = ${formatNumber(a / b)} and B_crit.`;
  }
  if (nearlyEqual(value, fit.bCrit, RTOL))
    fail(
      "B_crit minimises neither time nor examples: write the time T(m) = S(m)·(a + b·m) and set dT/dm = 0.",
    );
  if (nearlyEqual(value, a / b, RTOL))
    fail(
      "a/b is where a step's overhead equals its per-example cost; the steps S(m) matter too. Minimise S_min(1 + B/m)(a + b·m).",
    );
  if (nearlyEqual(value, Math.sqrt((b * fit.bCrit) / a), RTOL))
    fail(
      "you inverted a and b: the optimum grows with the overhead a (it pays to amortise it over a larger batch).",
    );
  if (nearlyEqual(value, (a * fit.bCrit) / b, RTOL))
    fail("close: dT/dm = 0 gives m² = a·B_crit/b; take the square root.");
  fail(
    `not ${formatNumber(value)}: expand T(m) = S_min·(a + b·B + a·B/m + b·m) and minimise over m.`,
  );
}

/** Exercise 3: the largest m that needs at most 10 % more examples than E_min. */
export function gradeTenPercentOverhead(answer: unknown, fit: Fit): string {
  const value = expectNumber("the batch size", answered(answer, "mTenPercent"));
  const expected = 0.1 * fit.bCrit;
  if (nearlyEqual(value, expected, RTOL))
    return `m = B_crit/10 ≈ ${formatNumber(expected)}: from E/E_min = 1 + m/B_crit. At m = B_crit the overhead is 100 %.`;
  if (nearlyEqual(value, 10 * fit.bCrit, RTOL))
    fail(
      "that is where the *steps* are within 10 % of S_min. Examples grow with m: E/E_min = 1 + m/B_crit.",
    );
  if (nearlyEqual(value, 1.1 * fit.bCrit, RTOL) || nearlyEqual(value, fit.bCrit / 1.1, RTOL))
    fail("solve 1 + m/B_crit = 1.1 for m.");
  fail(
    `not ${formatNumber(value)}: E(m) = E_min·(1 + m/B_crit); set E/E_min = 1.1 and solve for m.`,
  );
}

registerSolutions({
  "steps-at-4bcrit": {
    code: `const stepsAt4B = fit.steps(4 * fit.bCrit); // = fit.sMin * (1 + 1 / 4)`,
    explanation: "S(m) = S_min·(1 + B_crit/m) with B_crit/m = 1/4.",
  },
  "wallclock-optimal-batch": {
    code: `const mFastest = Math.sqrt(STEP_COST.overhead * fit.bCrit / STEP_COST.perExample);`,
    explanation:
      "T(m) = S_min·(1 + B/m)·(a + b·m) = S_min·(a + b·B + a·B/m + b·m); dT/dm = S_min·(b − a·B/m²) = 0 at m = √(a·B/b).",
  },
  "ten-percent-overhead": {
    code: `const mTenPercent = 0.1 * fit.bCrit;`,
    explanation:
      "E(m) = m·S(m) = E_min·(1 + m/B_crit), so E ≤ 1.1·E_min exactly when m ≤ 0.1·B_crit.",
  },
});
