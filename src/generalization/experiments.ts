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
import {
  BatchlabArgumentError,
  checkNonNegativeInteger,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import { linearWarmup } from "../learningRate/schedules";
import { yieldToEventLoop } from "../sweeps/progress";
import { scaledLearningRate, type LrBase, type LrRule } from "../learningRate/scaling";
import { evaluateSolution, type Evaluation } from "./stats";
import { trainToLoss, type LossRunStatus } from "./trainToLoss";
import type { GeneralizationProblem, MnistMlpSpec } from "./problem";
import { mlpHessianVectorProduct } from "../curvature/mlpHessian";
import { interpolationCurve, type InterpolationPoint } from "../curvature/interpolate";
import type { JobRef } from "../pool/job";
import { runJobs, sharedPool, type WorkerPool } from "../pool/pool";

/** Progress of a grid: called after each run with the number done, the total and the run's label. */
export type RunProgress = (done: number, total: number, label: string) => void;

/** Reports a finished run and lets the event loop send the notebook's progress display. */
async function reportRun(
  onRun: RunProgress | undefined,
  done: number,
  total: number,
  label: string,
): Promise<void> {
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
export function lrRuleGrid(options: {
  batchSizes: readonly number[];
  rules: readonly LrRule[];
  base: LrBase;
  seeds: number;
}): FixedEpochConfig[] {
  checkPositiveInteger("seeds", options.seeds);
  if (options.batchSizes.length === 0)
    throw new BatchlabArgumentError("batchSizes", options.batchSizes, "a non-empty list");
  const configs: FixedEpochConfig[] = [];
  for (const rule of options.rules) {
    for (const m of options.batchSizes) {
      const lr = scaledLearningRate(rule, options.base, m);
      for (let seed = 0; seed < options.seeds; seed++) configs.push({ rule, m, lr, seed });
    }
  }
  return configs;
}

/** One fixed-epoch run (the rule's name aside): what runFixedEpochs reports for a config. */
export function fixedEpochRun(
  problem: GeneralizationProblem,
  config: { m: number; lr: number; seed: number },
  epochs: number,
): Omit<FixedEpochRow, "rule"> {
  const { model, train: trainData, test: testData } = problem;
  const steps = Math.ceil((epochs * trainData.n) / config.m);
  // Record the loss on a small subset only: train() uses it to stop diverged runs early, and
  // the final evaluation below is done on all examples anyway.
  const run = train(model, trainData, {
    batchSize: config.m,
    lr: config.lr,
    steps,
    seed: config.seed,
    evalEvery: Math.max(1, Math.ceil(steps / 10)),
    evalSize: Math.min(trainData.n, 256),
  });
  const seconds = run.history[run.history.length - 1].seconds;
  return {
    m: config.m,
    lr: config.lr,
    seed: config.seed,
    epochs,
    steps: run.steps,
    lrOverM: config.lr / config.m,
    diverged: run.diverged,
    seconds,
    ...evaluateSolution(model, run.theta, trainData, testData),
  };
}

/**
 * Plain minibatch SGD for the same number of epochs, one run per config, evaluated on both splits.
 * Configs that differ only in the rule's name (at the reference m every rule gives the same η)
 * are trained once and reported under each name. With a problem `spec` the runs go to the worker
 * pool (all cores at once); the rows are the same, in the same order.
 */
export async function runFixedEpochs(
  problem: GeneralizationProblem,
  configs: readonly FixedEpochConfig[],
  options: { epochs: number; onRun?: RunProgress; pool?: WorkerPool },
): Promise<FixedEpochRow[]> {
  checkPositiveFinite("epochs", options.epochs);
  const keyOf = (c: FixedEpochConfig) => `${c.m}|${c.lr}|${c.seed}`;
  const distinct = [...new Map(configs.map((c) => [keyOf(c), c])).values()];
  const label = (c: FixedEpochConfig) =>
    `${c.rule} η = ${c.lr.toPrecision(3)}, m = ${c.m}, seed ${c.seed}`;
  // Progress counts configs, as the rows do: a distinct run finished reports every config it answers.
  let reported = 0;
  const reportAll = async (c: FixedEpochConfig) => {
    for (const d of configs)
      if (keyOf(d) === keyOf(c))
        await reportRun(options.onRun, ++reported, configs.length, label(d));
  };
  const results = await eachRun(
    problem,
    distinct,
    FIXED_EPOCH_JOB,
    (c) => ({ m: c.m, lr: c.lr, seed: c.seed, epochs: options.epochs }),
    (c) => fixedEpochRun(problem, c, options.epochs),
    options.pool,
    reportAll,
  );
  const done = new Map(distinct.map((c, i) => [keyOf(c), results[i]]));
  return configs.map((c) => ({
    rule: c.rule,
    ...(done.get(keyOf(c)) as Omit<FixedEpochRow, "rule">),
  }));
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

/** One run to the target loss: what runToEqualLoss reports for a config. */
export function equalLossRun(
  problem: GeneralizationProblem,
  config: EqualLossConfig,
  options: EqualLossOptions,
): EqualLossRun {
  checkNonNegativeInteger("warmupSteps", config.warmupSteps);
  const { model, train: trainData, test: testData } = problem;
  const result = trainToLoss(model, trainData, {
    batchSize: config.m,
    lr: linearWarmup(config.lr, config.warmupSteps),
    target: options.target,
    maxSteps: Math.ceil((options.maxEpochs * trainData.n) / config.m),
    momentum: options.momentum,
    seed: config.seed,
  });
  return {
    row: {
      ...config,
      momentum: options.momentum,
      target: options.target,
      status: result.status,
      steps: result.steps,
      epochs: result.epochs,
      seconds: result.seconds,
      ...evaluateSolution(model, result.theta, trainData, testData),
    },
    theta: result.theta,
  };
}

export interface EqualLossOptions {
  target: number;
  momentum: number;
  maxEpochs: number;
}

/**
 * Heavy-ball SGD until the training loss reaches `target` (checked four times an epoch, or every
 * step for the full batch), one run per config, evaluated on both splits. With a problem `spec`
 * the runs go to the worker pool; the runs are the same, in the same order.
 */
export async function runToEqualLoss(
  problem: GeneralizationProblem,
  configs: readonly EqualLossConfig[],
  options: EqualLossOptions & { onRun?: RunProgress; pool?: WorkerPool },
): Promise<EqualLossRun[]> {
  checkPositiveFinite("target", options.target);
  checkPositiveFinite("maxEpochs", options.maxEpochs);
  configs.forEach((c, i) => checkNonNegativeInteger(`configs[${i}].warmupSteps`, c.warmupSteps));
  const settings: EqualLossOptions = {
    target: options.target,
    momentum: options.momentum,
    maxEpochs: options.maxEpochs,
  };
  let reported = 0;
  return eachRun(
    problem,
    configs,
    EQUAL_LOSS_JOB,
    (c) => ({ config: c, options: settings }),
    (c) => equalLossRun(problem, c, settings),
    options.pool,
    (c) =>
      reportRun(
        options.onRun,
        ++reported,
        configs.length,
        `m = ${c.m}, η = ${c.lr}, seed ${c.seed}`,
      ),
  );
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
export function measureSharpness(
  model: Model,
  theta: Params,
  data: Dataset,
  options: SharpnessMeasureOptions = {},
): SharpnessMeasurement {
  const op = hessianOperator(model, theta, data, { batch: options.batch, exact: options.exact });
  const top = powerIteration(op, {
    maxIterations: options.maxIterations ?? 30,
    tolerance: options.tolerance ?? 1e-3,
    seed: options.seed ?? 0,
  });
  const sharp = epsilonSharpness(model, theta, data, {
    batch: options.batch,
    epsilon: options.epsilon ?? 1e-3,
    steps: options.ascentSteps ?? 10,
  });
  return {
    lambdaMax: top.value,
    powerIterations: top.iterations,
    converged: top.converged,
    phi: sharp.phi,
    epsilon: sharp.epsilon,
  };
}

/**
 * measureSharpness for every solution (on the problem's training set), with progress: one row per
 * run, its configuration kept. With a problem `spec` the solutions are measured on the worker pool.
 */
export async function measureSharpnessOfRuns<R extends { m: number; seed: number }>(
  problem: GeneralizationProblem,
  runs: readonly { row: R; theta: Params }[],
  options: SharpnessJobOptions & { onRun?: RunProgress; pool?: WorkerPool } = {},
): Promise<(R & SharpnessMeasurement)[]> {
  const { onRun, pool, ...settings } = options;
  let reported = 0;
  const measured = await eachRun(
    problem,
    runs,
    SHARPNESS_JOB,
    (run) => ({ theta: run.theta, options: settings }),
    (run) => sharpnessOf(problem, run.theta, settings),
    pool,
    (run) => reportRun(onRun, ++reported, runs.length, `m = ${run.row.m}, seed ${run.row.seed}`),
  );
  return runs.map((run, i) => ({ ...run.row, ...measured[i] }));
}

/** SharpnessMeasureOptions without the exact product (a function): `exactMlp` asks for the MLP's, built where the job runs. */
export type SharpnessJobOptions = Omit<SharpnessMeasureOptions, "exact"> & { exactMlp?: boolean };

/** Both sharpness measures of one solution on the problem's training set. */
export function sharpnessOf(
  problem: GeneralizationProblem,
  theta: Params,
  options: SharpnessJobOptions,
): SharpnessMeasurement {
  const { exactMlp, ...rest } = options;
  if (exactMlp && !problem.spec)
    throw new BatchlabArgumentError(
      "exactMlp",
      exactMlp,
      "used with a problem spec (it names the MLP's widths)",
    );
  const exact = exactMlp && problem.spec ? mlpHessianVectorProduct(problem.spec.widths) : undefined;
  return measureSharpness(problem.model, theta, problem.train, { ...rest, exact });
}

/**
 * interpolationCurve between two solutions on the problem's training and test sets (rows of sets
 * "train" and "test"). With a problem `spec` the α grid is cut into one contiguous share per
 * worker and the shares are computed on the pool: every α is independent, so the rows are the same.
 */
export async function interpolationCurveOf(
  problem: GeneralizationProblem,
  from: Params,
  to: Params,
  alphas: readonly number[],
  options: { pool?: WorkerPool } = {},
): Promise<InterpolationPoint[]> {
  const workers = problem.spec ? (options.pool ?? sharedPool()) : null;
  if (!workers || workers.size === 1 || alphas.length < 2)
    return interpolationCurve(problem.model, from, to, alphas, {
      train: problem.train,
      test: problem.test,
    });
  const shares = Math.min(workers.size, alphas.length);
  const cut = (k: number) => Math.round((k * alphas.length) / shares);
  const parts = await runJobs<InterpolationPoint[]>(
    workers,
    INTERPOLATION_JOB,
    Array.from({ length: shares }, (_, k) => ({
      spec: problem.spec,
      from,
      to,
      alphas: alphas.slice(cut(k), cut(k + 1)),
    })),
  );
  return parts.flat();
}

// The jobs (see ./jobs): each rebuilds the problem from its spec in the worker.
const FIXED_EPOCH_JOB: JobRef = { module: "generalization/jobs", name: "fixedEpochJob" };
const EQUAL_LOSS_JOB: JobRef = { module: "generalization/jobs", name: "equalLossJob" };
const SHARPNESS_JOB: JobRef = { module: "generalization/jobs", name: "sharpnessJob" };
const INTERPOLATION_JOB: JobRef = { module: "generalization/jobs", name: "interpolationJob" };

/**
 * Runs `local` for every item in this thread, one after another (no spec, or a one-worker pool:
 * the serial behaviour), or `job` for every item on the worker pool, all at once. Results come
 * back in item order either way; `after` is called as each one finishes (for progress).
 */
async function eachRun<T, R>(
  problem: GeneralizationProblem,
  items: readonly T[],
  job: JobRef,
  jobConfig: (item: T) => object,
  local: (item: T) => R,
  pool: WorkerPool | undefined,
  after: (item: T) => Promise<void>,
): Promise<R[]> {
  const workers = problem.spec ? (pool ?? sharedPool()) : null;
  if (!workers || workers.size === 1) {
    const results: R[] = [];
    for (const item of items) {
      results.push(local(item));
      await after(item);
    }
    return results;
  }
  const spec = problem.spec as MnistMlpSpec;
  return runJobs<R>(
    workers,
    job,
    items.map((item) => ({ spec, ...jobConfig(item) })),
    (i) => after(items[i]),
  );
}
