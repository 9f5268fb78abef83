// Graders and reference solutions for the exercises of chapter 6 (choosing a batch size). The
// wrong answers they recognise: the linear rule without the curvature cap, the cap without its
// margin, the square-root rule for the linear one; perfect scaling or the plateau S_min for the
// steps at a large batch; and, for cleaning data, rows dropped that were fine or bad values kept.

import {
  answered,
  describeValue,
  expectNumber,
  fail,
  formatNumber,
  nearlyEqual,
  registerSolutions,
} from "./check";
import { paretoSteps } from "../sweeps/pareto";
import { STABILITY_FRACTION } from "../advisor/advise";

/** Exercise 1: scale η from the base batch size, then cap it by the curvature. */
export const CAPPED_LR_EXERCISE = { baseLr: 0.02, baseM: 32, m: 512, lambdaMax: 10 } as const;

export function gradeCappedLr(answer: unknown): string {
  const { baseLr, baseM, m, lambdaMax } = CAPPED_LR_EXERCISE;
  const value = expectNumber("η", answered(answer, "etaAt512"));
  const linear = (baseLr * m) / baseM;
  const limit = 2 / lambdaMax;
  const expected = Math.min(linear, STABILITY_FRACTION * limit);
  if (nearlyEqual(value, expected, 1e-6)) {
    return `η = ${formatNumber(expected)}: the linear rule asks for ${formatNumber(linear)}, but 2/λ_max = ${formatNumber(limit)} and the advisor keeps a factor 2 of margin below it.`;
  }
  if (nearlyEqual(value, linear, 1e-6))
    fail(
      `${formatNumber(linear)} is the linear rule alone; it is above 2/λ_max = ${formatNumber(limit)}, where gradient descent diverges whatever the batch size. Cap it.`,
    );
  if (nearlyEqual(value, limit, 1e-6))
    fail(
      `${formatNumber(limit)} is the stability limit 2/λ_max itself; a run at the limit does not converge, and λ_max can grow during training. The advisor keeps half of it.`,
    );
  if (nearlyEqual(value, baseLr * Math.sqrt(m / baseM), 1e-6))
    fail("that is the square-root rule; the exercise asks for the linear rule (then the cap).");
  if (nearlyEqual(value, 1 / (2 * lambdaMax), 1e-6))
    fail("the cap is half of 2/λ_max, i.e. 1/λ_max, not 1/(2λ_max).");
  fail(
    `not ${formatNumber(value)}: compute the linear rule η₀·m/m₀, then take the smaller of it and ${STABILITY_FRACTION} × 2/λ_max.`,
  );
}

/** Exercise 2: steps at a larger batch size, from the steps the base run needs. */
export const STEPS_EXERCISE = { n: 5000, baseM: 32, baseEpochs: 10, bCrit: 400, m: 512 } as const;

export function stepsExerciseAnswer(): { baseSteps: number; sMin: number; steps: number } {
  const { n, baseM, baseEpochs, bCrit, m } = STEPS_EXERCISE;
  const baseSteps = Math.ceil((baseEpochs * n) / baseM);
  const sMin = baseSteps / (1 + bCrit / baseM);
  return { baseSteps, sMin, steps: paretoSteps(m, sMin, bCrit) };
}

export function gradeStepsAtLargeBatch(answer: unknown): string {
  const { baseM, bCrit, m } = STEPS_EXERCISE;
  const value = expectNumber("S(512)", answered(answer, "stepsAt512"));
  const { baseSteps, sMin, steps } = stepsExerciseAnswer();
  if (nearlyEqual(value, steps, 0.01)) {
    return `S(512) ≈ ${formatNumber(steps)} steps: ${(baseSteps / steps).toFixed(1)}× fewer than m = 32 for 16× the batch, because 512 is above B_crit = ${bCrit}.`;
  }
  if (nearlyEqual(value, (baseSteps * baseM) / m, 0.01))
    fail(
      "that is perfect scaling (16× the batch, 16× fewer steps), which only holds far below B_crit; 512 is above B_crit = 400.",
    );
  if (nearlyEqual(value, sMin, 0.01))
    fail(
      "that is S_min, the plateau for m → ∞; at m = 512 the factor (1 + B_crit/m) is still 1.78.",
    );
  if (nearlyEqual(value, baseSteps, 0.01))
    fail(
      `that is the base run's own step count, ⌈10·5000/32⌉ = ${baseSteps}; now find S_min from it and evaluate S(512).`,
    );
  if (nearlyEqual(value, baseSteps * (1 + bCrit / m), 0.01))
    fail(
      "you used the base run's steps as S_min: first divide them by (1 + B_crit/32) to get S_min.",
    );
  fail(
    `not ${formatNumber(value)}: S(32) = ⌈10·5000/32⌉ = ${baseSteps} fixes S_min = S(32)/(1 + B_crit/32); then S(512) = S_min·(1 + B_crit/512).`,
  );
}

/** Exercise 3: clean rows with missing values before asking for advice. */
export type CleanFn = (x: number[][], y: number[]) => { x: number[][]; y: number[] };

/** A small table with holes: NaN features, an Infinity, a missing target. */
export function dirtyRows(): { x: number[][]; y: number[]; bad: number[] } {
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < 12; i++) {
    x.push([i, 2 * i + 1, i % 3]);
    y.push(i % 2);
  }
  x[2][1] = NaN;
  x[5][0] = Infinity;
  y[7] = NaN;
  x[9][2] = -Infinity;
  return { x, y, bad: [2, 5, 7, 9] };
}

export function gradeCleanRows(clean: CleanFn): string {
  const { x, y, bad } = dirtyRows();
  const before = JSON.stringify({ x: x.map((r) => r.map(String)), y: y.map(String) });
  const out = clean(
    x.map((r) => r.slice()),
    y.slice(),
  );
  if (!out || !Array.isArray(out.x) || !Array.isArray(out.y))
    fail(`clean should return { x, y } with two arrays, got ${describeValue(out)}.`);
  if (out.x.length !== out.y.length)
    fail(
      `x has ${out.x.length} rows but y has ${out.y.length}: drop a row from both, or from neither.`,
    );
  const good = x.map((_, i) => i).filter((i) => bad.indexOf(i) < 0);
  const nonFinite = out.x.findIndex((r) => !Array.isArray(r) || r.some((v) => !Number.isFinite(v)));
  if (nonFinite >= 0)
    fail(
      `row ${nonFinite} of your x still has a non-finite value (${JSON.stringify(out.x[nonFinite]?.map(String))}): Infinity and -Infinity are not numbers the model can use either.`,
    );
  const badY = out.y.findIndex((v) => !Number.isFinite(v));
  if (badY >= 0)
    fail(`y[${badY}] is still ${out.y[badY]}: a missing target makes the row useless too.`);
  if (out.x.length < good.length)
    fail(
      `you kept ${out.x.length} rows, but ${good.length} rows of the ${x.length} are complete: drop only the rows with a non-finite value.`,
    );
  if (out.x.length > good.length)
    fail(`you kept ${out.x.length} rows; only ${good.length} are complete.`);
  const same = good.every(
    (i, k) => JSON.stringify(out.x[k]) === JSON.stringify(x[i]) && out.y[k] === y[i],
  );
  if (!same)
    fail(
      "the rows you kept are not the complete rows in their original order (rows and targets must stay paired).",
    );
  if (JSON.stringify({ x: x.map((r) => r.map(String)), y: y.map(String) }) !== before)
    return "correct (note: your function changed the input arrays; returning new ones is safer).";
  return `correct: ${good.length} complete rows kept, rows ${bad.join(", ")} dropped.`;
}

registerSolutions({
  "ch6-ex1": {
    code: `const { baseLr, baseM, m, lambdaMax } = CAPPED_LR_EXERCISE;
const etaAt512 = Math.min(baseLr * m / baseM, 0.5 * (2 / lambdaMax)); // linear rule, capped at half the stability limit`,
    explanation:
      "The linear rule gives 0.02·512/32 = 0.32, above 2/λ_max = 0.2; half of that limit is 0.1.",
  },
  "ch6-ex2": {
    code: `const { n, baseM, baseEpochs, bCrit, m } = STEPS_EXERCISE;
const sMin = Math.ceil(baseEpochs * n / baseM) / (1 + bCrit / baseM);
const stepsAt512 = sMin * (1 + bCrit / m);`,
    explanation:
      "S(32) = 1,563 steps = S_min·(1 + 400/32), so S_min ≈ 115.8 and S(512) = 115.8·(1 + 400/512) ≈ 206.",
  },
  "ch6-ex3": {
    code: `function clean(x: number[][], y: number[]) {
  const keep = x.map((row, i) => row.every(Number.isFinite) && Number.isFinite(y[i]));
  return { x: x.filter((_, i) => keep[i]), y: y.filter((_, i) => keep[i]) };
}`,
    explanation:
      "Number.isFinite is false for NaN, Infinity and -Infinity alike; filter rows and targets with the same mask so they stay paired.",
  },
});
