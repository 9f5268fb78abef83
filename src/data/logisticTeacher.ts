// Logistic-teacher data for the convergence chapter: small enough that a whole grid of training
// runs takes seconds in plain JavaScript, with a minimum that an optimiser finds to high accuracy
// (sweeps/optimum.ts), so a target "L* + δ" means the same thing at every batch size.

import { dataset, type Dataset } from "./dataset";
import { rng } from "../util/rng";
import { checkInRange, checkPositiveFinite, checkPositiveInteger } from "../util/validate";

export interface TeacherProblem {
  data: Dataset;
  /** The weights (bias last) that generated the labels. */
  teacher: Float64Array;
  /** Per-feature standard deviations of the inputs. */
  scales: Float64Array;
}

export interface LogisticTeacherOptions {
  n: number;
  d: number;
  /**
   * Ratio of the largest to the smallest input variance (default 1: isotropic). The feature
   * standard deviations are spaced geometrically between 1 and 1/√condition, so the Hessian's
   * spectrum spans about this ratio, as in real data where a few directions dominate.
   */
  condition?: number;
  /** Standard deviation of the teacher's logit, which sets how separable the classes are (default 2). */
  logitScale?: number;
  seed?: number;
}

/**
 * Binary labels drawn from a logistic "teacher": x ~ N(0, diag(s²)), y ~ Bernoulli(σ(wᵀx + b)).
 * The labels are noisy, so the classes overlap, the minimum of the training loss L* is finite and
 * well above zero, and SGD's gradient noise does not vanish at the optimum (as in real data).
 */
export function logisticTeacher(options: LogisticTeacherOptions): TeacherProblem {
  const { n, d } = options;
  checkPositiveInteger("n", n);
  checkPositiveInteger("d", d);
  const condition = options.condition ?? 1;
  checkInRange("condition", condition, 1, 1e8);
  const logitScale = options.logitScale ?? 2;
  checkPositiveFinite("logitScale", logitScale);
  const random = rng(options.seed ?? 0);
  const scales = new Float64Array(d);
  for (let j = 0; j < d; j++) scales[j] = d === 1 ? 1 : Math.pow(condition, -j / (2 * (d - 1)));
  // Teacher weights chosen so that every direction contributes to the logit in proportion to its
  // scale (wⱼ·sⱼ ~ N(0, 1)), then normalised so the logit's standard deviation is logitScale.
  const teacher = new Float64Array(d + 1);
  let variance = 0;
  for (let j = 0; j < d; j++) {
    const u = random.normal();
    teacher[j] = u / scales[j];
    variance += u * u;
  }
  const norm = logitScale / Math.sqrt(variance);
  for (let j = 0; j < d; j++) teacher[j] *= norm;
  teacher[d] = 0.25 * logitScale * random.normal();
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = teacher[d];
    for (let j = 0; j < d; j++) {
      const v = scales[j] * random.normal();
      x[i * d + j] = v;
      z += teacher[j] * v;
    }
    y[i] = random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  const shape = condition === 1 ? "isotropic" : `condition ${condition}`;
  return { data: dataset(x, y, { d, classes: 2, name: `logistic teacher (n=${n}, d=${d}, ${shape})` }), teacher, scales };
}
