// The noise scale of SGD (Smith & Le 2018): how much the sampling noise of a step weighs, in one
// number that grows with η and falls with m. Chapter 4 sets the generalization gap against it.

import { checkPositiveFinite, checkPositiveInteger } from "../util/validate";

/** The noise scale of Smith & Le (2018), g = η·(N/m − 1) ≈ η·N/m: larger means noisier SGD. */
export function noiseScale(lr: number, m: number, n: number): number {
  checkPositiveFinite("lr", lr);
  checkPositiveInteger("m", m);
  checkPositiveInteger("n", n);
  return lr * (n / m - 1);
}
