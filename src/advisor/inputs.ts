// Checks of what a learner hands the advisor, with messages that say what to do about it. The
// advisor measures gradient noise from a few hundred batches, so "tiny" data and non-finite values
// are stopped here, before any training, rather than surfacing as a NaN noise scale later.

import { dataset, type Dataset } from "../data/dataset";
import { linearRegression } from "../models/linear";
import { logisticRegression } from "../models/logistic";
import { mlp } from "../models/mlp";
import { softmaxRegression } from "../models/softmax";
import type { Model } from "../models/model";
import { BatchlabArgumentError } from "../util/validate";

/** Fewest examples the advisor accepts: below this, batches of 8 are already a sizeable share of the data. */
export const MIN_EXAMPLES = 64;

/** An input the advisor cannot work with; the message says why and what to do. */
export class AdvisorInputError extends BatchlabArgumentError {
  /** `argument` is what the message is about ("data", "x[3][1]", "options.hidden"…); it is named in the message. */
  constructor(message: string, argument = "data") {
    super(argument, undefined, "", { message });
    this.name = "AdvisorInputError";
  }
}

/** The first non-finite value of a flat row-major array, as (row, column), or null. */
function firstNonFinite(
  values: ArrayLike<number>,
  columns: number,
): { row: number; column: number; value: number } | null {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]))
      return { row: Math.floor(i / columns), column: i % columns, value: values[i] };
  }
  return null;
}

function describeNumber(v: unknown): string {
  return typeof v === "number"
    ? Number.isNaN(v)
      ? "NaN"
      : String(v)
    : v === undefined
      ? "undefined"
      : v === null
        ? "null"
        : JSON.stringify(v);
}

/**
 * Throws AdvisorInputError unless `data` has enough examples and only finite values. Datasets built
 * by dataset() are already finite; this also covers objects assembled by hand.
 */
export function checkAdvisorData(data: Dataset, minExamples = MIN_EXAMPLES): void {
  if (
    !data ||
    typeof data !== "object" ||
    !(data.x instanceof Float64Array) ||
    !(data.y instanceof Float64Array)
  ) {
    throw new AdvisorInputError(
      "data must be a Dataset (build one with dataset(x, y) or use adviseFromArrays(x, y))",
    );
  }
  if (data.n < minExamples) {
    throw new AdvisorInputError(
      `data has only ${data.n} examples; the advisor needs at least ${minExamples} to measure gradient noise. ` +
        `With so few examples, use full-batch gradient descent (m = n = ${data.n}): every step is then exact and cheap.`,
    );
  }
  const badX = firstNonFinite(data.x, data.d);
  if (badX) {
    throw new AdvisorInputError(
      `data.x has ${describeNumber(badX.value)} at example ${badX.row}, feature ${badX.column}: every feature must be a finite number. ` +
        `Remove or impute missing values (and check for divisions by zero when scaling) before asking for advice.`,
    );
  }
  const badY = firstNonFinite(data.y, 1);
  if (badY) {
    throw new AdvisorInputError(
      `data.y has ${describeNumber(badY.value)} at example ${badY.row}: every target must be a finite number.`,
    );
  }
}

export type Task = "regression" | "classification";

export interface ArrayModelOptions {
  /** "regression" (squared loss) or "classification" (class indices 0..K−1). Default: classification when every y is an integer. */
  task?: Task;
  /** Hidden layer widths for an MLP (ReLU); default none: a linear, logistic or softmax model. */
  hidden?: readonly number[];
  name?: string;
}

/**
 * A Dataset and a matching Model from plain arrays: rows of features and one target per row.
 * Regression gets linear regression (or an MLP with one output); classification gets logistic
 * regression for 2 classes, softmax regression for more (or an MLP with K outputs).
 */
export function modelForArrays(
  x: ArrayLike<number>[],
  y: ArrayLike<number>,
  options: ArrayModelOptions = {},
): { data: Dataset; model: Model } {
  if (!Array.isArray(x) || x.length === 0)
    throw new AdvisorInputError(
      `x must be a non-empty array of rows (number[][]), got ${Array.isArray(x) ? "an empty array" : x === null ? "null" : typeof x}`,
      "x",
    );
  if (!y || typeof y.length !== "number")
    throw new AdvisorInputError(
      `y must be an array of targets, got ${y === null ? "null" : typeof y}`,
      "y",
    );
  if (y.length !== x.length)
    throw new AdvisorInputError(
      `x has ${x.length} rows but y has ${y.length} targets: give one target per row`,
      "y",
    );
  const d = x[0] ? x[0].length : 0;
  if (!(d > 0)) throw new AdvisorInputError("x[0] must be a non-empty row of features", "x[0]");
  for (let i = 0; i < x.length; i++) {
    const row = x[i];
    if (!row || row.length !== d)
      throw new AdvisorInputError(
        `x[${i}] has ${row ? row.length : 0} features but x[0] has ${d}: every row needs the same features`,
        `x[${i}]`,
      );
    for (let j = 0; j < d; j++) {
      if (typeof row[j] !== "number" || !Number.isFinite(row[j])) {
        throw new AdvisorInputError(
          `x[${i}][${j}] is ${describeNumber(row[j])}: every feature must be a finite number. Remove or impute missing values before asking for advice.`,
          `x[${i}][${j}]`,
        );
      }
    }
  }
  for (let i = 0; i < y.length; i++) {
    if (typeof y[i] !== "number" || !Number.isFinite(y[i]))
      throw new AdvisorInputError(
        `y[${i}] is ${describeNumber(y[i])}: every target must be a finite number`,
        `y[${i}]`,
      );
  }
  if (x.length < MIN_EXAMPLES) {
    throw new AdvisorInputError(
      `x has only ${x.length} examples; the advisor needs at least ${MIN_EXAMPLES} to measure gradient noise. ` +
        `With so few examples, use full-batch gradient descent (m = n = ${x.length}).`,
      "x",
    );
  }
  const integers = Array.from(y).every((v) => Number.isInteger(v) && v >= 0);
  const distinct = new Set(Array.from(y));
  if (
    options.task === undefined &&
    !integers &&
    distinct.size <= 10 &&
    Array.from(distinct).every((v) => Number.isInteger(v))
  ) {
    // Labels such as −1/+1 are neither class indices nor real targets: fitting a regression to
    // them would answer a question nobody asked, so ask which one is meant.
    const values = Array.from(distinct)
      .sort((a, b) => a - b)
      .join(", ");
    throw new AdvisorInputError(
      `y holds only the integers ${values}, which look like class labels but are not class indices 0, 1, 2, …: ` +
        `for classification map them to 0..K−1 (for ±1 labels, y.map((v) => (v > 0 ? 1 : 0))); for regression pass { task: "regression" }`,
      "y",
    );
  }
  const task: Task = options.task ?? (integers ? "classification" : "regression");
  if (task !== "regression" && task !== "classification")
    throw new BatchlabArgumentError("options.task", task, `"regression" or "classification"`);
  const hidden = options.hidden ?? [];
  hidden.forEach((w, k) => {
    if (!Number.isInteger(w) || w <= 0)
      throw new BatchlabArgumentError(`options.hidden[${k}]`, w, "a positive integer");
  });
  if (task === "regression") {
    if (hidden.length > 0) {
      throw new AdvisorInputError(
        "options.hidden is for classification (the course's MLP ends in a softmax); for regression leave it out (linear regression)",
        "options.hidden",
      );
    }
    return {
      data: dataset(x, y, { name: options.name ?? `your data (n=${x.length}, d=${d})` }),
      model: linearRegression(d),
    };
  }
  if (!integers) {
    const bad = Array.from(y).findIndex((v) => !(Number.isInteger(v) && v >= 0));
    throw new AdvisorInputError(
      `classification needs class indices 0, 1, 2, … as targets, but y[${bad}] = ${y[bad]}; use { task: "regression" } for real-valued targets`,
      `y[${bad}]`,
    );
  }
  const classes = Math.max(...Array.from(y)) + 1;
  if (classes < 2)
    throw new AdvisorInputError(
      "y has only class 0: classification needs at least two classes",
      "y",
    );
  const data = dataset(x, y, {
    name: options.name ?? `your data (n=${x.length}, d=${d}, ${classes} classes)`,
    classes,
  });
  if (hidden.length > 0) return { data, model: mlp([d, ...hidden, classes]) };
  return { data, model: classes === 2 ? logisticRegression(d) : softmaxRegression(d, classes) };
}
