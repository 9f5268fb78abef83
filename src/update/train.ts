// Minibatch SGD training: a sampler picks the batch, the model gives the batch-mean gradient, and
// the update of sgd.ts moves θ (a model with an engine runs that same update inside the engine:
// see stepperFor). Records are tidy rows (one per evaluation) so they drop straight
// into an arquero table or a Plotly trace.

import { checkDataset, type Dataset } from "../data/dataset";
import { meanLoss, checkCompatible, type Model, type Params } from "../models/model";
import {
  fixedOrder,
  shuffledEpochs,
  withReplacement,
  type LastBatchPolicy,
  type Sampler,
} from "../sampling/samplers";
import { rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkNonNegativeInteger,
  checkObject,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import { learningRateAt, type LearningRate } from "../learningRate/learningRate";
import {
  stepsPerEpoch,
  updatesWithBatchSchedule,
  type BatchSchedule,
} from "../learningRate/schedules";
import { stepperFor } from "./sgd";

export type SamplerKind = Sampler["kind"];

export interface TrainOptions {
  /**
   * m, the number of examples averaged per step; or m(epoch), a batch size that changes at epoch
   * boundaries (give `epochs` then; see batchGrowth in learningRate/schedules.ts).
   */
  batchSize: number | BatchSchedule;
  /** η, constant or a schedule. */
  lr: LearningRate;
  /** Number of updates; give this or `epochs`. */
  steps?: number;
  /** Passes over the data; converted to ⌈epochs·n/m⌉ steps. */
  epochs?: number;
  /** Seed of the initialisation and of the sampler (default 0). */
  seed?: number;
  /** How batches are drawn (default "shuffled": without replacement, reshuffled each epoch). */
  sampler?: SamplerKind;
  /** Last partial batch of an epoch (default "keep"). */
  last?: LastBatchPolicy;
  /** Start here instead of model.init(rng(seed)). */
  init?: Params;
  /** Heavy-ball momentum μ in [0, 1): v ← μ·v + ḡ, θ ← θ − η·v (default 0: plain SGD). */
  momentum?: number;
  /** L2 weight decay λ: the gradient becomes ḡ + λ·θ (default 0). */
  weightDecay?: number;
  /** Evaluate every this many steps (default: about 100 evaluations per run). Step 0 and the last step are always recorded. */
  evalEvery?: number;
  /** Held-out data whose loss is recorded beside the training loss. */
  testData?: Dataset;
  /** Training loss is measured on at most this many examples (a fixed subset; default all). */
  evalSize?: number;
  /** Keep a copy of θ at every evaluation (for trajectory plots). */
  keepTrajectory?: boolean;
  /** Stop as diverged when the training loss is non-finite or exceeds this multiple of its start (default 1e6). */
  divergenceFactor?: number;
  /** Called after each evaluation (progress bars, live curves). */
  onRecord?: (record: TrainRecord) => void;
  /**
   * Called after every update with the step number (1 for the first), θ brought up to date, and
   * the examples seen so far (iterate averaging: see IterateAverage; evaluations at chosen epochs).
   * θ is the live array: copy what you keep.
   */
  onStep?: (step: number, theta: Params, examples: number) => void;
}

export interface TrainRecord {
  step: number;
  /** Examples seen so far, m·step (the smaller last batches counted as they were). */
  examples: number;
  epoch: number;
  /** Wall-clock seconds since training started, evaluations excluded. */
  seconds: number;
  lr: number;
  trainLoss: number;
  testLoss?: number;
}

export interface TrainResult {
  theta: Params;
  history: TrainRecord[];
  trajectory?: Params[];
  diverged: boolean;
  steps: number;
}

export function makeSampler(
  kind: SamplerKind,
  n: number,
  m: number,
  seed: number,
  last: LastBatchPolicy = "keep",
): Sampler {
  switch (kind) {
    case "shuffled":
      return shuffledEpochs(n, m, rng(seed), last);
    case "with-replacement":
      return withReplacement(n, m, rng(seed));
    case "fixed-order":
      return fixedOrder(n, m, last);
    default:
      throw new BatchlabArgumentError(
        "sampler",
        kind,
        `"shuffled", "with-replacement" or "fixed-order"`,
      );
  }
}

/** m at an epoch (counted from 0), checked: train()'s batchSize, a constant or a schedule. */
function batchSizeReader(options: TrainOptions, data: Dataset): (epoch: number) => number {
  const schedule = typeof options.batchSize === "function" ? options.batchSize : null;
  return (epoch) => {
    const m = schedule ? schedule(epoch) : (options.batchSize as number);
    checkPositiveInteger(schedule ? `batchSize(${epoch})` : "batchSize", m);
    if (options.sampler !== "with-replacement" && m > data.n) {
      throw new BatchlabArgumentError(
        schedule ? `batchSize(${epoch})` : "batchSize",
        m,
        `at most the number of examples n = ${data.n}`,
      );
    }
    return m;
  };
}

/** How many updates train() makes (from steps, or from epochs at m), once the options that decide it are checked. */
function plannedSteps(
  options: TrainOptions,
  data: Dataset,
  schedule: BatchSchedule | null,
  m: number,
): number {
  if (options.steps === undefined && options.epochs === undefined) {
    throw new BatchlabArgumentError("steps", undefined, "given (or epochs)");
  }
  if (
    schedule &&
    (options.epochs === undefined ||
      options.steps !== undefined ||
      options.sampler === "with-replacement")
  ) {
    throw new BatchlabArgumentError(
      "batchSize",
      "a schedule",
      'used with epochs (not steps) and a sampler that goes through epochs ("shuffled" or "fixed-order")',
    );
  }
  if (options.steps !== undefined) checkNonNegativeInteger("steps", options.steps);
  if (options.epochs !== undefined) checkPositiveFinite("epochs", options.epochs);
  learningRateAt(options.lr, 0);
  if (options.divergenceFactor !== undefined)
    checkPositiveFinite("divergenceFactor", options.divergenceFactor);
  return (
    options.steps ??
    (schedule
      ? updatesWithBatchSchedule(schedule, data.n, options.epochs as number, options.last ?? "keep")
      : Math.ceil(((options.epochs as number) * data.n) / m))
  );
}

export function train(model: Model, data: Dataset, options: TrainOptions): TrainResult {
  checkObject("options", options, "an object such as { batchSize, lr, steps }");
  checkDataset("data", data);
  const schedule = typeof options.batchSize === "function" ? options.batchSize : null;
  const batchSizeAt = batchSizeReader(options, data);
  let m = batchSizeAt(0);
  const steps = plannedSteps(options, data, schedule, m);
  const seed = options.seed ?? 0;
  const evalEvery = options.evalEvery ?? Math.max(1, Math.floor(steps / 100));
  checkPositiveInteger("evalEvery", evalEvery);

  const random = rng(seed);
  const theta = options.init ? Float64Array.from(options.init) : model.init(random.fork());
  checkCompatible(model, theta, data);
  if (options.testData) checkCompatible(model, theta, options.testData);
  let sampler = makeSampler(
    options.sampler ?? "shuffled",
    data.n,
    m,
    seed + 1,
    options.last ?? "keep",
  );
  let epochIndex = 0;
  let stepInEpoch = 0;
  const evalIdx = evaluationSubset(data.n, options.evalSize);

  const history: TrainRecord[] = [];
  const trajectory: Params[] | undefined = options.keepTrajectory ? [] : undefined;
  const stepper = stepperFor(model, theta, {
    momentum: options.momentum ?? 0,
    weightDecay: options.weightDecay ?? 0,
  });
  const evaluate = evaluator(model, data, theta, options, evalIdx, history, trajectory);
  let examples = 0;
  let seconds = 0;
  let diverged = false;
  const record = (step: number): boolean => {
    stepper.sync();
    return evaluate(step, examples, seconds);
  };

  record(0);
  let step = 0;
  while (step < steps) {
    if (schedule && stepInEpoch === stepsPerEpoch(data.n, m, options.last ?? "keep")) {
      // An epoch has ended (a batch never straddles two: the sampler's last batch of an epoch is
      // partial or dropped): a new m starts on a fresh shuffle, as a new epoch would anyway.
      epochIndex++;
      stepInEpoch = 0;
      const next = batchSizeAt(epochIndex);
      if (next !== m) {
        m = next;
        sampler = makeSampler(
          options.sampler ?? "shuffled",
          data.n,
          m,
          seed + 1 + epochIndex,
          options.last ?? "keep",
        );
      }
    }
    stepInEpoch++;
    const t0 = performance.now();
    const batch = sampler.next();
    stepper.step(data, batch, learningRateAt(options.lr, step));
    seconds += (performance.now() - t0) / 1000;
    examples += batch.length;
    step++;
    if (options.onStep) {
      stepper.sync();
      options.onStep(step, theta, examples);
    }
    if (step % evalEvery === 0 || step === steps) {
      if (record(step)) {
        diverged = true;
        break;
      }
    }
  }
  stepper.sync();
  return { theta, history, trajectory, diverged, steps: step };
}

/**
 * One evaluation of θ (brought up to date by the caller): a TrainRecord appended to the history
 * (θ to the trajectory), then whether the run has diverged: a non-finite training loss, or one
 * above divergenceFactor times the loss at step 0.
 */
function evaluator(
  model: Model,
  data: Dataset,
  theta: Params,
  options: TrainOptions,
  evalIdx: Int32Array,
  history: TrainRecord[],
  trajectory: Params[] | undefined,
): (step: number, examples: number, seconds: number) => boolean {
  let startLoss = NaN;
  return (step, examples, seconds) => {
    const trainLoss = meanLoss(model, theta, data, evalIdx);
    const row: TrainRecord = {
      step,
      examples,
      epoch: examples / data.n,
      seconds,
      lr: learningRateAt(options.lr, Math.max(0, step - 1)),
      trainLoss,
    };
    if (options.testData) row.testLoss = meanLoss(model, theta, options.testData);
    history.push(row);
    if (trajectory) trajectory.push(Float64Array.from(theta));
    options.onRecord?.(row);
    if (step === 0) startLoss = trainLoss;
    const limit = (options.divergenceFactor ?? 1e6) * Math.max(startLoss, 1e-12);
    return !Number.isFinite(trainLoss) || trainLoss > limit;
  };
}

/** A fixed, evenly spaced subset of at most `size` examples (all when size is undefined or ≥ n). */
function evaluationSubset(n: number, size: number | undefined): Int32Array {
  if (size !== undefined) checkPositiveInteger("evalSize", size);
  const k = size === undefined ? n : Math.min(n, size);
  const idx = new Int32Array(k);
  for (let i = 0; i < k; i++) idx[i] = Math.floor((i * n) / k);
  return idx;
}
