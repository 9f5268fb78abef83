// Time per step against the batch size, measured on whatever machine runs the notebook.
//
// A "runner" performs a given number of SGD steps of batch size m and reports the seconds they
// took; measureStepTimes calibrates the step count so that each measurement lasts about the same
// wall time whatever m is, repeats it round-robin over m (so that a burst of load hits every m
// alike), and keeps the median and the spread of the repeats (the usual defence against a shared,
// noisy machine: the median ignores the runs that were interrupted, the spread says how noisy it was).

import type { Dataset } from "../data/dataset";
import type { Model } from "../models/model";
import type { FastModel } from "../engines/fastModel";
import type { TfjsTrainer } from "../engines/tfjsNetwork";
import * as os from "os";
import { train, type SamplerKind } from "../update/train";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";
import { median as medianOf } from "../util/stats";
import { poolBusy } from "../pool/pool";

/** Something that runs `steps` SGD steps with batches of m examples and returns the seconds they took. */
export interface StepRunner {
  /** The engine, as it should appear in a legend or a title ("batchlab wasm", "tfjs wasm"). */
  readonly engine: string;
  run(m: number, steps: number): number;
}

export interface RunnerOptions {
  /** Learning rate of the timed steps (default 1e-3: small, so no run diverges and stops early). */
  lr?: number;
  /** Default "with-replacement", so that m may exceed the number of examples. */
  sampler?: SamplerKind;
  seed?: number;
}

/** Steps through train() itself, the loop every notebook uses; seconds exclude evaluations. */
export function trainRunner(
  model: Model,
  data: Dataset,
  options: RunnerOptions & { engine?: string } = {},
): StepRunner {
  const lr = options.lr ?? 1e-3;
  return {
    engine:
      options.engine ??
      ("engine" in model
        ? `batchlab ${(model as FastModel).engine.split(" ")[0]}`
        : "reference f64"),
    run(m, steps) {
      const result = train(model, data, {
        batchSize: m,
        lr,
        steps,
        seed: options.seed ?? 0,
        sampler: options.sampler ?? "with-replacement",
        evalSize: 1,
        evalEvery: steps,
      });
      return result.history[result.history.length - 1].seconds;
    },
  };
}

/** Steps of a fast model's own loop (θ and the update inside the engine). */
export function fusedRunner(
  model: FastModel,
  data: Dataset,
  options: RunnerOptions & { engine?: string } = {},
): StepRunner {
  const lr = options.lr ?? 1e-3;
  return {
    engine: options.engine ?? `${model.engine.split(" ")[0]} fused loop`,
    run(m, steps) {
      return model.trainFused(data, {
        batchSize: m,
        lr,
        steps,
        seed: options.seed ?? 0,
        sampler: options.sampler ?? "with-replacement",
      }).seconds;
    },
  };
}

/** Steps of a tfjs trainer, on consecutive slices of a fixed shuffled order (the cheapest batches tfjs can get). */
export function tfjsRunner(
  trainer: TfjsTrainer,
  n: number,
  options: { lr?: number; engine?: string } = {},
): StepRunner {
  const lr = options.lr ?? 1e-3;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let pos = 0;
  return {
    engine: options.engine ?? `tfjs ${trainer.backend}`,
    run(m, steps) {
      if (m > n) throw new BatchlabArgumentError("m", m, `at most n = ${n} for the tfjs runner`);
      const batch = (): Int32Array => {
        if (pos + m > n) pos = 0;
        pos += m;
        return order.subarray(pos - m, pos);
      };
      trainer.step(batch(), lr); // the first step after a backend switch moves the weights over
      const t0 = performance.now();
      for (let s = 0; s < steps; s++) trainer.step(batch(), lr);
      return (performance.now() - t0) / 1000;
    },
  };
}

export interface StepTimeRow {
  engine: string;
  m: number;
  /** Median over the repeats. */
  secondsPerStep: number;
  examplesPerSecond: number;
  /** Steps per repeat (calibrated). */
  steps: number;
  /** Seconds per step of each repeat, for error bars. */
  samples: number[];
  /** Relative spread of the repeats: (max − min) / (2 · median), the ± of the median as a fraction. */
  spread?: number;
  /** Highest 1-minute load average seen while this row was timed (os.loadavg()[0]). */
  loadAverage?: number;
}

export interface MeasureOptions {
  /** Target wall time of one repeat, in seconds (default 0.1). */
  seconds?: number;
  /** Repeats per m (default 3); the median is reported. */
  repeats?: number;
  /** Called after each m (progress bars). */
  onRow?: (row: StepTimeRow, index: number) => void;
}

/** The median of the repeats (util/stats median, under the name the timing code exports). */
export { medianOf };

/** (max − min) / (2 · median): how far a repeat may lie from the median, as a fraction of it. */
export function relativeSpread(samples: readonly number[]): number {
  const med = medianOf(samples);
  return med > 0 ? (Math.max(...samples) - Math.min(...samples)) / (2 * med) : 0;
}

/**
 * Steps per repeat so that one repeat lasts about `seconds`: runs 1, 4, 16, … steps until a run
 * lasts a quarter of that (which also warms the engine up), then scales. One step runs first and
 * is not counted: a first step that starts threads or compiles code (the data-parallel engine's
 * first split batch starts its workers, a second or more) would otherwise count as one step's
 * time and calibrate the repeats down to a single step.
 */
export function calibrateSteps(runner: StepRunner, m: number, seconds: number): number {
  checkPositiveFinite("seconds", seconds);
  runner.run(m, 1);
  for (let steps = 1; ; steps *= 4) {
    const took = runner.run(m, steps);
    if (took >= seconds / 4 || steps >= 1 << 20)
      return Math.max(1, Math.round((seconds * steps) / Math.max(took, 1e-9)));
  }
}

/** The 1-minute load average, or 0 where the platform has none (Windows). */
function loadNow(): number {
  return os.loadavg()[0] ?? 0;
}

/**
 * Every timing starts here: while the worker pool (src/pool) trains on the other cores, a timing
 * would measure that load, not the code timed. The notebooks await their sweeps, so the pool is
 * idle by then; this makes the rule checked instead of assumed (await whenPoolIdle() first).
 */
export function checkPoolIdle(what: string): void {
  if (poolBusy())
    throw new Error(
      `${what}: the worker pool is still running jobs; await whenPoolIdle() before timing anything`,
    );
}

/**
 * Seconds per step of several runners at every m, interleaved: each round times every (runner, m)
 * once, in forward order on even rounds and backward on odd ones, so that a burst of load or a
 * slow drift (another process starting, the CPU warming up) falls on all of them alike instead of
 * on the m that happened to be timed at that moment. Each row keeps the median of its repeats,
 * their relative spread, and the highest load average seen while it was timed.
 */
export function measureInterleaved(
  runners: readonly StepRunner[],
  batchSizes: readonly number[],
  options: MeasureOptions = {},
): StepTimeRow[][] {
  checkPoolIdle("measureInterleaved");
  const seconds = options.seconds ?? 0.1;
  const repeats = options.repeats ?? 3;
  checkPositiveInteger("repeats", repeats);
  if (runners.length === 0)
    throw new BatchlabArgumentError("runners", runners, "at least one runner");
  batchSizes.forEach((m, index) => checkPositiveInteger(`batchSizes[${index}]`, m));
  const jobs = runners.flatMap((runner, r) =>
    batchSizes.map((m) => ({ r, runner, m, steps: 0, samples: [] as number[], load: loadNow() })),
  );
  for (const job of jobs) job.steps = calibrateSteps(job.runner, job.m, seconds);
  for (let round = 0; round < repeats; round++) {
    const order = round % 2 === 0 ? jobs : [...jobs].reverse();
    for (const job of order) {
      job.samples.push(job.runner.run(job.m, job.steps) / job.steps);
      job.load = Math.max(job.load, loadNow());
    }
  }
  return runners.map((_, r) =>
    jobs
      .filter((j) => j.r === r)
      .map((job, index) => {
        const secondsPerStep = medianOf(job.samples);
        const row: StepTimeRow = {
          engine: job.runner.engine,
          m: job.m,
          secondsPerStep,
          examplesPerSecond: job.m / secondsPerStep,
          steps: job.steps,
          samples: job.samples,
          spread: relativeSpread(job.samples),
          loadAverage: job.load,
        };
        options.onRow?.(row, index);
        return row;
      }),
  );
}

/** Seconds per step for every m: the median of a few calibrated repeats, timed interleaved over m. */
export function measureStepTimes(
  runner: StepRunner,
  batchSizes: readonly number[],
  options: MeasureOptions = {},
): StepTimeRow[] {
  return measureInterleaved([runner], batchSizes, options)[0];
}

export interface TimingLoad {
  /** Highest 1-minute load average seen during the timings. */
  loadAverage: number;
  cores: number;
  /** More runnable processes than cores: the timed code shared the CPU with other work. */
  overloaded: boolean;
  /** One sentence for the notebook's output. */
  note: string;
}

/** Was the machine busy while these rows were timed? Compares the load average with the core count. */
export function timingLoad(
  rows: readonly StepTimeRow[],
  cores: number = os.cpus().length,
): TimingLoad {
  const loadAverage = Math.max(0, ...rows.map((r) => r.loadAverage ?? 0));
  return loadVerdict(loadAverage, cores);
}

/** The 1-minute load average now against the core count: for timings that keep no rows (see timeInterleaved). */
export function machineLoad(cores: number = os.cpus().length): TimingLoad {
  return loadVerdict(loadNow(), cores);
}

function loadVerdict(loadAverage: number, cores: number): TimingLoad {
  const overloaded = loadAverage > cores;
  const note = overloaded
    ? `note: the load average reached ${loadAverage.toFixed(1)} on ${cores} cores during these timings: other work shared the CPU, ` +
      `so the times are slower and noisier than on an idle machine (the medians and the interleaving absorb part of it)`
    : `load average at most ${loadAverage.toFixed(1)} on ${cores} cores during these timings: the machine was not oversubscribed`;
  return { loadAverage, cores, overloaded, note };
}

// Timing answers that hold on a shared machine, for anything timed (not only steps): every
// candidate is timed several times, interleaved (one round of all of them, then the next round) so
// that a slow spell of the machine hits them alike, and each keeps its median and its range. Which
// is fastest is then read as a band (chooseWithinBand in band.ts), never as a single minimum.

export interface TimedCandidate<K> {
  key: K;
  /** Runs the candidate once and returns the seconds it took (what it counts is up to the caller). */
  run: () => number;
}

export interface InterleavedTiming<K> {
  key: K;
  /** Seconds of every repeat, in the order they were taken. */
  samples: number[];
  median: number;
  min: number;
  max: number;
}

export interface InterleaveOptions {
  /** Timed rounds (default 3). */
  repeats?: number;
  /** One untimed round first, so that no candidate pays for compilation (default true). */
  warmup?: boolean;
}

/** Times every candidate `repeats` times, round-robin, after an untimed warm-up round. */
export function timeInterleaved<K>(
  candidates: readonly TimedCandidate<K>[],
  options: InterleaveOptions = {},
): InterleavedTiming<K>[] {
  checkPoolIdle("timeInterleaved");
  const repeats = options.repeats ?? 3;
  checkPositiveInteger("repeats", repeats);
  if (candidates.length === 0)
    throw new BatchlabArgumentError("candidates", candidates, "at least one candidate");
  if (options.warmup ?? true) for (const c of candidates) c.run();
  const samples = candidates.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) candidates.forEach((c, i) => samples[i].push(c.run()));
  return candidates.map((c, i) => ({
    key: c.key,
    samples: samples[i],
    median: medianOf(samples[i]),
    min: Math.min(...samples[i]),
    max: Math.max(...samples[i]),
  }));
}
