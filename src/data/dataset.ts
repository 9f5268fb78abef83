// A dataset is n examples of d features in one flat row-major Float64Array plus one target per
// example (a real value for regression, a class index for classification). Flat typed arrays keep
// the inner loops of the models allocation-free and let a batch be a list of row indices.

import { BatchlabArgumentError, checkArrayLike, checkPositiveInteger } from "../util/validate";

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
  if (options === null || typeof options !== "object") throw new BatchlabArgumentError("options", options, "an object");
  let flat: Float64Array;
  let d: number;
  if (Array.isArray(x)) {
    if (x.length === 0) throw new BatchlabArgumentError("x", x, "non-empty");
    const first: unknown = x[0];
    if (!Array.isArray(first) && !ArrayBuffer.isView(first)) throw new BatchlabArgumentError("x[0]", first, "a row of numbers");
    d = x[0].length;
    checkPositiveInteger("x[0].length", d);
    flat = new Float64Array(x.length * d);
    x.forEach((row: unknown, i) => {
      if (!Array.isArray(row) && !ArrayBuffer.isView(row)) throw new BatchlabArgumentError(`x[${i}]`, row, `a row of ${d} numbers like x[0]`);
      const values = row as ArrayLike<unknown>;
      if (values.length !== d) throw new BatchlabArgumentError(`x[${i}].length`, values.length, `${d} like x[0]`);
      for (let j = 0; j < d; j++) {
        // Checked before the copy: a Float64Array would quietly turn "2" into 2 and null into 0.
        const v = values[j];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new BatchlabArgumentError(`x[${i}][${j}]`, v, "a finite number", { where: `row ${i}, column ${j}` });
        }
        flat[i * d + j] = v;
      }
    });
  } else {
    if (!ArrayBuffer.isView(x)) throw new BatchlabArgumentError("x", x, "rows of numbers (number[][]) or a flat Float64Array with options.d");
    if (options.d === undefined) throw new BatchlabArgumentError("options.d", undefined, "given when x is a flat array");
    d = options.d;
    checkPositiveInteger("options.d", d);
    if (x.length === 0 || x.length % d !== 0) {
      throw new BatchlabArgumentError("x.length", x.length, `a positive multiple of d = ${d}`);
    }
    flat = x instanceof Float64Array ? x : Float64Array.from(x);
    for (let k = 0; k < flat.length; k++) {
      if (!Number.isFinite(flat[k])) {
        const i = Math.floor(k / d);
        const j = k % d;
        throw new BatchlabArgumentError(`x[${k}]`, flat[k], "a finite number", { where: `row ${i}, column ${j}` });
      }
    }
  }
  const n = flat.length / d;
  checkArrayLike("y", y, "an array of targets, one per row of x");
  if (y.length !== n) throw new BatchlabArgumentError("y.length", y.length, `equal to the number of rows n = ${n}`);
  for (let i = 0; i < n; i++) {
    const v: unknown = y[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new BatchlabArgumentError(`y[${i}]`, v, "a finite number", { where: `row ${i}` });
  }
  const targets = y instanceof Float64Array ? y : Float64Array.from(y);
  if (options.classes !== undefined) {
    checkPositiveInteger("options.classes", options.classes);
    checkLabels("y", targets, options.classes);
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

/** 0, 1, …, n−1 for a dataset, checked first: the default batch of the functions that take one. */
export function allIndicesOf(data: Dataset): Int32Array {
  checkDataset("data", data);
  return allIndices(data.n);
}

/** 0, 1, …, n−1: the index list of a full batch. */
export function allIndices(n: number): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return idx;
}

/**
 * Throws unless every target is a class index 0..classes−1: the one check of labels, used by
 * dataset() for its own label set and by the models against the number of classes they output.
 */
export function checkLabels(argument: string, y: ArrayLike<number>, classes: number, what = ""): void {
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new BatchlabArgumentError(`${argument}[${i}]`, c, `a class index in 0..${classes - 1}${what}`, { where: `row ${i}` });
    }
  }
}

/** Throws unless `data` is a Dataset (as dataset() builds): an object with n, d, x and y that agree. */
export function checkDataset(argument: string, data: unknown): asserts data is Dataset {
  const ok = data !== null && typeof data === "object" && !Array.isArray(data) &&
    Number.isInteger((data as Dataset).n) && Number.isInteger((data as Dataset).d) &&
    ArrayBuffer.isView((data as Dataset).x) && ArrayBuffer.isView((data as Dataset).y) &&
    (data as Dataset).y.length === (data as Dataset).n;
  if (!ok) throw new BatchlabArgumentError(argument, data, "a Dataset (build one with dataset(x, y))");
}
