// A landscape of src/data/landscape.ts as a Model, so that the course's own update rule
// (plainStepper: the batch-mean gradient, then θ ← θ − η·ḡ) and samplers run on it unchanged:
//
//     ℓᵢ(θ) = L(θ) − σ·Σⱼ ξᵢⱼ·φⱼ(θⱼ),      ∇ⱼℓᵢ(θ) = ∂ⱼL(θ) − σ·ξᵢⱼ·φⱼ′(θⱼ)
//
// Row i of the dataset is ξᵢ. The batch gradient has a fast path that is the same sum reordered,
// ∂ⱼL − σ·φⱼ′·mean(ξ·ⱼ over the batch), so a step costs O(m·p) additions, not m calls.

import type { Dataset } from "../data/dataset";
import type { DoubleWell, Landscape } from "../data/landscape";
import type { Model, Params } from "./model";
import { BatchlabArgumentError } from "../util/validate";

export interface LandscapeModel extends Model {
  readonly landscape: Landscape;
  /** Where every run starts unless told otherwise. */
  readonly start: Float64Array;
}

/** The Model whose examples are the tilts of `landscape` (start: its sharp minimum, or the origin). */
export function landscapeModel(landscape: Landscape, start?: ArrayLike<number>): LandscapeModel {
  const p = landscape.dims;
  const origin = new Float64Array(p);
  if (start) {
    if (start.length !== p)
      throw new BatchlabArgumentError("start.length", start.length, `${p} (the landscape's dims)`);
    origin.set(start);
  }
  const sigma = landscape.noise;
  return {
    name: `${landscape.kind} landscape`,
    size: p,
    inputs: p,
    landscape,
    start: origin,
    init: () => Float64Array.from(origin),
    exampleLoss(theta: Params, data: Dataset, i: number) {
      let tilt = 0;
      for (let j = 0; j < p; j++) tilt += data.x[i * p + j] * landscape.tilt(theta, j);
      return landscape.loss(theta) - sigma * tilt;
    },
    exampleGradient(theta: Params, data: Dataset, i: number, out: Float64Array) {
      for (let j = 0; j < p; j++)
        out[j] =
          landscape.partial(theta, j) - sigma * data.x[i * p + j] * landscape.tiltSlope(theta, j);
    },
    batchGradient(theta: Params, data: Dataset, batch: ArrayLike<number>, out: Float64Array) {
      const m = batch.length;
      for (let j = 0; j < p; j++) {
        let mean = 0;
        for (let k = 0; k < m; k++) mean += data.x[batch[k] * p + j];
        mean /= m;
        out[j] = landscape.partial(theta, j) - sigma * landscape.tiltSlope(theta, j) * mean;
      }
    },
    /** 0 in the basin of the start (θ₀ left of the barrier top, or x < 0 at the saddle), 1 otherwise. */
    predict(theta: Params) {
      if (landscape.kind === "double-well")
        return (landscape as DoubleWell).basin(theta) === "sharp" ? 0 : 1;
      return theta[0] < 0 ? 0 : 1;
    },
  };
}
