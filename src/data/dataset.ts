// A dataset is n examples of d features in one flat row-major Float64Array plus one target per
// example (a real value for regression, a class index for classification). Flat typed arrays keep
// the inner loops of the models allocation-free and let a batch be a list of row indices.

import { BatchlabArgumentError, checkAllFinite, checkPositiveInteger } from "../util/validate";

export interface Dataset {
  readonly name: string;
  /** Number of examples. */
  readonly n: number;
  /** Number of features per example. */
  readonly d: number;
  /** n × d features, row-major. */
  readonly x: Float64Array;
  /** n targets: real values, or class indices 0..classes−1. */
  readonly y: Float64Array;
  /** Number of classes for classification data; undefined for regression. */
  readonly classes?: number;
}

export interface DatasetOptions {
  name?: string;
  classes?: number;
}

/** Build and validate a dataset from rows (number[][]) or a flat row-major array with d given. */
export function dataset(
  x: ArrayLike<number>[] | Float64Array | Float32Array,
  y: ArrayLike<number>,
  options: DatasetOptions & { d?: number } = {},
): Dataset {
  let flat: Float64Array;
  let d: number;
  if (Array.isArray(x)) {
    if (x.length === 0) throw new BatchlabArgumentError("x", x, "non-empty");
    d = x[0].length;
    checkPositiveInteger("x[0].length", d);
    flat = new Float64Array(x.length * d);
    x.forEach((row, i) => {
      if (row.length !== d) throw new BatchlabArgumentError(`x[${i}].length`, row.length, `${d} like x[0]`);
      for (let j = 0; j < d; j++) flat[i * d + j] = row[j];
    });
  } else {
    if (options.d === undefined) throw new BatchlabArgumentError("options.d", undefined, "given when x is a flat array");
    d = options.d;
    checkPositiveInteger("options.d", d);
    if (x.length === 0 || x.length % d !== 0) {
      throw new BatchlabArgumentError("x.length", x.length, `a positive multiple of d = ${d}`);
    }
    flat = x instanceof Float64Array ? x : Float64Array.from(x);
  }
  const n = flat.length / d;
  if (y.length !== n) throw new BatchlabArgumentError("y.length", y.length, `equal to the number of rows n = ${n}`);
  checkAllFinite("x", flat);
  checkAllFinite("y", y);
  const targets = y instanceof Float64Array ? y : Float64Array.from(y);
  if (options.classes !== undefined) {
    checkPositiveInteger("options.classes", options.classes);
    for (let i = 0; i < n; i++) {
      const c = targets[i];
      if (!Number.isInteger(c) || c < 0 || c >= options.classes) {
        throw new BatchlabArgumentError(`y[${i}]`, c, `a class index in 0..${options.classes - 1}`);
      }
    }
  }
  return { name: options.name ?? "data", n, d, x: flat, y: targets, classes: options.classes };
}

/** Row i's features as a view (no copy). */
export function row(data: Dataset, i: number): Float64Array {
  return data.x.subarray(i * data.d, (i + 1) * data.d);
}

/** The examples at the given indices, copied into a new dataset. */
export function subset(data: Dataset, indices: ArrayLike<number>, name = data.name): Dataset {
  const { d } = data;
  const x = new Float64Array(indices.length * d);
  const y = new Float64Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i < 0 || i >= data.n) {
      throw new BatchlabArgumentError(`indices[${k}]`, i, `an example index in 0..${data.n - 1}`);
    }
    x.set(data.x.subarray(i * d, (i + 1) * d), k * d);
    y[k] = data.y[i];
  }
  return { name, n: indices.length, d, x, y, classes: data.classes };
}

/** 0, 1, …, n−1: the index list of a full batch. */
export function allIndices(n: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx;
}
