// The few statistics a generalization claim needs: how accurate a solution is on both splits, the
// spread over seeds, how much a finite test set alone can move an accuracy, and a rank correlation
// for "does this quantity predict that one?".

import * as aq from "arquero";
import { datasetLoss } from "../curvature/loss";
import type { Dataset } from "../data/dataset";
import { accuracy, type Model, type Params } from "../models/model";
import {
  BatchlabArgumentError,
  checkAllFinite,
  checkInRange,
  checkLength,
  checkPositiveInteger,
} from "../util/validate";

export interface Evaluation {
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  /** trainAccuracy − testAccuracy: the generalization gap, as a fraction. */
  gap: number;
}

/** Mean loss and accuracy of θ on the training and the test set. */
export function evaluateSolution(
  model: Model,
  theta: Params,
  train: Dataset,
  test: Dataset,
): Evaluation {
  const trainAccuracy = accuracy(model, theta, train);
  const testAccuracy = accuracy(model, theta, test);
  return {
    trainLoss: datasetLoss(model, theta, train),
    trainAccuracy,
    testLoss: datasetLoss(model, theta, test),
    testAccuracy,
    gap: trainAccuracy - testAccuracy,
  };
}

export interface SeedSummary {
  n: number;
  mean: number;
  /** Sample standard deviation (n − 1); 0 for a single value. */
  sd: number;
  /** Standard error of the mean, sd/√n. */
  se: number;
  min: number;
  max: number;
}

/** Mean, spread and standard error of one measurement repeated over seeds. */
export function summarizeSeeds(values: ArrayLike<number>): SeedSummary {
  checkAllFinite("values", values);
  const n = values.length;
  let mean = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    mean += values[i] / n;
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i] - mean) ** 2;
  const sd = n > 1 ? Math.sqrt(ss / (n - 1)) : 0;
  return { n, mean, sd, se: sd / Math.sqrt(n), min, max };
}

/**
 * The standard error of an accuracy p measured on n test examples, √(p(1 − p)/n): the part of the
 * spread that comes from which digits happen to be in the test set, not from training.
 */
export function accuracyStandardError(p: number, n: number): number {
  checkInRange("p", p, 0, 1);
  checkPositiveInteger("n", n);
  return Math.sqrt((p * (1 - p)) / n);
}

/** Ranks 1..n, ties sharing their average rank. */
export function ranks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const r = new Float64Array(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]] === values[order[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[order[k]] = rank;
    i = j + 1;
  }
  return r;
}

/**
 * Spearman's rank correlation: +1 when y rises with x in every pair, −1 when it always falls,
 * whatever the shape of the relation. Needs at least two distinct values on each side.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLength("y", y, x.length);
  checkAllFinite("x", x);
  checkAllFinite("y", y);
  const rx = ranks(x);
  const ry = ranks(y);
  const n = x.length;
  const mean = (n + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) ** 2;
    syy += (ry[i] - mean) ** 2;
  }
  if (sxx === 0 || syy === 0)
    throw new BatchlabArgumentError(
      sxx === 0 ? "x" : "y",
      sxx === 0 ? x : y,
      "at least two distinct values",
    );
  return sxy / Math.sqrt(sxx * syy);
}

/**
 * One row per group of `by` (in order of first appearance): the group's keys, its number of runs
 * n, and for every metric its mean over the group and, as "<metric> sd", its sample sd.
 */
export function summarizeBy<T extends object>(
  rows: readonly T[],
  by: readonly (keyof T & string)[],
  metrics: Record<string, (row: T) => number>,
): Record<string, unknown>[] {
  if (rows.length === 0) return [];
  const names = Object.keys(metrics);
  // The metrics are functions of a row, which arquero's expressions cannot call: they become
  // columns of a tidy table first, which groupby/rollup then summarise.
  const tidy: Record<string, unknown[]> = {};
  for (const k of by) tidy[k] = rows.map((row) => row[k]);
  for (const name of names) {
    tidy[name] = rows.map(metrics[name]);
    checkAllFinite(`metrics["${name}"] of the rows`, tidy[name] as number[]);
  }
  const summaries: Record<string, unknown> = { n: aq.op.count() };
  for (const name of names) {
    summaries[name] = aq.op.mean(name);
    summaries[`${name} sd`] = aq.op.stdev(name);
  }
  // Groups come out in order of first appearance; arquero's sample sd of a single value is
  // undefined, which the table shows as 0 (no spread measured).
  const table = aq
    .table(tidy)
    .groupby(...by)
    .rollup(summaries as Parameters<aq.ColumnTable["rollup"]>[0]);
  return (table.objects() as Record<string, unknown>[]).map((row) => {
    for (const name of names) row[`${name} sd`] ??= 0;
    return row;
  });
}

export interface MeanDifference {
  /** mean(a) − mean(b). */
  difference: number;
  /** Its standard error from the seed-to-seed spread, √(sd_a²/n_a + sd_b²/n_b). */
  se: number;
}

/** The difference of two groups' means with its standard error (Welch's, no pooling). */
export function compareMeans(a: ArrayLike<number>, b: ArrayLike<number>): MeanDifference {
  checkAllFinite("a", a);
  checkAllFinite("b", b);
  const sa = summarizeSeeds(a);
  const sb = summarizeSeeds(b);
  return { difference: sa.mean - sb.mean, se: Math.sqrt(sa.se ** 2 + sb.se ** 2) };
}
