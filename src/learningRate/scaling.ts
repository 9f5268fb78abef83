// How η follows m when the batch size changes. With the mean gradient, one step of size η moves θ
// by η·ḡ whatever m is, so a batch k times larger takes k times fewer steps per epoch; the rules
// differ in how they make up for that:
//   same:   η unchanged (the budget under which the "large-batch gap" is usually reported);
//   linear: η ∝ m (Goyal et al. 2017): k small steps ≈ one step k times longer, while that holds;
//   sqrt:   η ∝ √m (Krizhevsky 2014; Hoffer et al. 2017): keeps the update's noise variance η²/m.
// Linear and square root keep the noise of a step comparable while it dominates; neither can take
// η past the stability limit of the loss's curvature, which is where every measured curve bends
// flat (lrRules sets the measured best η beside what each rule predicts).

import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";

export type LrRule = "same" | "linear" | "sqrt";

export const LR_RULES: readonly LrRule[] = ["same", "linear", "sqrt"];

export interface LrBase {
  /** η at the reference batch size. */
  lr: number;
  /** The reference batch size. */
  batchSize: number;
}

/** η for batch size m under a scaling rule, from η = base.lr at m = base.batchSize. */
export function scaledLearningRate(rule: LrRule, base: LrBase, m: number): number {
  checkPositiveFinite("base.lr", base.lr);
  checkPositiveInteger("base.batchSize", base.batchSize);
  checkPositiveInteger("m", m);
  const k = m / base.batchSize;
  switch (rule) {
    case "same":
      return base.lr;
    case "linear":
      return base.lr * k;
    case "sqrt":
      return base.lr * Math.sqrt(k);
    default:
      throw new BatchlabArgumentError(
        "rule",
        rule,
        `one of ${LR_RULES.map((r) => `"${r}"`).join(", ")}`,
      );
  }
}

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
    checkPositiveInteger(`tuned[${i}].m`, t.m);
    checkPositiveFinite(`tuned[${i}].lr`, t.lr);
  });
  const sorted = [...tuned].sort((a, b) => a.m - b.m);
  const base = { lr: sorted[0].lr, batchSize: sorted[0].m };
  return sorted.map(({ m, lr }) => {
    const linear = scaledLearningRate("linear", base, m);
    return { m, lr, linear, sqrt: scaledLearningRate("sqrt", base, m), ratioToLinear: lr / linear };
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
