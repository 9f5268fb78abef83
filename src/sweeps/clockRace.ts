// Timing answers that hold on a shared machine. Every candidate is timed several times, the
// candidates interleaved (one round of all of them, then the next round) so that a slow spell of
// the machine hits them alike rather than one of them, and each keeps its median and its spread.
// The answer to "which is fastest?" is then a band, every candidate within a stated tolerance of
// the best median, not a single minimum that the next run may move.

import * as os from "os";
import { medianOf } from "../compute/timing";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";

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
export function timeInterleaved<K>(candidates: readonly TimedCandidate<K>[], options: InterleaveOptions = {}): InterleavedTiming<K>[] {
  const repeats = options.repeats ?? 3;
  checkPositiveInteger("repeats", repeats);
  if (candidates.length === 0) throw new BatchlabArgumentError("candidates", candidates, "at least one candidate");
  if (options.warmup ?? true) for (const c of candidates) c.run();
  const samples = candidates.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) candidates.forEach((c, i) => samples[i].push(c.run()));
  return candidates.map((c, i) => ({
    key: c.key, samples: samples[i], median: medianOf(samples[i]), min: Math.min(...samples[i]), max: Math.max(...samples[i]),
  }));
}

/**
 * The keys whose median is within `tolerance` (0.1 = 10 %) of the best median, in the order given:
 * the candidates this machine cannot tell apart from the fastest.
 */
export function withinBand<K>(timings: readonly Pick<InterleavedTiming<K>, "key" | "median">[], tolerance: number): K[] {
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) throw new BatchlabArgumentError("tolerance", tolerance, "a finite number ≥ 0");
  if (timings.length === 0) throw new BatchlabArgumentError("timings", timings, "at least one timing");
  const best = Math.min(...timings.map((t) => t.median));
  return timings.filter((t) => t.median <= (1 + tolerance) * best).map((t) => t.key);
}

/** The 1-minute load average against the number of cores, and a sentence saying whether timings were taken on a busy machine. */
export function machineLoad(): { load: number; cores: number; busy: boolean; note: string } {
  const load = os.loadavg()[0];
  const cores = os.cpus().length;
  const busy = load > cores;
  const note = busy
    ? `the machine was busy while timing (load average ${load.toFixed(1)} on ${cores} cores): times are slower and noisier than on an idle machine`
    : `load average ${load.toFixed(1)} on ${cores} cores while timing`;
  return { load, cores, busy, note };
}
