// The two budgets chapter 4 compares batch sizes under, as grids of seeded runs returning tidy rows:
//  - a fixed number of epochs with η set by a rule (same / linear / sqrt): the setting in which a
//    "large-batch gap" is usually reported, and in which a large batch also takes fewer updates;
//  - training until the same training loss, η retuned per m with warmup: Hoffer et al. (2017) and
//    Shallue et al. (2019)'s fairer comparison.

import { epsilonSharpness } from "../curvature/sharpness";
import { powerIteration } from "../curvature/eigen";
import { hessianOperator } from "../curvature/hessian";
import type { HessianVectorProduct } from "../curvature/mlpHessian";
import type { Dataset } from "../data/dataset";
import type { Model, Params } from "../models/model";
import { train } from "../update/train";
import { BatchlabArgumentError, checkNonNegativeInteger, checkPositiveFinite, checkPositiveInteger } from "../util/validate";
import { linearWarmup } from "../learningRate/schedules";
import { yieldToEventLoop } from "../sweeps/progress";
import { scaledLearningRate, type LrBase, type LrRule } from "../learningRate/scaling";
import { evaluateSolution, type Evaluation } from "./stats";
import { trainToLoss, type LossRunStatus } from "./trainToLoss";

/** Progress of a grid: called after each run with the number done, the total and the run's label. */
export type RunProgress = (done: number, total: number, label: string) => void;

/** Reports a finished run and lets the event loop send the notebook's progress display. */
async function reportRun(onRun: RunProgress | undefined, done: number, total: number, label: string): Promise<void> {
  if (!onRun) return;
  onRun(done, total, label);
  await yieldToEventLoop();
}

export interface FixedEpochConfig {
  rule: LrRule;
  m: number;
  lr: number;
  seed: number;
}

export interface FixedEpochRow extends FixedEpochConfig, Evaluation {
  epochs: number;
  /** Updates taken: ⌈N/m⌉ per epoch. */
  steps: number;
  /** η/m, the quantity Smith & Le's noise scale g ≈ η·N/m is proportional to at fixed N. */
  lrOverM: number;
  diverged: boolean;
  /** Seconds spent in gradient steps. */
  seconds: number;
}

/** Every (rule, m, seed) with η = scaledLearningRate(rule, base, m): seeds 0..seeds−1. */
export function lrRuleGrid(options: { batchSizes: readonly number[]; rules: readonly LrRule[]; base: LrBase; seeds: number }): FixedEpochConfig[] {
  checkPositiveInteger("seeds", options.seeds);
  if (options.batchSizes.length === 0) throw new BatchlabArgumentError("batchSizes", options.batchSizes, "a non-empty list");
  const configs: FixedEpochConfig[] = [];
  for (const rule of options.rules) {
    for (const m of options.batchSizes) {
      const lr = scaledLearningRate(rule, options.base, m);
      for (let seed = 0; seed < options.seeds; seed++) configs.push({ rule, m, lr, seed });
    }
  }
  return configs;
}

/**
 * Plain minibatch SGD for the same number of epochs, one run per config, evaluated on both splits.
 * Configs that differ only in the rule's name (at the reference m every rule gives the same η)
 * are trained once and reported under each name.
 */
export async function runFixedEpochs(
  model: Model, trainData: Dataset, testData: Dataset, configs: readonly FixedEpochConfig[],
  options: { epochs: number; onRun?: RunProgress },
): Promise<FixedEpochRow[]> {
  checkPositiveFinite("epochs", options.epochs);
  const done = new Map<string, Omit<FixedEpochRow, "rule">>();
  const rows: FixedEpochRow[] = [];
  for (const config of configs) {
    const key = `${config.m}|${config.lr}|${config.seed}`;
    let result = done.get(key);
    if (!result) {
      const steps = Math.ceil((options.epochs * trainData.n) / config.m);
      // Record the loss on a small subset only: train() uses it to stop diverged runs early, and
      // the final evaluation below is done on all examples anyway.
      const run = train(model, trainData, {
        batchSize: config.m, lr: config.lr, steps, seed: config.seed,
        evalEvery: Math.max(1, Math.ceil(steps / 10)), evalSize: Math.min(trainData.n, 256),
      });
      const seconds = run.history[run.history.length - 1].seconds;
      result = {
        m: config.m, lr: config.lr, seed: config.seed, epochs: options.epochs, steps: run.steps,
        lrOverM: config.lr / config.m, diverged: run.diverged, seconds,
        ...evaluateSolution(model, run.theta, trainData, testData),
      };
      done.set(key, result);
    }
    rows.push({ rule: config.rule, ...result });
    await reportRun(options.onRun, rows.length, configs.length, `${config.rule} η = ${config.lr.toPrecision(3)}, m = ${config.m}, seed ${config.seed}`);
  }
  return rows;
}

export interface EqualLossConfig {
  /** The rule η came from, for tables (optional). */
  rule?: LrRule;
  m: number;
  /** Peak η (after warmup). */
  lr: number;
  /** Steps of linear warmup to the peak (0: none). */
  warmupSteps: number;
  seed: number;
}

export interface EqualLossRow extends EqualLossConfig, Evaluation {
  momentum: number;
  target: number;
  status: LossRunStatus;
  steps: number;
  epochs: number;
  seconds: number;
}

export interface EqualLossRun {
  row: EqualLossRow;
  /** The solution, for sharpness and interpolation. */
  theta: Params;
}

/**
 * Heavy-ball SGD until the training loss reaches `target` (checked four times an epoch, or every
 * step for the full batch), one run per config, evaluated on both splits.
 */
export async function runToEqualLoss(
  model: Model, trainData: Dataset, testData: Dataset, configs: readonly EqualLossConfig[],
  options: { target: number; momentum: number; maxEpochs: number; onRun?: RunProgress },
): Promise<EqualLossRun[]> {
  checkPositiveFinite("target", options.target);
  checkPositiveFinite("maxEpochs", options.maxEpochs);
  const runs: EqualLossRun[] = [];
  for (const config of configs) {
    checkNonNegativeInteger("warmupSteps", config.warmupSteps);
    const result = trainToLoss(model, trainData, {
      batchSize: config.m, lr: linearWarmup(config.lr, config.warmupSteps), target: options.target,
      maxSteps: Math.ceil((options.maxEpochs * trainData.n) / config.m), momentum: options.momentum, seed: config.seed,
    });
    runs.push({
      row: {
        ...config, momentum: options.momentum, target: options.target, status: result.status, steps: result.steps,
        epochs: result.epochs, seconds: result.seconds, ...evaluateSolution(model, result.theta, trainData, testData),
      },
      theta: result.theta,
    });
    await reportRun(options.onRun, runs.length, configs.length, `m = ${config.m}, η = ${config.lr}, seed ${config.seed}`);
  }
  return runs;
}

export interface SharpnessMeasurement {
  /** Largest Hessian eigenvalue of the training loss (power iteration). */
  lambdaMax: number;
  /** Power-iteration products used, and whether the estimate settled. */
  powerIterations: number;
  converged: boolean;
  /** Keskar's φ(θ, ε) in percent. */
  phi: number;
  epsilon: number;
}

export interface SharpnessMeasureOptions {
  /** The examples whose mean loss is measured (a fixed subset of the training set keeps the cost down). */
  batch?: ArrayLike<number>;
  /**
   * The model's exact Hessian-vector product (mlpHessianVectorProduct(widths) for the MLP). Without
   * it, finite differences of gradients are used, which are unreliable on ReLU networks.
   */
  exact?: HessianVectorProduct;
  /** Keskar's ε (default 1e-3). */
  epsilon?: number;
  /** Projected ascent steps for φ (default 10). */
  ascentSteps?: number;
  /** Power-iteration products at most (default 30), and the relative change that stops it (default 1e-3). */
  maxIterations?: number;
  tolerance?: number;
  /** Seed of power iteration's start vector (default 0). */
  seed?: number;
}

/** Both sharpness measures of one solution: λ_max by power iteration and Keskar's φ(ε). */
export function measureSharpness(model: Model, theta: Params, data: Dataset, options: SharpnessMeasureOptions = {}): SharpnessMeasurement {
  const op = hessianOperator(model, theta, data, { batch: options.batch, exact: options.exact });
  const top = powerIteration(op, { maxIterations: options.maxIterations ?? 30, tolerance: options.tolerance ?? 1e-3, seed: options.seed ?? 0 });
  const sharp = epsilonSharpness(model, theta, data, { batch: options.batch, epsilon: options.epsilon ?? 1e-3, steps: options.ascentSteps ?? 10 });
  return { lambdaMax: top.value, powerIterations: top.iterations, converged: top.converged, phi: sharp.phi, epsilon: sharp.epsilon };
}

/** measureSharpness for every solution, with progress: one row per run, its configuration kept. */
export async function measureSharpnessOfRuns<R extends { m: number; seed: number }>(
  model: Model, runs: readonly { row: R; theta: Params }[], data: Dataset,
  options: SharpnessMeasureOptions & { onRun?: RunProgress } = {},
): Promise<(R & SharpnessMeasurement)[]> {
  const rows: (R & SharpnessMeasurement)[] = [];
  for (const run of runs) {
    rows.push({ ...run.row, ...measureSharpness(model, run.theta, data, options) });
    await reportRun(options.onRun, rows.length, runs.length, `m = ${run.row.m}, seed ${run.row.seed}`);
  }
  return rows;
}
