// The experiments of the convergence chapter, as functions, so that the notebook, its tests and
// later chapters run exactly the same thing: a notebook cell calls one of these and draws the
// table it returns.

import * as aq from "arquero";
import { symmetricEigenvalues } from "../curvature/eigen";
import { logisticRegressionHessian } from "../curvature/hessian";
import type { Dataset } from "../data/dataset";
import { logisticRegression } from "../models/logistic";
import type { Model } from "../models/model";
import type { LearningRate } from "../learningRate/learningRate";
import { train, type SamplerKind } from "../update/train";
import { isQuick } from "../util/mode";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";
import { logisticOptimum, type Optimum } from "./optimum";
import { logisticTeacher } from "../data/logisticTeacher";
import type { RunConfig, SweepRow, RunOutput } from "./runner";
import { MNIST_CLASSES, MNIST_FEATURES, mnistPick } from "../data/mnist";
import { softmaxRegression } from "../models/softmax";
import { timeInterleaved } from "../compute/timing";
import { firstCrossing, trainToTarget } from "./target";
import type { StepsToTargetOptions, TargetProblem } from "./tuning";

// ---------------------------------------------------------------------------------------------
// Loss curves

export interface CurveRunOptions {
  batchSize: number;
  lr: LearningRate;
  steps: number;
  seed?: number;
  /** Default "shuffled": epochs without replacement, the usual practice. */
  sampler?: SamplerKind;
  /** The loss is measured on this many evenly spaced training examples (default all). */
  evalSize?: number;
  /** Evaluations at steps 1, 2, … then every ×evalGrowth (default 1.15: about 16 per decade of steps). */
  evalGrowth?: number;
  /** Diverged when the loss exceeds this multiple of its start (default 3). */
  divergenceFactor?: number;
}

/** A row of runSweep's `runs` table for a sweep of curveRun runs. */
export interface CurveRunSummary {
  m: number;
  lr: number;
  status: "ok" | "diverged";
  cached: boolean;
  /** Seconds the whole run took (evaluations included), when it was computed. */
  seconds: number;
  stepsRun: number;
  /** Null when the run diverged. */
  finalLoss: number | null;
  /** Training seconds (evaluations excluded). */
  trainSeconds: number | null;
}

/**
 * One training run recorded as a loss curve for runSweep: rows { step, examples, epoch, seconds,
 * loss } at log-spaced steps (curves are drawn on log axes), diverged when the loss blows up.
 */
export function curveRun(model: Model, data: Dataset, options: CurveRunOptions): RunOutput {
  checkPositiveInteger("steps", options.steps);
  const evalSize = Math.min(data.n, options.evalSize ?? data.n);
  checkPositiveInteger("evalSize", evalSize);
  const evalExamples = Int32Array.from({ length: evalSize }, (_, i) =>
    Math.floor((i * data.n) / evalSize),
  );
  const run = trainToTarget(model, data, {
    batchSize: options.batchSize,
    lr: options.lr,
    maxSteps: options.steps,
    seed: options.seed ?? 0,
    sampler: options.sampler ?? "shuffled",
    evalExamples,
    evalGrowth: options.evalGrowth ?? 1.15,
    divergenceFactor: options.divergenceFactor ?? 3,
    keepCurve: true,
  });
  const rows: SweepRow[] = (run.curve ?? []).map((p) => ({
    step: p.step,
    examples: p.examples,
    epoch: p.examples / data.n,
    seconds: p.seconds,
    loss: p.loss,
  }));
  const last = run.curve && run.curve.length > 0 ? run.curve[run.curve.length - 1] : undefined;
  return {
    rows,
    diverged: run.status === "diverged",
    summary: {
      stepsRun: run.stepsRun,
      finalLoss: run.status === "diverged" ? null : (last?.loss ?? null),
      trainSeconds: last?.seconds ?? null,
    },
  };
}

/** A run of chapter 3's MNIST sweep: softmax regression on the training digits `perClass` (null: all) picks. */
export interface MnistCurveConfig extends RunConfig {
  /** Digits of each class (seed 0), or null for the whole training split. */
  perClass: number | null;
  m: number;
  lr: number;
  epochs: number;
  seed: number;
}

/**
 * The worker-pool job of chapter 3's MNIST sweep (runSweep's `job`): rebuilds the digits from the
 * config and trains `epochs` epochs (at least 50 steps) with curveRun, the loss on 1,000 digits.
 */
export function mnistSoftmaxCurve(c: MnistCurveConfig): RunOutput {
  const digits = mnistPick("train", c.perClass === null ? null : { perClass: c.perClass, seed: 0 });
  return curveRun(softmaxRegression(MNIST_FEATURES, MNIST_CLASSES), digits, {
    batchSize: c.m,
    lr: c.lr,
    seed: c.seed,
    steps: Math.max(50, Math.ceil((c.epochs * digits.n) / c.m)),
    evalSize: 1000,
  });
}

/**
 * Loss curves on a clock of separately measured seconds: a row at step s of a run with batch size
 * m gets seconds = s × m's time per step from `stepTimes` (timedSteps, timed serially and
 * interleaved across m once the worker pool is idle). The seconds a run records while it trains
 * are not used: runs trained side by side on the pool slow each other down.
 */
export function onStepClock<R extends { m: number; step: number }>(
  rows: readonly R[],
  stepTimes: readonly { m: number; secondsPerStep: number }[],
): (R & { seconds: number })[] {
  const perStep = new Map(stepTimes.map((t) => [t.m, t.secondsPerStep]));
  return rows.map((r) => {
    const t = perStep.get(r.m);
    if (t === undefined)
      throw new BatchlabArgumentError(
        "stepTimes",
        stepTimes.map((x) => x.m),
        `a time per step for m = ${r.m}`,
      );
    return { ...r, seconds: r.step * t };
  });
}

/**
 * For every batch size, the learning rate whose run ended with the lowest `metric` (diverged runs
 * excluded): `runs` is the runs table of runSweep, with columns m, lr, status and the metric.
 */
export function bestPerBatchSize(runs: aq.ColumnTable, metric = "finalLoss"): aq.ColumnTable {
  const column = JSON.stringify(metric);
  return runs
    .filter(
      aq.escape(
        (r: Record<string, unknown>) =>
          r.status === "ok" && typeof r[metric] === "number" && Number.isFinite(r[metric]),
      ),
    )
    .groupby("m")
    .filter(`d => d[${column}] === op.min(d[${column}])`)
    .ungroup()
    .dedupe("m") // ties: the first run in the table's order wins
    .orderby("m")
    .reify();
}

export interface ClockRow {
  /** The run: its value of the `by` column. */
  run: string | number;
  lr: number;
  steps: number | null;
  epochs: number | null;
  seconds: number | null;
}

/**
 * When each run's loss curve first reached `level`, on each clock: steps, epochs and seconds
 * (null when it never did). `rows` are curve rows { step, epoch, seconds, loss, lr } plus the
 * column `by` (default "m") that tells runs apart. The loss is smoothed over `window` points
 * (default 3) so that one lucky evaluation does not count.
 */
export function clocksToLevel(
  rows: readonly Record<string, unknown>[] | { objects(): object[] },
  level: number,
  options: { by?: string; window?: number } = {},
): ClockRow[] {
  const all = (Array.isArray(rows) ? rows : (rows as { objects(): object[] }).objects()) as Record<
    string,
    number | string
  >[];
  const by = options.by ?? "m";
  const keys = Array.from(new Set(all.map((r) => r[by])));
  return keys.map((key) => {
    const run = all
      .filter((r) => r[by] === key)
      .sort((a, b) => (a.step as number) - (b.step as number));
    const losses = run.map((r) => r.loss as number);
    const at = (x: "step" | "epoch" | "seconds") => {
      // firstCrossing needs strictly increasing x; equal times (a timer tick) are merged.
      const pts = run
        .map((r, i) => ({ x: r[x] as number, loss: losses[i] }))
        .filter((p, i, a) => i === 0 || p.x > a[i - 1].x);
      return firstCrossing(
        pts.map((p) => p.x),
        pts.map((p) => p.loss),
        level,
        { window: options.window ?? 3 },
      );
    };
    return {
      run: key,
      lr: run[0].lr as number,
      steps: at("step"),
      epochs: at("epoch"),
      seconds: at("seconds"),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// d2l §12.5: loss against wall-clock time

export interface TimedSchedule {
  label: string;
  m: number;
  lr: number;
  epochs: number;
}

/** d2l §12.5's four runs on the 1,500-example airfoil data: (batch size, learning rate, epochs). */
export const D2L_SCHEDULES: readonly TimedSchedule[] = [
  { label: "gradient descent", m: 1500, lr: 1, epochs: 10 },
  { label: "SGD", m: 1, lr: 0.005, epochs: 2 },
  { label: "minibatch 100", m: 100, lr: 0.4, epochs: 2 },
  { label: "minibatch 10", m: 10, lr: 0.05, epochs: 2 },
];

export interface TimedCurvesOptions {
  /** Timed repetitions per schedule (default 5); each point's time is the median over them. */
  repeats?: number;
  /** Record the loss every this many examples, as d2l does (default 200). */
  recordEvery?: number;
  seed?: number;
}

/**
 * Loss against wall-clock seconds for each schedule: rows { label, m, lr, step, examples, epoch,
 * seconds, secondsMin, secondsMax, loss }. One untimed run of each schedule first lets the JIT
 * compile the loop; the timed repeats are interleaved (every schedule once, then again), so that a
 * slow spell of the machine hits all schedules alike, and each point keeps the median over the
 * repeats and their range. Evaluations are not timed.
 */
export function timedCurves(
  model: Model,
  data: Dataset,
  schedules: readonly TimedSchedule[],
  options: TimedCurvesOptions = {},
): aq.ColumnTable {
  const repeats = options.repeats ?? 5;
  checkPositiveInteger("repeats", repeats);
  const recordEvery = options.recordEvery ?? 200;
  checkPositiveInteger("recordEvery", recordEvery);
  const runOnce = (s: TimedSchedule) =>
    train(model, data, {
      batchSize: s.m,
      lr: s.lr,
      epochs: s.epochs,
      seed: options.seed ?? 0,
      evalEvery: Math.max(1, Math.round(recordEvery / s.m)),
    });
  for (const s of schedules) runOnce(s);
  const runs = schedules.map(() => [] as ReturnType<typeof train>[]);
  for (let r = 0; r < repeats; r++) schedules.forEach((s, i) => runs[i].push(runOnce(s)));
  const rows: SweepRow[] = [];
  schedules.forEach((s, i) => {
    runs[i][0].history.forEach((h, k) => {
      const times = runs[i].map((run) => run.history[k].seconds).sort((a, b) => a - b);
      rows.push({
        label: s.label,
        m: s.m,
        lr: s.lr,
        step: h.step,
        examples: h.examples,
        epoch: h.epoch,
        seconds: times[Math.floor(times.length / 2)],
        secondsMin: times[0],
        secondsMax: times[times.length - 1],
        loss: h.trainLoss,
      });
    });
  });
  return aq.from(rows);
}

export interface TimedStepsRow {
  m: number;
  lr: number;
  /** Steps the run needs (to a loss level, say). */
  steps: number;
  /** Seconds per step: median over the repeats, and their range. */
  secondsPerStep: number;
  secondsPerStepMin: number;
  secondsPerStepMax: number;
  /** steps × seconds per step: the median, and the range over the repeats. */
  seconds: number;
  secondsMin: number;
  secondsMax: number;
}

export interface TimedStepsOptions {
  /** Timed rounds (default 3), interleaved across the runs. */
  repeats?: number;
  /** Each repeat times about this many examples' worth of steps, at most the run's own steps (default 2,000). */
  examples?: number;
  seed?: number;
}

/**
 * Wall-clock seconds that each run of `steps` SGD steps of batch size m takes on this machine, from
 * seconds per step timed interleaved across the runs (see timeInterleaved): a step of a given m
 * costs the same wherever training is, so a repeat times only about `examples` examples' worth of
 * steps and scales by the run's step count. Evaluations are not timed.
 */
export function timedSteps(
  model: Model,
  data: Dataset,
  runs: readonly { m: number; lr: number; steps: number }[],
  options: TimedStepsOptions = {},
): TimedStepsRow[] {
  const examples = options.examples ?? 2000;
  checkPositiveInteger("examples", examples);
  const timings = timeInterleaved(
    runs.map((r, i) => {
      checkPositiveInteger(`runs[${i}].m`, r.m);
      checkPositiveInteger(`runs[${i}].steps`, r.steps);
      const k = Math.min(r.steps, Math.max(1, Math.round(examples / r.m)));
      return {
        key: i,
        run: () => {
          const result = train(model, data, {
            batchSize: r.m,
            lr: r.lr,
            steps: k,
            seed: options.seed ?? 0,
            evalEvery: k,
            evalSize: 1,
          });
          return result.history[result.history.length - 1].seconds / k;
        },
      };
    }),
    { repeats: options.repeats ?? 3 },
  );
  return runs.map((r, i) => {
    const t = timings[i];
    return {
      m: r.m,
      lr: r.lr,
      steps: r.steps,
      secondsPerStep: t.median,
      secondsPerStepMin: t.min,
      secondsPerStepMax: t.max,
      seconds: r.steps * t.median,
      secondsMin: r.steps * t.min,
      secondsMax: r.steps * t.max,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Steps to target: the critical-batch study

export interface CriticalBatchStudy {
  problem: TargetProblem;
  optimum: Optimum;
  /** δ in target = L* + δ. */
  delta: number;
  options: Omit<StepsToTargetOptions, "cache" | "progress">;
}

/** The study's problem, rebuilt (a pool job: see TargetProblem.recipe). */
export function criticalBatchProblem(c: { quick: boolean }): TargetProblem {
  return criticalBatchStudy(c.quick).problem;
}

/**
 * The chapter's steps-to-target study: logistic regression on 8,192 examples of 50 features
 * whose variances span a factor 10, target L* + 0.01, with m = 4^k (quick) or 2^k (full) from 1
 * to 16,384, η searched on a grid of 2 (quick) or 3 (full) points per doubling, and 2 (quick) or
 * 4 (full) seeds per point. Batches are drawn with replacement, so m may exceed n.
 */
export function criticalBatchStudy(quick: boolean = isQuick()): CriticalBatchStudy {
  const n = 8192;
  const d = 50;
  const condition = 10;
  const delta = 0.01;
  const { data } = logisticTeacher({ n, d, condition, seed: 1 });
  const optimum = logisticOptimum(data);
  const batchSizes = quick
    ? [1, 4, 16, 64, 256, 1024, 4096, 16384]
    : Array.from({ length: 15 }, (_, k) => 2 ** k);
  return {
    problem: {
      id: `logistic-teacher-n${n}-d${d}-c${condition}-s1-delta${delta}`,
      model: logisticRegression(d),
      data,
      target: optimum.loss + delta,
      // A worker of the pool rebuilds the same problem (same data, same optimum) from this.
      recipe: {
        job: { module: "sweeps/experiments", name: "criticalBatchProblem" },
        config: { quick },
      },
    },
    optimum,
    delta,
    options: {
      batchSizes,
      lrGrid: { min: 2 ** -10, max: 2 ** 7, perOctave: quick ? 2 : 3 },
      seeds: quick ? [0, 1] : [0, 1, 2, 3],
      maxSteps: 400_000,
      startLr: 0.01,
    },
  };
}

export interface WarmupVariant {
  label: string;
  lr: LearningRate;
}

/**
 * Trains the problem's model at batch size m once per variant (same seed, so the same batches)
 * for `steps` steps, evaluating the full loss every step: rows { label, step, loss } for
 * warmupFigure, and per variant the first step at or below the problem's target (null if never)
 * and the loss at the end.
 */
export function warmupRuns(
  problem: TargetProblem,
  m: number,
  variants: readonly WarmupVariant[],
  steps: number,
  seed = 0,
): {
  rows: { label: string; step: number; loss: number }[];
  summary: { label: string; stepsToTarget: number | null; finalLoss: number }[];
} {
  const rows: { label: string; step: number; loss: number }[] = [];
  const summary = variants.map((v) => {
    const run = trainToTarget(problem.model, problem.data, {
      batchSize: m,
      lr: v.lr,
      maxSteps: steps,
      seed,
      evalGrowth: 1,
      divergenceFactor: 1e3,
      keepCurve: true,
    });
    const curve = run.curve ?? [];
    for (const p of curve) rows.push({ label: v.label, step: p.step, loss: p.loss });
    const reached = curve.find((p) => p.loss <= problem.target);
    return {
      label: v.label,
      stepsToTarget: reached ? reached.step : null,
      finalLoss: run.finalLoss,
    };
  });
  return { rows, summary };
}

/**
 * The largest eigenvalue λ_max of logistic regression's Hessian at θ and the matching stability
 * limit 2/λ_max: gradient descent with a larger η diverges along the top eigenvector near θ.
 */
export function logisticStabilityLimit(
  theta: ArrayLike<number>,
  data: Dataset,
): { lambdaMax: number; lrMax: number } {
  const p = data.d + 1;
  const lambdaMax = Math.max(
    ...symmetricEigenvalues(logisticRegressionHessian(Float64Array.from(theta), data), p),
  );
  return { lambdaMax, lrMax: 2 / lambdaMax };
}
