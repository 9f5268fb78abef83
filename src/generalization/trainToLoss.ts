// Train until the training loss reaches a target, with heavy-ball momentum. Comparing batch sizes at
// the same training loss (Hoffer et al. 2017; Shallue et al. 2019) removes the confound of a fixed
// epoch budget, where a large batch simply took fewer updates. Full-batch gradient descent needs
// hundreds of steps to get there, so momentum (v ← μ·v + ḡ, θ ← θ − η·v, as in `train`) is what
// makes the comparison affordable on a CPU; every m gets the same μ.
//
// The loss is checked on `evalExamples` every `checkEvery` steps (default: four times an epoch, and
// every step for the full batch). Checking costs a forward pass over those examples, so for small
// batches checking every step would cost far more than training; checking too rarely lets a run
// overshoot the target, and "the same training loss" becomes a range.

import { datasetLoss } from "../curvature/loss";
import type { Dataset } from "../data/dataset";
import { allIndices } from "../data/dataset";
import { checkCompatible, type Model, type Params } from "../models/model";
import { stepperFor } from "../update/sgd";
import { learningRateAt, type LearningRate } from "../learningRate/learningRate";
import { makeSampler } from "../update/train";
import { rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkFinite,
  checkInRange,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";

export interface TrainToLossOptions {
  batchSize: number;
  /** η, constant or a schedule η(step) (e.g. linearWarmup). */
  lr: LearningRate;
  /** Stop at the first check where the training loss is at or below this. */
  target: number;
  /** Give up after this many steps. */
  maxSteps: number;
  /** Heavy-ball momentum μ in [0, 1) (default 0). */
  momentum?: number;
  /** Seed of the initialisation and the sampler, as in `train` (same seed, same initial θ). */
  seed?: number;
  /** Check the loss every this many steps (default ⌈n/(4m)⌉: four times an epoch). */
  checkEvery?: number;
  /** Examples the loss is checked on (default all of the data). */
  evalExamples?: ArrayLike<number>;
  /** Diverged when the loss is non-finite or above this multiple of its start (default 10). */
  divergenceFactor?: number;
}

export type LossRunStatus = "reached" | "not-reached" | "diverged";

export interface LossCheck {
  step: number;
  loss: number;
}

export interface TrainToLossResult {
  status: LossRunStatus;
  theta: Params;
  /** Steps taken (at the check that reached the target, when it did). */
  steps: number;
  /** Examples seen, Σ batch sizes. */
  examples: number;
  /** examples / n. */
  epochs: number;
  /** The last checked training loss. */
  trainLoss: number;
  /** Seconds spent in gradient steps (checks excluded). */
  seconds: number;
  /** Every check, step 0 included. */
  checks: LossCheck[];
}

export function trainToLoss(
  model: Model,
  data: Dataset,
  options: TrainToLossOptions,
): TrainToLossResult {
  const m = options.batchSize;
  checkPositiveInteger("batchSize", m);
  if (m > data.n)
    throw new BatchlabArgumentError("batchSize", m, `at most the number of examples n = ${data.n}`);
  checkFinite("target", options.target);
  checkPositiveInteger("maxSteps", options.maxSteps);
  const momentum = options.momentum ?? 0;
  checkInRange("momentum", momentum, 0, 0.999999);
  const checkEvery = options.checkEvery ?? Math.ceil(data.n / (4 * m));
  checkPositiveInteger("checkEvery", checkEvery);
  const divergenceFactor = options.divergenceFactor ?? 10;
  checkPositiveFinite("divergenceFactor", divergenceFactor);
  const lrAt = (step: number): number => learningRateAt(options.lr, step);
  lrAt(0);

  const seed = options.seed ?? 0;
  const theta = model.init(rng(seed).fork()); // the same initial θ as train() with this seed
  checkCompatible(model, theta, data);
  const sampler = makeSampler("shuffled", data.n, m, seed + 1);
  const evalIdx = options.evalExamples ?? allIndices(data.n);
  const stepper = stepperFor(model, theta, { momentum, weightDecay: 0 });

  let loss = datasetLoss(model, theta, data, evalIdx);
  const checks: LossCheck[] = [{ step: 0, loss }];
  const limit = divergenceFactor * Math.max(loss, 1e-12);
  let step = 0;
  let examples = 0;
  let seconds = 0;
  let status: LossRunStatus = loss <= options.target ? "reached" : "not-reached";
  while (status === "not-reached" && step < options.maxSteps) {
    const t0 = performance.now();
    const until = Math.min(options.maxSteps, step + checkEvery);
    for (; step < until; step++) {
      const batch = sampler.next();
      stepper.step(data, batch, lrAt(step));
      examples += batch.length;
    }
    seconds += (performance.now() - t0) / 1000;
    stepper.sync();
    loss = datasetLoss(model, theta, data, evalIdx);
    checks.push({ step, loss });
    if (!Number.isFinite(loss) || loss > limit) status = "diverged";
    else if (loss <= options.target) status = "reached";
  }
  return {
    status,
    theta,
    steps: step,
    examples,
    epochs: examples / data.n,
    trainLoss: loss,
    seconds,
    checks,
  };
}
