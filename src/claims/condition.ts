// What makes a claim true: a condition on one measured number, with the words that say it.
// Conditions are values (not closures hidden in prose) so that a claim's line can print exactly
// what was wanted: "(want −1 ± 0.05)", "(want ≥ 0.9)", "(want in [2, 4])".

import { BatchlabArgumentError, checkFinite } from "../util/validate";
import { formatMeasured } from "./format";

export interface Condition {
  /** True when the measured value satisfies the condition. NaN never does. */
  holds(value: number): boolean;
  /** "−1 ± 0.05", "≥ 0.9", "in [2, 4]": what was wanted, formatted like the measurement. */
  describe(digits?: number): string;
}

/** |value − target| ≤ tolerance. */
export function near(target: number, tolerance: number): Condition {
  checkFinite("target", target);
  checkFinite("tolerance", tolerance);
  if (tolerance < 0) throw new BatchlabArgumentError("tolerance", tolerance, "a finite number ≥ 0");
  return {
    holds: (v) => Math.abs(v - target) <= tolerance,
    describe: (d) => `${formatMeasured(target, d)} ± ${formatMeasured(tolerance, d)}`,
  };
}

/** lo ≤ value ≤ hi. */
export function between(lo: number, hi: number): Condition {
  checkFinite("lo", lo);
  checkFinite("hi", hi);
  if (!(lo <= hi)) throw new BatchlabArgumentError("hi", hi, `a finite number ≥ lo = ${lo}`);
  return {
    holds: (v) => v >= lo && v <= hi,
    describe: (d) => `in [${formatMeasured(lo, d)}, ${formatMeasured(hi, d)}]`,
  };
}

/** value > bound. */
export function above(bound: number): Condition {
  checkFinite("bound", bound);
  return { holds: (v) => v > bound, describe: (d) => `> ${formatMeasured(bound, d)}` };
}

/** value < bound. */
export function below(bound: number): Condition {
  checkFinite("bound", bound);
  return { holds: (v) => v < bound, describe: (d) => `< ${formatMeasured(bound, d)}` };
}

/** value ≥ bound. */
export function atLeast(bound: number): Condition {
  checkFinite("bound", bound);
  return { holds: (v) => v >= bound, describe: (d) => `≥ ${formatMeasured(bound, d)}` };
}

/** value ≤ bound. */
export function atMost(bound: number): Condition {
  checkFinite("bound", bound);
  return { holds: (v) => v <= bound, describe: (d) => `≤ ${formatMeasured(bound, d)}` };
}
