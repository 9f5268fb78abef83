// What a second worker buys: the time per step of the one-worker engine t₁(m) against the
// K-worker engine's t_K(m), measured interleaved (timing.ts), read as
//
//     t_K(m) = t₁(m)/K + s(m),
//
// a perfect split of the work plus s(m), the synchronisation cost: waking the workers, each
// converting θ to float32, combining their gradients, and whatever share of the work did not split.
// Splitting saves t₁ − t₁/K and costs s; it pays where the saving is larger, from the crossover on.

import type { Dataset } from "../data/dataset";
import { dataParallelMlp } from "../engines/dataParallel/engine";
import { wasmMlp } from "../engines/wasmMlp";
import { whenPoolIdle } from "../pool/pool";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";
import { measureInterleaved, trainRunner, type MeasureOptions, type StepTimeRow } from "./timing";

export interface ParallelRow {
  m: number;
  workers: number;
  /** Median seconds per step on one worker, t₁(m), and on K, t_K(m). */
  oneSeconds: number;
  parallelSeconds: number;
  /** t₁/t_K: above 1 the K workers pay. */
  speedup: number;
  /** t₁(m)/K: the K-worker step if splitting cost nothing. */
  idealSeconds: number;
  /** s(m) = t_K − t₁/K: what the split costs on top of a perfect split. */
  syncSeconds: number;
  /** t₁ − t₁/K: what a perfect split saves. */
  savedSeconds: number;
  /** The larger relative spread of the two medians' repeats ((max − min) / (2 · median)). */
  spread: number;
}

/** Pairs the one-worker and K-worker rows of the same m (as measureInterleaved returns them). */
export function parallelRows(
  one: readonly StepTimeRow[],
  parallel: readonly StepTimeRow[],
  workers: number,
): ParallelRow[] {
  checkPositiveInteger("workers", workers);
  if (one.length === 0) throw new BatchlabArgumentError("one", one, "at least one timed row");
  return one.map((a) => {
    const b = parallel.find((r) => r.m === a.m);
    if (!b)
      throw new BatchlabArgumentError(
        "parallel",
        parallel,
        `a row for every m of the one-worker rows (m = ${a.m} is missing)`,
      );
    const ideal = a.secondsPerStep / workers;
    return {
      m: a.m,
      workers,
      oneSeconds: a.secondsPerStep,
      parallelSeconds: b.secondsPerStep,
      speedup: a.secondsPerStep / b.secondsPerStep,
      idealSeconds: ideal,
      syncSeconds: b.secondsPerStep - ideal,
      savedSeconds: a.secondsPerStep - ideal,
      spread: Math.max(a.spread ?? 0, b.spread ?? 0),
    };
  });
}

/**
 * The smallest measured m from which K workers are faster at every larger measured m (null if
 * they are not faster at the largest). "Every larger" keeps one lucky timing below the real
 * crossover from moving it.
 */
export function crossoverBatch(rows: readonly ParallelRow[]): number | null {
  const sorted = [...rows].sort((a, b) => a.m - b.m);
  let crossover: number | null = null;
  for (let k = sorted.length - 1; k >= 0 && sorted[k].speedup > 1; k--) crossover = sorted[k].m;
  return crossover;
}

export interface ParallelTiming {
  one: StepTimeRow[];
  parallel: StepTimeRow[];
  rows: ParallelRow[];
  crossover: number | null;
}

/**
 * t₁(m) and t_K(m) of the MLP through train(), interleaved (one round over both engines and every
 * m, then the next), after the worker pool has gone idle. The K-worker engine is built with
 * crossover 1, so that it splits every batch of two or more and the crossover can be read off.
 */
export async function measureParallelSteps(
  widths: readonly number[],
  data: Dataset,
  batchSizes: readonly number[],
  options: MeasureOptions & { workers?: number } = {},
): Promise<ParallelTiming> {
  const workers = options.workers ?? 2;
  await whenPoolIdle();
  const one = wasmMlp(widths);
  const many = dataParallelMlp(widths, { workers, crossover: 1 });
  try {
    const [oneRows, manyRows] = measureInterleaved(
      [
        trainRunner(one, data, { engine: "1 worker" }),
        trainRunner(many, data, { engine: `${workers} workers` }),
      ],
      batchSizes,
      options,
    );
    const rows = parallelRows(oneRows, manyRows, workers);
    return { one: oneRows, parallel: manyRows, rows, crossover: crossoverBatch(rows) };
  } finally {
    await many.close();
  }
}
