// Learning-rate scaling rules: when m grows by a factor k, the linear rule (Goyal et al. 2017)
// multiplies η by k, the square-root rule (Krizhevsky 2014, Hoffer et al. 2017) by √k. Both keep
// the noise of a step comparable while it dominates; neither can take η past the stability limit
// of the loss's curvature, which is where every measured curve bends flat.

import { BatchlabArgumentError, checkPositiveFinite } from "../util/validate";

export interface TunedLr {
  m: number;
  lr: number;
}

export interface LrRuleRow {
  m: number;
  /** The measured best η. */
  lr: number;
  /** η the linear rule predicts from the smallest m. */
  linear: number;
  /** η the square-root rule predicts from the smallest m. */
  sqrt: number;
  /** Measured over linear-rule η: 1 while the linear rule holds, falling below once it fails. */
  ratioToLinear: number;
}

/** The measured best η per m beside what each rule predicts from the smallest m's best η. */
export function lrRules(tuned: readonly TunedLr[]): LrRuleRow[] {
  if (tuned.length === 0) throw new BatchlabArgumentError("tuned", tuned, "a non-empty array");
  tuned.forEach((t, i) => {
    checkPositiveFinite(`tuned[${i}].m`, t.m);
    checkPositiveFinite(`tuned[${i}].lr`, t.lr);
  });
  const sorted = [...tuned].sort((a, b) => a.m - b.m);
  const base = sorted[0];
  return sorted.map(({ m, lr }) => {
    const linear = (base.lr * m) / base.m;
    return { m, lr, linear, sqrt: base.lr * Math.sqrt(m / base.m), ratioToLinear: lr / linear };
  });
}

/**
 * The smallest m whose best η is at least `factor` (default 2: two grid steps of √2) below the
 * linear rule's: where linear scaling stops holding. Null if it never does.
 */
export function linearScalingLimit(rows: readonly LrRuleRow[], factor = 2): number | null {
  checkPositiveFinite("factor", factor);
  // The tolerance absorbs rounding: grid η are powers of √2 stored to 6 digits.
  const hit = rows.find((r) => r.ratioToLinear <= (1 / factor) * (1 + 1e-4));
  return hit ? hit.m : null;
}
