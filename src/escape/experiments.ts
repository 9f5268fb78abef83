// The escape experiments of chapter 2b: many seeds of the course's own minibatch SGD (the sampler
// draws indices, plainStepper averages the examples' gradients and steps) on a landscape made of
// data, each run until it escapes or its step budget ends. Plain loops on Float64Arrays; one run
// of a few thousand steps takes well under a millisecond.

import { allIndices, type Dataset } from "../data/dataset";
import type { Landscape } from "../data/landscape";
import type { LandscapeModel } from "../models/landscape";
import { withReplacement } from "../sampling/samplers";
import { RunCache } from "../sweeps/cache";
import { applyMeanGradient, plainStepper } from "../update/sgd";
import { rng, type Rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkNonNegativeInteger,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import type { EscapeTimes } from "./survival";

/** Bump when a change alters what a cached run computes. */
const VERSION = 1;

export interface EscapeRunOptions {
  /** Batch size m; m ≥ N means the full batch every step (plain GD). */
  m: number;
  lr: number;
  /** Independent runs (seeds seed, seed + 1, …). */
  seeds: number;
  /** Steps before a run is censored. */
  budget: number;
  seed?: number;
  /** Where every run starts (default: the model's start). */
  start?: ArrayLike<number>;
  /** True once θ has escaped. */
  escaped: (theta: Float64Array) => boolean;
}

/**
 * The batches of one run: m indices drawn with replacement (the i.i.d. batches the theory
 * assumes), or the whole data set every step when m ≥ N.
 */
export function batchesFor(n: number, m: number, random: Rng): () => ArrayLike<number> {
  checkPositiveInteger("m", m);
  if (m >= n) {
    const all = allIndices(n);
    return () => all;
  }
  const sampler = withReplacement(n, m, random);
  return () => sampler.next();
}

/** Steps to escape for every seed (censored at the budget), with minibatch SGD on the model's examples. */
export function escapeRuns(
  model: LandscapeModel,
  data: Dataset,
  options: EscapeRunOptions,
): EscapeTimes {
  const { m, lr, seeds, budget } = options;
  checkPositiveInteger("seeds", seeds);
  checkPositiveInteger("budget", budget);
  checkPositiveFinite("lr", lr);
  const seed = options.seed ?? 0;
  checkNonNegativeInteger("seed", seed);
  const rule = { momentum: 0, weightDecay: 0 };
  return untilEscaped(seeds, budget, options.start ?? model.start, options.escaped, (theta, r) => {
    const next = batchesFor(data.n, m, rng(seed + r));
    const stepper = plainStepper(model, theta, rule);
    return () => stepper.step(data, next(), lr);
  });
}

/**
 * The escape loop shared by SGD and noisy GD: for every seed r, θ starts at `start` and takes the
 * steps `stepsFor(θ, r)` makes until it has escaped or the budget is spent (a censored run).
 */
function untilEscaped(
  seeds: number,
  budget: number,
  start: ArrayLike<number>,
  hasEscaped: (theta: Float64Array) => boolean,
  stepsFor: (theta: Float64Array, r: number) => () => void,
): EscapeTimes {
  const times = new Float64Array(seeds);
  const escaped = new Uint8Array(seeds);
  for (let r = 0; r < seeds; r++) {
    const theta = Float64Array.from(start);
    const step = stepsFor(theta, r);
    let t = 0;
    while (t < budget && !hasEscaped(theta)) {
      step();
      t++;
    }
    escaped[r] = hasEscaped(theta) ? 1 : 0;
    times[r] = t;
  }
  return { times, escaped, budget };
}

export interface NoisyGdOptions {
  lr: number;
  seeds: number;
  budget: number;
  seed?: number;
  start: ArrayLike<number>;
  escaped: (theta: Float64Array) => boolean;
  /** Variance of the Gaussian noise added to ∂ⱼL at θ (the same units as a batch gradient's variance). */
  variance: (theta: Float64Array, j: number) => number;
}

/**
 * Full-batch GD plus Gaussian noise: θ ← θ − η·(∇L(θ) + ε), εⱼ ~ N(0, variance(θ, j)).
 * ∇L is the landscape's exact gradient, which is the full-batch mean of the examples' gradients
 * (their tilts cancel exactly; tested), computed in O(p) instead of O(N·p) per step.
 */
export function noisyGdRuns(landscape: Landscape, options: NoisyGdOptions): EscapeTimes {
  const { lr, seeds, budget } = options;
  checkPositiveInteger("seeds", seeds);
  checkPositiveInteger("budget", budget);
  checkPositiveFinite("lr", lr);
  const p = landscape.dims;
  if (options.start.length !== p)
    throw new BatchlabArgumentError("start.length", options.start.length, `${p}`);
  const seed = options.seed ?? 0;
  const grad = new Float64Array(p);
  return untilEscaped(seeds, budget, options.start, options.escaped, (theta, r) => {
    const random = rng(seed + r);
    return () => {
      for (let j = 0; j < p; j++)
        grad[j] =
          landscape.partial(theta, j) + Math.sqrt(options.variance(theta, j)) * random.normal();
      applyMeanGradient(theta, grad, lr);
    };
  });
}

export interface CloudOptions {
  m: number;
  lr: number;
  seeds: number;
  steps: number;
  /** Record the cloud every this many steps (and at step 0). */
  every: number;
  seed?: number;
}

/** θ₀ of every seed every `every` steps: snapshots[k][r] is seed r at step k·every. */
export function cloudRuns(
  model: LandscapeModel,
  data: Dataset,
  options: CloudOptions,
): { steps: number[]; snapshots: Float64Array[] } {
  const { m, lr, seeds, steps, every } = options;
  checkPositiveInteger("seeds", seeds);
  checkPositiveInteger("steps", steps);
  checkPositiveInteger("every", every);
  const frames = Math.floor(steps / every) + 1;
  const snapshots = Array.from({ length: frames }, () => new Float64Array(seeds));
  const rule = { momentum: 0, weightDecay: 0 };
  for (let r = 0; r < seeds; r++) {
    const theta = Float64Array.from(model.start);
    const next = batchesFor(data.n, m, rng((options.seed ?? 0) + r));
    const stepper = plainStepper(model, theta, rule);
    snapshots[0][r] = theta[0];
    for (let t = 1; t <= steps; t++) {
      stepper.step(data, next(), lr);
      if (t % every === 0) snapshots[t / every][r] = theta[0];
    }
  }
  return { steps: Array.from({ length: frames }, (_, k) => k * every), snapshots };
}

/**
 * A cached run: `compute()` on a miss, the stored value on a hit. The key is everything the run
 * depends on (pass the landscape's spec, the setting, seeds and budget).
 */
export function cachedRun<T>(
  namespace: string,
  key: Record<string, unknown>,
  compute: () => T,
  cache: RunCache | null = new RunCache(),
): T {
  const config = { version: VERSION, ...key };
  const hit = cache?.get<T>(namespace, config);
  if (hit !== undefined) return hit;
  const value = compute();
  cache?.set(namespace, config, value);
  return value;
}

/** An EscapeTimes back from the cache (typed arrays are stored as plain arrays). */
export function asEscapeTimes(value: {
  times: ArrayLike<number>;
  escaped: ArrayLike<number>;
  budget: number;
}): EscapeTimes {
  return {
    times: Float64Array.from(value.times),
    escaped: Uint8Array.from(value.escaped),
    budget: value.budget,
  };
}

/** The loss L(θ) after every step, averaged over seeds (a run's plateau at a saddle shows as a shelf). */
export function meanLossCurve(
  model: LandscapeModel,
  data: Dataset,
  options: {
    m: number;
    lr: number;
    seeds: number;
    steps: number;
    seed?: number;
    start?: ArrayLike<number>;
  },
): Float64Array {
  const { m, lr, seeds, steps } = options;
  checkPositiveInteger("seeds", seeds);
  checkPositiveInteger("steps", steps);
  const curve = new Float64Array(steps + 1);
  const rule = { momentum: 0, weightDecay: 0 };
  for (let r = 0; r < seeds; r++) {
    const theta = Float64Array.from(options.start ?? model.start);
    const next = batchesFor(data.n, m, rng((options.seed ?? 0) + r));
    const stepper = plainStepper(model, theta, rule);
    curve[0] += model.landscape.loss(theta) / seeds;
    for (let t = 1; t <= steps; t++) {
      stepper.step(data, next(), lr);
      curve[t] += model.landscape.loss(theta) / seeds;
    }
  }
  return curve;
}

/** escapeRuns (or any run giving EscapeTimes) through the disk cache. */
export function cachedEscapeRuns(
  namespace: string,
  key: Record<string, unknown>,
  compute: () => EscapeTimes,
  cache: RunCache | null = new RunCache(),
): EscapeTimes {
  return asEscapeTimes(cachedRun(namespace, key, compute, cache));
}
