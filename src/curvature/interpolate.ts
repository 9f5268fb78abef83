// The 1-D picture of Keskar et al. (2017, Fig. 3) and Goodfellow et al. (2015): the loss along the
// straight line θ(α) = (1 − α)·θ_a + α·θ_b through two solutions. α = 0 is θ_a, α = 1 is θ_b,
// and α outside [0, 1] looks past each end, which is where "sharp" and "flat" show as a steep or
// a shallow wall. One slice through a p-dimensional landscape, so read it as an illustration, not
// a measurement of curvature.

import type { Dataset } from "../data/dataset";
import { accuracy, type Model, type Params } from "../models/model";
import { datasetLoss } from "./loss";
import {
  BatchlabArgumentError,
  checkFinite,
  checkLength,
  checkPositiveInteger,
} from "../util/validate";

/** (1 − α)·a + α·b, written into out. α = 0 and α = 1 give a and b exactly. */
export function interpolate(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  alpha: number,
  out: Float64Array = new Float64Array(a.length),
): Float64Array {
  checkLength("b", b, a.length);
  checkLength("out", out, a.length);
  checkFinite("alpha", alpha);
  for (let j = 0; j < a.length; j++) out[j] = (1 - alpha) * a[j] + alpha * b[j];
  return out;
}

/** `points` evenly spaced values from `from` to `to`, both included (from −1 to 2 by default, as in Keskar et al.). */
export function alphaGrid(points: number, from = -1, to = 2): number[] {
  checkPositiveInteger("points", points);
  checkFinite("from", from);
  checkFinite("to", to);
  if (points === 1) return [from];
  return Array.from({ length: points }, (_, k) => from + ((to - from) * k) / (points - 1));
}

/** One point of an interpolation curve, for one dataset: tidy, so rows drop into a table or a trace. */
export interface InterpolationPoint {
  alpha: number;
  /** The key of the dataset in `sets` ("train", "test", …). */
  set: string;
  loss: number;
  /** Fraction classified correctly (classification data only). */
  accuracy?: number;
}

/**
 * Mean loss (and accuracy, for classification data) along θ(α) = (1 − α)·from + α·to, on each of
 * the named datasets: one row per α and set.
 */
export function interpolationCurve(
  model: Model,
  from: Params,
  to: Params,
  alphas: readonly number[],
  sets: Record<string, Dataset>,
): InterpolationPoint[] {
  checkLength("from", from, model.size);
  checkLength("to", to, model.size);
  if (alphas.length === 0) throw new BatchlabArgumentError("alphas", alphas, "a non-empty list");
  const names = Object.keys(sets);
  if (names.length === 0)
    throw new BatchlabArgumentError("sets", sets, "at least one named dataset");
  const theta = new Float64Array(model.size);
  const rows: InterpolationPoint[] = [];
  for (const alpha of alphas) {
    interpolate(from, to, alpha, theta);
    for (const set of names) {
      const data = sets[set];
      const row: InterpolationPoint = { alpha, set, loss: datasetLoss(model, theta, data) };
      if (data.classes !== undefined) row.accuracy = accuracy(model, theta, data);
      rows.push(row);
    }
  }
  return rows;
}
