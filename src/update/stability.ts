// Where the update stops converging. On a quadratic bowl with Hessian H, full-batch gradient descent
// multiplies the error along the eigenvector of eigenvalue λ by (1 − η·λ) each step: it shrinks for
// η < 2/λ and grows for η > 2/λ, so the edge is η = 2/λ_max. A minibatch step uses the batch's own
// Hessian, which is noisier the smaller m is, and some batches are much sharper than the mean:
// small batches must stay further below the edge. divergenceEdge measures the edge by bisection;
// divergenceTable counts the seeds that blow up at each η/η_edge and m.

import type { Dataset } from "../data/dataset";
import { meanLoss, type Model, type Params } from "../models/model";
import { symmetricEigenvalues } from "../curvature/eigen";
import { distance } from "../util/linalg";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";
import { train } from "./train";

/** H = XᵀX/n, the Hessian of ½·mean (θᵀx − y)² (no intercept), row-major d × d. */
export function leastSquaresHessian(data: Dataset): Float64Array {
  const { n, d, x } = data;
  const h = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) h[a * d + b] += (x[i * d + a] * x[i * d + b]) / n;
  }
  return h;
}

/** Largest eigenvalue of a least-squares bowl's Hessian, and the closed-form edge 2/λ_max. */
export function leastSquaresEdge(data: Dataset): {
  lambdaMax: number;
  lambdaMin: number;
  edge: number;
} {
  const eig = symmetricEigenvalues(leastSquaresHessian(data), data.d);
  return { lambdaMax: eig[0], lambdaMin: eig[eig.length - 1], edge: 2 / eig[0] };
}

export interface EdgeOptions {
  /** Start of every run. */
  init: Params;
  /** The minimiser θ*: a run diverges when it ends further from θ* than it started. */
  optimum: Params;
  /** Full-batch steps per run (more steps resolve the edge more finely: about ln(d₀/c)/(2·steps)). */
  steps: number;
  /** Bracket [lo, hi]: lo must converge and hi must not. */
  lo: number;
  hi: number;
  /** Relative width of the final bracket (default 1e-4). */
  tolerance?: number;
}

/** Whether full-batch GD at η ends further from θ* than it started (or blew up). */
export function fullBatchDiverges(
  model: Model,
  data: Dataset,
  lr: number,
  options: Pick<EdgeOptions, "init" | "optimum" | "steps">,
): boolean {
  const run = train(model, data, {
    batchSize: data.n,
    lr,
    steps: options.steps,
    init: options.init,
    sampler: "fixed-order",
    evalEvery: options.steps,
  });
  return (
    run.diverged ||
    !(distance(run.theta, options.optimum) <= distance(options.init, options.optimum))
  );
}

/** The measured edge of full-batch GD: bisection on η between a converging lo and a diverging hi. */
export function divergenceEdge(
  model: Model,
  data: Dataset,
  options: EdgeOptions,
): { edge: number; lo: number; hi: number; runs: number } {
  checkPositiveInteger("steps", options.steps);
  checkPositiveFinite("lo", options.lo);
  checkPositiveFinite("hi", options.hi);
  const tolerance = options.tolerance ?? 1e-4;
  let { lo, hi } = options;
  let runs = 2;
  if (fullBatchDiverges(model, data, lo, options))
    throw new BatchlabArgumentError("lo", lo, "a learning rate at which full-batch GD converges");
  if (!fullBatchDiverges(model, data, hi, options))
    throw new BatchlabArgumentError("hi", hi, "a learning rate at which full-batch GD diverges");
  while ((hi - lo) / hi > tolerance) {
    const mid = (lo + hi) / 2;
    if (fullBatchDiverges(model, data, mid, options)) hi = mid;
    else lo = mid;
    runs++;
  }
  return { edge: (lo + hi) / 2, lo, hi, runs };
}

export interface DivergenceTableOptions {
  init: Params;
  batchSizes: readonly number[];
  /** Learning rates as multiples of `edge`. */
  ratios: readonly number[];
  /** The full-batch edge the ratios refer to (measured or 2/λ_max). */
  edge: number;
  seeds: readonly number[];
  /** Updates per run, the same for every m (stability is a per-step property). */
  steps: number;
  /** Called after each (m, ratio) cell, for progress bars. */
  onCell?: (done: number, total: number) => void;
}

export interface DivergenceRow {
  m: number;
  ratio: number;
  lr: number;
  /** Seeds whose loss ended above its start, or blew up. */
  diverged: number;
  seeds: number;
  fraction: number;
}

/** For every m and η = ratio·edge, the fraction of seeds whose SGD run ends above its starting loss. */
export function divergenceTable(
  model: Model,
  data: Dataset,
  options: DivergenceTableOptions,
): DivergenceRow[] {
  checkPositiveInteger("steps", options.steps);
  checkPositiveFinite("edge", options.edge);
  const rows: DivergenceRow[] = [];
  const total = options.batchSizes.length * options.ratios.length;
  const start = meanLoss(model, options.init, data);
  for (const m of options.batchSizes) {
    for (const ratio of options.ratios) {
      const lr = ratio * options.edge;
      let diverged = 0;
      for (const seed of options.seeds) {
        // Evaluate every 25 steps and stop a run at 1000× its start: a blow-up is decided early.
        const run = train(model, data, {
          batchSize: m,
          lr,
          steps: options.steps,
          seed,
          init: options.init,
          evalEvery: 25,
          divergenceFactor: 1e3,
        });
        const end = run.history[run.history.length - 1].trainLoss;
        if (run.diverged || !(end <= start)) diverged++;
      }
      rows.push({
        m,
        ratio,
        lr,
        diverged,
        seeds: options.seeds.length,
        fraction: diverged / options.seeds.length,
      });
      options.onCell?.(rows.length, total);
    }
  }
  return rows;
}

/**
 * How far below the edge m must stay: the largest ratio such that no seed diverged at it or at any
 * smaller ratio of the table (null when even the smallest ratio lost a seed).
 */
export function largestSafeRatio(rows: readonly DivergenceRow[], m: number): number | null {
  const mine = rows.filter((r) => r.m === m).sort((a, b) => a.ratio - b.ratio);
  if (mine.length === 0) throw new BatchlabArgumentError("m", m, "a batch size of the table");
  let safe: number | null = null;
  for (const r of mine) {
    if (r.diverged > 0) break;
    safe = r.ratio;
  }
  return safe;
}
