// The two experiments of chapter 3b, on any model and data set, through train():
//  - scheduleComparison: for each batch size m and budget (epochs), train with each schedule and
//    measure where it ends; the constant-η run also reports its Polyak–Ruppert average.
//  - decayVersusGrowth: step decay of η against the growing batch that mirrors it (Smith et al.
//    2018), with the loss recorded at the same epochs and the updates counted.

import type { Dataset } from "../data/dataset";
import { allIndices } from "../data/dataset";
import { meanLoss, type Model, type Params } from "../models/model";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";
import { IterateAverage } from "./averaging";
import {
  batchGrowth,
  epochsToSteps,
  stepDecay,
  updatesWithBatchSchedule,
} from "../learningRate/schedules";
import type { LearningRate } from "../learningRate/learningRate";
import { train } from "./train";

/** The schedules to compare for a run of `steps` updates at batch size m, by name. */
export type ScheduleFamily = (steps: number, m: number) => Record<string, LearningRate>;

export interface ScheduleComparisonOptions {
  batchSizes: readonly number[];
  /** Budgets in epochs. */
  budgets: readonly number[];
  seeds: readonly number[];
  schedules: ScheduleFamily;
  /**
   * The schedule whose run is also averaged (Polyak–Ruppert), reported as "<name> + averaging";
   * null for none. Default "constant".
   */
  averaged?: string | null;
  /** The average starts at this fraction of the run (default 0.5: the second half is averaged). */
  averageFrom?: number;
  /** What a final θ scores (a distance to θ*, a loss); lower is better. */
  score: (theta: Params) => number;
  init?: Params;
  onRun?: (done: number, total: number) => void;
}

export interface ScheduleRow {
  m: number;
  epochs: number;
  schedule: string;
  /** Mean score over the seeds. */
  score: number;
  /** Standard error of that mean over the seeds (0 for one seed). */
  stderr: number;
  steps: number;
}

export function scheduleComparison(
  model: Model,
  data: Dataset,
  options: ScheduleComparisonOptions,
): ScheduleRow[] {
  const averaged = options.averaged === undefined ? "constant" : options.averaged;
  const from = options.averageFrom ?? 0.5;
  if (!(from >= 0 && from < 1))
    throw new BatchlabArgumentError("averageFrom", from, "a fraction in [0, 1)");
  if (options.seeds.length === 0)
    throw new BatchlabArgumentError("seeds", options.seeds, "at least one seed");
  const rows: ScheduleRow[] = [];
  let done = 0;
  const total = options.batchSizes.length * options.budgets.length;
  for (const m of options.batchSizes) {
    checkPositiveInteger("m", m);
    for (const epochs of options.budgets) {
      checkPositiveFinite("budget", epochs);
      const steps = Math.ceil((epochs * data.n) / m);
      const schedules = options.schedules(steps, m);
      if (averaged !== null && !(averaged in schedules))
        throw new BatchlabArgumentError(
          "averaged",
          averaged,
          `one of the schedules (${Object.keys(schedules).join(", ")})`,
        );
      const scores: Record<string, number[]> = {};
      for (const [name, lr] of Object.entries(schedules)) {
        for (const seed of options.seeds) {
          const average =
            name === averaged ? new IterateAverage(model.size, Math.floor(from * steps) + 1) : null;
          const run = train(model, data, {
            batchSize: m,
            lr,
            steps,
            seed,
            init: options.init,
            evalEvery: steps,
            onStep: average ? (t, theta) => average.add(t, theta) : undefined,
          });
          (scores[name] ??= []).push(run.diverged ? Infinity : options.score(run.theta));
          if (average)
            (scores[`${name} + averaging`] ??= []).push(
              run.diverged ? Infinity : options.score(average.mean()),
            );
        }
      }
      for (const [schedule, values] of Object.entries(scores))
        rows.push({ m, epochs, schedule, ...meanAndError(values), steps });
      options.onRun?.(++done, total);
    }
  }
  return rows;
}

function meanAndError(values: number[]): { score: number; stderr: number } {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  if (n < 2) return { score: mean, stderr: 0 };
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
  return { score: mean, stderr: Math.sqrt(variance / n) };
}

export interface DecayGrowthOptions {
  /** Starting batch size m₀ and learning rate η₀ of both runs. */
  m0: number;
  eta0: number;
  /** k: decay divides η by k, growth multiplies m by k, at the same epochs. */
  factor: number;
  /** Epochs at which η drops (decay) or m grows (growth). */
  boundaries: readonly number[];
  epochs: number;
  seeds: readonly number[];
  /** Loss evaluations per epoch (default 4). */
  evalPerEpoch?: number;
  /** The loss is measured on at most this many examples (evenly spaced; default all). */
  evalSize?: number;
  init?: Params;
  /**
   * The minimum loss L*, when known: the gaps are then compared on the excess loss L − L*, which is
   * what a run still has to lose (on the raw loss, a floor far above zero hides any difference).
   */
  floor?: number;
  onRun?: (done: number, total: number) => void;
}

export interface DecayGrowthPoint {
  run: "decay" | "growth";
  seed: number;
  /** Examples seen / n when evaluated: every whole epoch exactly, other points up to one batch late. */
  epoch: number;
  step: number;
  loss: number;
}

export interface DecayGrowthResult {
  points: DecayGrowthPoint[];
  /** Updates of each run (the same for every seed) and the closed-form count of the growth run. */
  updates: { decay: number; growth: number; growthPredicted: number };
  /** Mean loss over seeds at each whole epoch 1 … epochs, per run. */
  atEpochs: { epoch: number; decay: number; growth: number }[];
  /** The largest |ln(growth/decay)| of the mean (excess) loss over the whole epochs: how far apart the curves come. */
  maxLogGap: number;
  /** The same gap between two halves of the seeds of the decay run alone: the seed-to-seed noise. */
  seedLogGap: number;
}

/** Step decay of η against the batch growth that mirrors it, several seeds each. */
export function decayVersusGrowth(
  model: Model,
  data: Dataset,
  options: DecayGrowthOptions,
): DecayGrowthResult {
  const { m0, eta0, factor, boundaries, epochs, seeds } = options;
  checkPositiveInteger("epochs", epochs);
  const perEpoch = options.evalPerEpoch ?? 4;
  checkPositiveInteger("evalPerEpoch", perEpoch);
  const evalIdx =
    options.evalSize === undefined || options.evalSize >= data.n
      ? allIndices(data.n)
      : Int32Array.from({ length: options.evalSize }, (_, i) =>
          Math.floor((i * data.n) / (options.evalSize as number)),
        );
  const lossOf = (theta: Params) => meanLoss(model, theta, data, evalIdx);
  const decayLr = stepDecay(eta0, factor, epochsToSteps(boundaries, data.n, m0));
  const growth = batchGrowth(m0, factor, boundaries);
  const points: DecayGrowthPoint[] = [];
  const updates = {
    decay: 0,
    growth: 0,
    growthPredicted: updatesWithBatchSchedule(growth, data.n, epochs),
  };
  let done = 0;
  for (const seed of seeds) {
    for (const run of ["decay", "growth"] as const) {
      const init = options.init;
      let next = 1;
      if (init) points.push({ run, seed, epoch: 0, step: 0, loss: lossOf(init) });
      const result = train(model, data, {
        batchSize: run === "decay" ? m0 : growth,
        lr: run === "decay" ? decayLr : eta0,
        epochs,
        seed,
        init,
        evalEvery: Number.MAX_SAFE_INTEGER,
        onStep: (step, theta, examples) => {
          // Evaluate once the examples seen reach the next quarter (or 1/evalPerEpoch) of an epoch.
          if (examples * perEpoch >= next * data.n) {
            points.push({ run, seed, epoch: examples / data.n, step, loss: lossOf(theta) });
            next = Math.floor((examples * perEpoch) / data.n) + 1;
          }
        },
      });
      updates[run] = result.steps;
      options.onRun?.(++done, 2 * seeds.length);
    }
  }
  const meanAt = (
    run: "decay" | "growth",
    epoch: number,
    which: readonly number[] = seeds,
  ): number => {
    const sel = points.filter((p) => p.run === run && p.epoch === epoch && which.includes(p.seed));
    return sel.reduce((s, p) => s + p.loss, 0) / sel.length;
  };
  const atEpochs = Array.from({ length: epochs }, (_, k) => ({
    epoch: k + 1,
    decay: meanAt("decay", k + 1),
    growth: meanAt("growth", k + 1),
  }));
  const floor = options.floor ?? 0;
  const logGap = (a: number, b: number) => Math.abs(Math.log((a - floor) / (b - floor)));
  const maxLogGap = Math.max(...atEpochs.map((r) => logGap(r.growth, r.decay)));
  const half = Math.floor(seeds.length / 2);
  const seedLogGap =
    half === 0
      ? NaN
      : Math.max(
          ...atEpochs.map((r) =>
            logGap(
              meanAt("decay", r.epoch, seeds.slice(0, half)),
              meanAt("decay", r.epoch, seeds.slice(half)),
            ),
          ),
        );
  return { points, updates, atEpochs, maxLogGap, seedLogGap };
}
