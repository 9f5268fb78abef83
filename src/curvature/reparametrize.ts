// Dinh et al. (2017), "Sharp minima can generalize for deep nets": ReLU is positively homogeneous,
// relu(α·z) = α·relu(z) for α > 0, so multiplying a hidden layer's weights and biases by α and the
// next layer's weights by 1/α leaves every prediction, and hence every loss and accuracy, exactly
// as it was, while the curvature changes: the Hessian's blocks scale by 1/α² and α², so λ_max can
// be made as large (or as small) as one likes. A sharpness number alone therefore cannot decide
// whether a solution generalizes; it depends on how the same function is parametrized.

import type { Params } from "../models/model";
import {
  BatchlabArgumentError,
  checkLength,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";

/**
 * θ of mlp(widths) with hidden layer `layer` (1 = the first hidden layer) scaled by α: its incoming
 * weights and biases × α, the next layer's weights × 1/α. Returns a new θ computing the same function.
 */
export function rescaleHiddenLayer(
  widths: readonly number[],
  theta: Params,
  layer: number,
  alpha: number,
): Params {
  if (!Array.isArray(widths) || widths.length < 3) {
    throw new BatchlabArgumentError(
      "widths",
      widths,
      "[inputs, hidden…, classes] with at least one hidden layer",
    );
  }
  widths.forEach((w, k) => checkPositiveInteger(`widths[${k}]`, w));
  checkPositiveInteger("layer", layer);
  if (layer > widths.length - 2)
    throw new BatchlabArgumentError("layer", layer, `a hidden layer, 1..${widths.length - 2}`);
  checkPositiveFinite("alpha", alpha);
  let size = 0;
  const offsets: number[] = [];
  for (let l = 1; l < widths.length; l++) {
    offsets.push(size);
    size += widths[l - 1] * widths[l] + widths[l];
  }
  checkLength("theta", theta, size);
  const out = Float64Array.from(theta);
  // Layer `layer` is produced by weight matrix index layer−1 (W then b) and read by index `layer`.
  const into = offsets[layer - 1];
  const intoSize = widths[layer - 1] * widths[layer] + widths[layer];
  for (let j = into; j < into + intoSize; j++) out[j] *= alpha;
  const next = offsets[layer];
  const nextWeights = widths[layer] * widths[layer + 1];
  for (let j = next; j < next + nextWeights; j++) out[j] /= alpha;
  return out;
}
