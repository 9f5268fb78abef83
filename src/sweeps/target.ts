// Steps-to-target: how many updates SGD with batch size m needs before the training loss first
// reaches a target. This is the measurement behind "which batch size trains fastest?" (Shallue et
// al. 2019, McCandlish et al. 2018): counted in steps it rewards large m, counted in examples
// (m·steps) it rewards small m, and the trade-off between the two defines the critical batch size.

import type { Dataset } from "../data/dataset";
import { allIndices } from "../data/dataset";
import { checkCompatible, meanLoss, type Model, type Params } from "../models/model";
import { learningRateAt, type LearningRate } from "../learningRate/learningRate";
import { makeSampler, type SamplerKind } from "../update/train";
import { stepperFor } from "../update/sgd";
import { rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkFinite,
  checkInRange,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";

/** How a run ended: it reached the target, ran out of steps first, or blew up. */
export type TargetStatus = "reached" | "not-reached" | "diverged";

export interface CurvePoint {
  step: number;
  /** Examples seen, m·step. */
  examples: number;
  /** Training seconds (evaluations excluded). */
  seconds: number;
  /** Loss on the evaluation examples. */
  loss: number;
}

export interface TargetRunOptions {
  batchSize: number;
  lr: LearningRate;
  /**
   * The loss to reach, evaluated on `evalExamples` (all of the data by default). Leave it out to
   * train for maxSteps and keep the curve.
   */
  target?: number;
  /** Give up (or, without a target, stop) after this many steps. */
  maxSteps: number;
  /** Seed of the initialisation and the sampler, as in `train` (default 0). */
  seed?: number;
  /**
   * How batches are drawn (default "with-replacement": independent batches, the setting of the
   * theory, and m may exceed n).
   */
  sampler?: SamplerKind;
  init?: Params;
  /**
   * The loss is evaluated at steps 1, 2, 3, … and then at geometrically spaced steps, each at
   * most this factor after the previous (default 1.04). The step count reported is therefore at
   * most 4 % late, far less than its seed-to-seed spread, while a 16,000-step run costs only
   * about 250 evaluations.
   */
  evalGrowth?: number;
  /** The run counts as diverged when the loss is not finite or exceeds this multiple of its start (default 10). */
  divergenceFactor?: number;
  /** Examples the loss is evaluated on (default all). */
  evalExamples?: ArrayLike<number>;
  /** Keep every evaluated point (for loss curves). */
  keepCurve?: boolean;
}

export interface TargetRun {
  status: TargetStatus;
  /** First evaluated step whose loss is at or below the target; null unless reached. */
  steps: number | null;
  /** Examples processed until then (m·steps); null unless reached. */
  examples: number | null;
  /** Training seconds until the target; null unless reached. */
  seconds: number | null;
  /** Steps actually taken. */
  stepsRun: number;
  /** The last evaluated loss (non-finite when diverged). */
  finalLoss: number;
  theta: Params;
  curve?: CurvePoint[];
}

/** trainToTarget's defaults for the settings a sweep may change (one home: the cache keys of sweeps/tuning.ts fill them in from here). */
export const TARGET_RUN_DEFAULTS = {
  sampler: "with-replacement",
  evalGrowth: 1.04,
  divergenceFactor: 10,
} as const satisfies Pick<TargetRunOptions, "sampler" | "evalGrowth" | "divergenceFactor">;

/** The next step at which a target run evaluates the loss, after `step`. */
export function nextEvaluation(step: number, growth: number): number {
  return Math.max(step + 1, Math.ceil(step * growth));
}

/** Trains with minibatch SGD until the evaluated loss reaches `target`, and reports when. */
export function trainToTarget(model: Model, data: Dataset, options: TargetRunOptions): TargetRun {
  const m = options.batchSize;
  checkPositiveInteger("batchSize", m);
  if (options.target !== undefined) checkFinite("target", options.target);
  const target = options.target ?? -Infinity;
  checkPositiveInteger("maxSteps", options.maxSteps);
  const growth = options.evalGrowth ?? TARGET_RUN_DEFAULTS.evalGrowth;
  checkInRange("evalGrowth", growth, 1, 10);
  const divergenceFactor = options.divergenceFactor ?? TARGET_RUN_DEFAULTS.divergenceFactor;
  checkPositiveFinite("divergenceFactor", divergenceFactor);
  const kind = options.sampler ?? TARGET_RUN_DEFAULTS.sampler;
  if (kind !== "with-replacement" && m > data.n) {
    throw new BatchlabArgumentError(
      "batchSize",
      m,
      `at most the number of examples n = ${data.n} without replacement`,
    );
  }
  const lrAt = (step: number): number => learningRateAt(options.lr, step);
  lrAt(0);
  const seed = options.seed ?? 0;
  const random = rng(seed);
  const theta = options.init ? Float64Array.from(options.init) : model.init(random.fork());
  checkCompatible(model, theta, data);
  const sampler = makeSampler(kind, data.n, m, seed + 1);
  const evalIdx = options.evalExamples ?? allIndices(data.n);
  const stepper = stepperFor(model, theta, { momentum: 0, weightDecay: 0 });
  const curve: CurvePoint[] | undefined = options.keepCurve ? [] : undefined;

  const startLoss = meanLoss(model, theta, data, evalIdx);
  curve?.push({ step: 0, examples: 0, seconds: 0, loss: startLoss });
  const limit = divergenceFactor * Math.max(Math.abs(startLoss), 1e-12);
  const finish = (
    status: TargetStatus,
    step: number,
    examples: number,
    seconds: number,
    loss: number,
  ): TargetRun => ({
    status,
    steps: status === "reached" ? step : null,
    examples: status === "reached" ? examples : null,
    seconds: status === "reached" ? seconds : null,
    stepsRun: step,
    finalLoss: loss,
    theta,
    curve,
  });
  if (startLoss <= target) return finish("reached", 0, 0, 0, startLoss);

  let step = 0;
  let examples = 0;
  let seconds = 0;
  let loss = startLoss;
  // Without a target the last step is always evaluated, so a curve ends where training ended.
  const schedule = (after: number): number => {
    const next = nextEvaluation(after, growth);
    return options.target === undefined && after < options.maxSteps && next > options.maxSteps
      ? options.maxSteps
      : next;
  };
  for (let next = schedule(0); next <= options.maxSteps; next = schedule(step)) {
    const t0 = performance.now();
    for (; step < next; step++) {
      const batch = sampler.next();
      examples += batch.length;
      stepper.step(data, batch, lrAt(step));
    }
    seconds += (performance.now() - t0) / 1000;
    stepper.sync();
    loss = meanLoss(model, theta, data, evalIdx);
    if (!Number.isFinite(loss) || loss > limit)
      return finish("diverged", step, examples, seconds, loss);
    curve?.push({ step, examples, seconds, loss });
    if (loss <= target) return finish("reached", step, examples, seconds, loss);
  }
  return finish("not-reached", step, examples, seconds, loss);
}

export interface CrossingOptions {
  /**
   * Smooth the losses first with a trailing moving average over this many points (default 1: no
   * smoothing). Minibatch losses are noisy, and one lucky batch should not count as reaching the
   * target.
   */
  window?: number;
}

/**
 * The first x (step, examples, seconds…) at which a recorded loss curve is at or below `target`,
 * or null when it never gets there (or became non-finite first): never reached is a result, not a
 * missing value. Points must be in increasing x.
 */
export function firstCrossing(
  xs: ArrayLike<number>,
  losses: ArrayLike<number>,
  target: number,
  options: CrossingOptions = {},
): number | null {
  if (xs.length !== losses.length)
    throw new BatchlabArgumentError(
      "losses.length",
      losses.length,
      `equal to xs.length = ${xs.length}`,
    );
  checkFinite("target", target);
  const window = options.window ?? 1;
  checkPositiveInteger("window", window);
  for (let i = 0; i < xs.length; i++) {
    if (i > 0 && !(xs[i] > xs[i - 1]))
      throw new BatchlabArgumentError(
        `xs[${i}]`,
        xs[i],
        `greater than xs[${i - 1}] = ${xs[i - 1]}`,
      );
    if (!Number.isFinite(losses[i])) return null;
    // The mean of the window is recomputed rather than kept as a running sum, whose rounding
    // could put a loss exactly at the target a hair above it.
    const from = Math.max(0, i - window + 1);
    let sum = 0;
    for (let k = from; k <= i; k++) sum += losses[k];
    if (sum / (i - from + 1) <= target) return xs[i];
  }
  return null;
}
