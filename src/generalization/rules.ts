// How η follows m when the batch size changes. With the mean gradient, one step of size η moves θ
// by η·ḡ whatever m is, so a batch k times larger takes k times fewer steps per epoch; the rules
// differ in how they make up for that:
//   same:   η unchanged (the budget under which the "large-batch gap" is usually reported);
//   linear: η ∝ m (Goyal et al. 2017): k small steps ≈ one step k times longer, while that holds;
//   sqrt:   η ∝ √m (Krizhevsky 2014; Hoffer et al. 2017): keeps the update's noise variance η²/m.

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
    case "same": return base.lr;
    case "linear": return base.lr * k;
    case "sqrt": return base.lr * Math.sqrt(k);
    default: throw new BatchlabArgumentError("rule", rule, `one of ${LR_RULES.map((r) => `"${r}"`).join(", ")}`);
  }
}

/** The noise scale of Smith & Le (2018), g = η·(N/m − 1) ≈ η·N/m: larger means noisier SGD. */
export function noiseScale(lr: number, m: number, n: number): number {
  checkPositiveFinite("lr", lr);
  checkPositiveInteger("m", m);
  checkPositiveInteger("n", n);
  return lr * (n / m - 1);
}
