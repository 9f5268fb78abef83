// Time per step against the batch size, measured on whatever machine runs the notebook.
//
// A "runner" performs a given number of SGD steps of batch size m and reports the seconds they
// took; measureStepTimes calibrates the step count so that each measurement lasts about the same
// wall time whatever m is, repeats it, and keeps the median (the usual defence against a shared,
// noisy machine: the median ignores the runs that were interrupted).

import type { Dataset } from "../data/dataset";
import type { Model } from "../models/model";
import type { FastModel } from "../engines/fastModel";
import type { TfjsTrainer } from "../engines/tfjsNetwork";
import { train, type SamplerKind } from "../update/train";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";
import { median as medianOf } from "../util/stats";

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
export function trainRunner(model: Model, data: Dataset, options: RunnerOptions & { engine?: string } = {}): StepRunner {
  const lr = options.lr ?? 1e-3;
  return {
    engine: options.engine ?? ("engine" in model ? `batchlab ${(model as FastModel).engine.split(" ")[0]}` : "reference f64"),
    run(m, steps) {
      const result = train(model, data, {
        batchSize: m, lr, steps, seed: options.seed ?? 0, sampler: options.sampler ?? "with-replacement", evalSize: 1, evalEvery: steps,
      });
      return result.history[result.history.length - 1].seconds;
    },
  };
}

/** Steps of a fast model's own loop (θ and the update inside the engine). */
export function fusedRunner(model: FastModel, data: Dataset, options: RunnerOptions & { engine?: string } = {}): StepRunner {
  const lr = options.lr ?? 1e-3;
  return {
    engine: options.engine ?? `${model.engine.split(" ")[0]} fused loop`,
    run(m, steps) {
      return model.trainFused(data, { batchSize: m, lr, steps, seed: options.seed ?? 0, sampler: options.sampler ?? "with-replacement" }).seconds;
    },
  };
}

/** Steps of a tfjs trainer, on consecutive slices of a fixed shuffled order (the cheapest batches tfjs can get). */
export function tfjsRunner(trainer: TfjsTrainer, n: number, options: { lr?: number; engine?: string } = {}): StepRunner {
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

/**
 * Steps per repeat so that one repeat lasts about `seconds`: runs 1, 4, 16, … steps until a run
 * lasts a quarter of that (which also warms the engine up), then scales.
 */
export function calibrateSteps(runner: StepRunner, m: number, seconds: number): number {
  checkPositiveFinite("seconds", seconds);
  for (let steps = 1; ; steps *= 4) {
    const took = runner.run(m, steps);
    if (took >= seconds / 4 || steps >= 1 << 20) return Math.max(1, Math.round((seconds * steps) / Math.max(took, 1e-9)));
  }
}

/** Seconds per step for every m, as the median of a few calibrated repeats. */
export function measureStepTimes(runner: StepRunner, batchSizes: readonly number[], options: MeasureOptions = {}): StepTimeRow[] {
  const seconds = options.seconds ?? 0.1;
  const repeats = options.repeats ?? 3;
  checkPositiveInteger("repeats", repeats);
  return batchSizes.map((m, index) => {
    checkPositiveInteger(`batchSizes[${index}]`, m);
    const steps = calibrateSteps(runner, m, seconds);
    const samples: number[] = [];
    for (let r = 0; r < repeats; r++) samples.push(runner.run(m, steps) / steps);
    const secondsPerStep = medianOf(samples);
    const row = { engine: runner.engine, m, secondsPerStep, examplesPerSecond: m / secondsPerStep, steps, samples };
    options.onRow?.(row, index);
    return row;
  });
}
