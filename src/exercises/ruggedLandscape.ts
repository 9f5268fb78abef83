// Graders and reference solutions for the exercises of chapter 2b (noise on a rugged landscape).
// The wrong answers they recognise: the mean of the escaped runs only (censored runs dropped),
// censored runs counted as if they had escaped at the budget, the rate instead of the mean time;
// and for the slope, the barrier cap left out, the share s inverted, the factor 2 forgotten.

import {
  answered,
  expectNumber,
  fail,
  formatNumber as fmt,
  nearlyEqual as near,
  registerSolutions,
} from "./check";

/** Exercise 1: ten runs of 1,000 steps each, escape times in steps, 0 = still in the well at the end. */
export const CENSORED_EXERCISE = {
  budget: 1000,
  times: [120, 340, 1000, 75, 1000, 610, 1000, 230, 880, 1000],
  escaped: [1, 1, 0, 1, 0, 1, 0, 1, 1, 0],
} as const;

export function gradeCensoredMean(answer: unknown): string {
  const { times, escaped } = CENSORED_EXERCISE;
  const value = expectNumber("the mean escape time", answered(answer, "myMeanEscape"));
  const k = escaped.reduce((s: number, e) => s + e, 0);
  const exposure = times.reduce((s: number, t) => s + t, 0);
  const expected = exposure / k;
  const escapedOnly = times.filter((_, i) => escaped[i]).reduce((s: number, t) => s + t, 0) / k;
  if (near(value, expected, 1e-6))
    return `τ̂ = ${fmt(exposure)} steps at risk / ${k} escapes = ${fmt(expected)} steps, longer than the budget-limited runs suggest.`;
  if (near(value, escapedOnly, 1e-6))
    fail(
      "that is the mean of the runs that escaped: it drops the four slowest runs and comes out far too short. Count their 1,000 steps as time at risk.",
    );
  if (near(value, exposure / times.length, 1e-6))
    fail(
      "that counts the censored runs as if they had escaped at step 1,000. They had not: only 6 escapes happened in all that time.",
    );
  if (near(value, k / exposure, 1e-6))
    fail("that is the escape rate (escapes per step); the mean time is its inverse.");
  fail(
    `not ${fmt(value)}: add up every run's steps (censored ones to the budget), then divide by the number of escapes.`,
  );
}

/** Exercise 2: the slope of ln τ against m/η for a sharp well of curvature h under a barrier of curvature k. */
export const SLOPE_EXERCISE = {
  curvature: 8,
  barrierCurvature: 24,
  barrier: 0.5,
  noise: 2,
} as const;

export function gradeEscapeSlope(answer: unknown): string {
  const { curvature: h, barrierCurvature: k, barrier: dL, noise } = SLOPE_EXERCISE;
  const value = expectNumber("the slope", answered(answer, "mySlope"));
  const s = k / (h + k);
  const scale = (2 * dL) / noise ** 2;
  const expected = scale * (s / h + (1 - s) / k);
  if (near(value, expected, 1e-6))
    return `(2ΔL/σ²)·(s/h + (1 − s)/k) with s = ${fmt(s)}: ${fmt(expected)}. Doubling m (or halving η) multiplies τ by e^(slope·m/η).`;
  if (near(value, scale / h, 1e-6))
    fail(
      "you counted the whole barrier as climbed inside the well (s = 1). A share 1 − s of it lies on the cap, where the noise follows k, not h.",
    );
  if (near(value, scale * ((1 - s) / h + s / k), 1e-6))
    fail(
      "s and 1 − s are swapped: s = k/(h + k) is the share climbed inside the well of curvature h.",
    );
  if (near(value, expected / 2, 1e-6))
    fail("a factor 2 is missing: D = η·σ²·|L″|/(2m), so ΔL/D = 2m·ΔL/(η·σ²·|L″|).");
  if (near(value, ((2 * dL) / noise) * (s / h + (1 - s) / k), 1e-6))
    fail("divide by σ², the variance, not by σ.");
  fail(`not ${fmt(value)}: s = k/(h + k), then (2ΔL/σ²)·(s/h + (1 − s)/k).`);
}

registerSolutions({
  "censored-mean": {
    code: `
const { times, escaped } = CENSORED_EXERCISE;
const atRisk = times.reduce((s, t) => s + t, 0);          // censored runs count to the budget
const escapes = escaped.reduce((s: number, e) => s + e, 0);
const myMeanEscape = atRisk / escapes;                   // 6255 / 6 = 1042.5 steps`,
    explanation:
      "Under the exponential model the likelihood of a censored run is e^(−T/τ) and of an escape at t is e^(−t/τ)/τ; maximising gives τ̂ = (Σ time at risk)/(number of escapes).",
  },
  "escape-slope": {
    code: `
const { curvature: h, barrierCurvature: k, barrier: dL, noise } = SLOPE_EXERCISE;
const s = k / (h + k);                                    // 0.75 of the barrier is climbed in the well
const mySlope = (2 * dL / noise ** 2) * (s / h + (1 - s) / k);`,
    explanation:
      "ln τ ≈ Ψ(top) = ΔL·s/Dₐ + ΔL·(1 − s)/D_top with D = η·σ²·|L″|/(2m): linear in m/η with this slope.",
  },
});
