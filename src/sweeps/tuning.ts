// Steps-to-target as a function of the batch size m, with the learning rate η tuned separately for
// every m, as Shallue et al. (2019) do: comparing batch sizes at one shared η measures the
// learning rate, not the batch size.
//
// For each m, η is searched on a fixed log grid, starting near the previous m's best η and walking
// up and down until the result has been worse twice in a row. A run that cannot beat the best so
// far by a wide margin is stopped at a cap (a multiple of the best step count), which is what makes
// the search affordable: the slow runs at badly chosen η would otherwise dominate the cost. Every
// (m, η, seed) run is cached on disk.

import * as aq from "arquero";
import type { Dataset } from "../data/dataset";
import type { Model } from "../models/model";
import { gradientNoise } from "../noise/statistics";
import type { SamplerKind } from "../update/train";
import {
  BatchlabArgumentError,
  checkInRange,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import { RunCache, stableStringify } from "./cache";
import { loadJob, type JobRef } from "../pool/job";
import { runJobs, sharedPool, type WorkerPool } from "../pool/pool";
import { consoleProgress, yieldToEventLoop, type ProgressFactory } from "./progress";
import {
  TARGET_RUN_DEFAULTS,
  nextEvaluation,
  trainToTarget,
  type TargetRun,
  type TargetStatus,
} from "./target";

/** Bump when a change in trainToTarget changes what a cached run would contain. */
const TARGET_RUN_VERSION = 1;

export interface TargetProblem {
  /** Names the problem in cache keys: it must change whenever the data, the model or the target change. */
  id: string;
  model: Model;
  data: Dataset;
  /** The training loss to reach. */
  target: number;
  /**
   * How another thread rebuilds this problem: a named function (src/pool) that returns it when
   * called with `config`. With it, stepsToTarget runs a trial's seeds side by side on the worker pool.
   */
  recipe?: { job: JobRef; config: unknown };
}

/** The learning rates min·2^(k/perOctave), k = 0, 1, …, up to max. */
export interface LrGrid {
  min: number;
  max: number;
  /** Grid points per doubling of η (2 gives factors of √2). */
  perOctave: number;
}

/** The values of a learning-rate grid, rounded to 6 significant digits so they print and cache cleanly. */
export function lrGridValues(grid: LrGrid): number[] {
  checkPositiveFinite("grid.min", grid.min);
  checkPositiveFinite("grid.max", grid.max);
  checkPositiveInteger("grid.perOctave", grid.perOctave);
  if (grid.max < grid.min)
    throw new BatchlabArgumentError("grid.max", grid.max, `at least grid.min = ${grid.min}`);
  const count = Math.floor(grid.perOctave * Math.log2(grid.max / grid.min) + 1e-9) + 1;
  return Array.from({ length: count }, (_, k) =>
    Number((grid.min * Math.pow(2, k / grid.perOctave)).toPrecision(6)),
  );
}

export interface TargetRunSettings {
  /** How batches are drawn (default "with-replacement", so m may exceed the number of examples). */
  sampler?: SamplerKind;
  /** See trainToTarget (default 1.04). */
  evalGrowth?: number;
  /** See trainToTarget (default 10). */
  divergenceFactor?: number;
}

export interface TargetRunRecord {
  status: TargetStatus;
  steps: number | null;
  seconds: number | null;
  stepsRun: number;
  finalLoss: number;
  /** True when the answer came from the cache (possibly from a run with a larger step cap). */
  cached: boolean;
}

type StoredTargetRun = Omit<TargetRunRecord, "cached">;

/** The shape check of a cached target run: a file that hashes right but holds something else is recomputed. */
function isStoredTargetRun(value: unknown): value is StoredTargetRun {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  const numberOrNull = (x: unknown) => x === null || typeof x === "number";
  return (
    (v.status === "reached" || v.status === "not-reached" || v.status === "diverged") &&
    numberOrNull(v.steps) &&
    numberOrNull(v.seconds) &&
    typeof v.stepsRun === "number" &&
    typeof v.finalLoss === "number"
  );
}

/** The last step ≤ cap at which trainToTarget evaluates the loss. */
function lastEvaluationAtMost(cap: number, growth: number): number {
  let step = 0;
  for (let next = nextEvaluation(0, growth); next <= cap; next = nextEvaluation(step, growth))
    step = next;
  return step;
}

/**
 * One trainToTarget run of batch size m, rate lr and seed, stopped after maxSteps, answered from
 * the cache when possible. The cache key leaves the cap out: a stored run that reached the target
 * at step S also answers every cap (≥ S: reached; < S: not reached), and a run that gave up at a
 * large cap answers every smaller one, so changing caps between sessions reuses what was computed.
 */
export function cachedTargetRun(
  problem: TargetProblem,
  run: { m: number; lr: number; seed: number; maxSteps: number },
  settings: TargetRunSettings = {},
  cache: RunCache | null = new RunCache(),
): TargetRunRecord {
  const hit = cache ? answerFromCache(problem, run, settings, cache) : undefined;
  if (hit) return hit;
  const record = computeTargetRun(problem, run, settings);
  cache?.set("steps-to-target", targetRunKey(problem, run, settings), record);
  return { ...record, cached: false };
}

/** What the cache says of a run with this cap, when it can say (see cachedTargetRun); undefined when the run must be computed. */
function answerFromCache(
  problem: TargetProblem,
  run: { m: number; lr: number; seed: number; maxSteps: number },
  settings: TargetRunSettings,
  cache: RunCache,
): TargetRunRecord | undefined {
  const lastEval = lastEvaluationAtMost(run.maxSteps, withDefaults(settings).evalGrowth);
  const stored = cache.get<StoredTargetRun>(
    "steps-to-target",
    targetRunKey(problem, run, settings),
    isStoredTargetRun,
  );
  if (!stored) return undefined;
  const notReached: TargetRunRecord = {
    status: "not-reached",
    steps: null,
    seconds: null,
    stepsRun: lastEval,
    finalLoss: NaN,
    cached: true,
  };
  if (stored.status === "reached" && stored.steps !== null)
    return stored.steps <= run.maxSteps ? { ...stored, cached: true } : notReached;
  if (stored.status === "diverged")
    return stored.stepsRun <= run.maxSteps ? { ...stored, cached: true } : notReached;
  if (stored.status === "not-reached" && lastEval <= stored.stepsRun)
    return { ...notReached, finalLoss: stored.stepsRun === lastEval ? stored.finalLoss : NaN };
  return undefined;
}

/** The cache key of a target run (the cap left out: see cachedTargetRun). */
function targetRunKey(
  problem: TargetProblem,
  run: { m: number; lr: number; seed: number },
  settings: TargetRunSettings,
) {
  const { sampler, evalGrowth, divergenceFactor } = withDefaults(settings);
  return {
    version: TARGET_RUN_VERSION,
    problem: problem.id,
    target: problem.target,
    m: run.m,
    lr: run.lr,
    seed: run.seed,
    sampler,
    growth: evalGrowth,
    divergenceFactor,
  };
}

/**
 * The three settings with trainToTarget's defaults filled in (so that a default and its explicit
 * value share a cache key). Picked by name: callers pass wider option objects (stepsToTarget's own,
 * with a step cap among them), whose other entries must not reach trainToTarget.
 */
function withDefaults(settings: TargetRunSettings): Required<TargetRunSettings> {
  return {
    sampler: settings.sampler ?? TARGET_RUN_DEFAULTS.sampler,
    evalGrowth: settings.evalGrowth ?? TARGET_RUN_DEFAULTS.evalGrowth,
    divergenceFactor: settings.divergenceFactor ?? TARGET_RUN_DEFAULTS.divergenceFactor,
  };
}

/** One trainToTarget run, computed: the part of it the cache stores. */
function computeTargetRun(
  problem: TargetProblem,
  run: { m: number; lr: number; seed: number; maxSteps: number },
  settings: TargetRunSettings,
): StoredTargetRun {
  // The same run replayTargetRun gives (deterministic): one call of trainToTarget and its defaults.
  const result = replayTargetRun(problem, run, settings);
  return {
    status: result.status,
    steps: result.steps,
    seconds: result.seconds,
    stepsRun: result.stepsRun,
    finalLoss: result.finalLoss,
  };
}

const rebuilt = new Map<string, TargetProblem>();

/** The worker-pool job of one target run: rebuilds the problem from its recipe (once per worker) and computes the run. */
export async function targetRunJob(c: {
  recipe: NonNullable<TargetProblem["recipe"]>;
  run: { m: number; lr: number; seed: number; maxSteps: number };
  settings: TargetRunSettings;
}): Promise<StoredTargetRun> {
  const key = stableStringify(c.recipe);
  let problem = rebuilt.get(key);
  if (!problem) {
    problem = (await loadJob(c.recipe.job)(c.recipe.config, { report() {} })) as TargetProblem;
    rebuilt.set(key, problem);
  }
  return computeTargetRun(problem, c.run, c.settings);
}

const TARGET_RUN_JOB: JobRef = { module: "sweeps/tuning", name: "targetRunJob" };

/**
 * cachedTargetRun for several runs: those the cache cannot answer run side by side on the pool
 * when there is one and the problem has a recipe, else one after another here. Records in run order.
 */
async function cachedTargetRuns(
  problem: TargetProblem,
  runs: { m: number; lr: number; seed: number; maxSteps: number }[],
  settings: TargetRunSettings,
  cache: RunCache | null,
  pool: WorkerPool | null,
): Promise<TargetRunRecord[]> {
  if (!pool || !problem.recipe || runs.length === 1)
    return runs.map((run) => cachedTargetRun(problem, run, settings, cache));
  // Ask the cache first (a miss costs nothing), then compute the misses at once and store them.
  const records: (TargetRunRecord | undefined)[] = runs.map((run) =>
    cache ? answerFromCache(problem, run, settings, cache) : undefined,
  );
  const missing = runs.map((run, i) => (records[i] ? -1 : i)).filter((i) => i >= 0);
  // Only the run settings cross to the worker (the caller may pass all of stepsToTarget's options).
  const plain: TargetRunSettings = {
    sampler: settings.sampler,
    evalGrowth: settings.evalGrowth,
    divergenceFactor: settings.divergenceFactor,
  };
  const computed = await runJobs<StoredTargetRun>(
    pool,
    TARGET_RUN_JOB,
    missing.map((i) => ({ recipe: problem.recipe, run: runs[i], settings: plain })),
  );
  missing.forEach((i, k) => {
    cache?.set("steps-to-target", targetRunKey(problem, runs[i], settings), computed[k]);
    records[i] = { ...computed[k], cached: false };
  });
  return records as TargetRunRecord[];
}

export interface StepsToTargetOptions extends TargetRunSettings {
  /** The batch sizes to measure (searched in increasing order). */
  batchSizes: readonly number[];
  lrGrid: LrGrid;
  /** Seeds per (m, η): the step count of a trial is their mean (default [0]). */
  seeds?: readonly number[];
  /** No run takes more steps than this. */
  maxSteps: number;
  /** No run processes more examples than this (default: no limit). */
  maxExamples?: number;
  /** A run stops at this multiple of the best step count found so far (default 2.5). */
  capFactor?: number;
  /** Where the search for the smallest m starts (default the middle of the grid). */
  startLr?: number;
  /** Stop walking in one direction after this many trials in a row no better than the best (default 2). */
  patience?: number;
  /** The cache (default `.cache/sweeps` under the project root); false to recompute everything. */
  cache?: RunCache | false;
  /** Progress display (default a line on stderr now and then); false for none. */
  progress?: ProgressFactory | false;
  /** The worker pool for a problem with a recipe (default the process's shared pool; one worker: no pool). */
  pool?: WorkerPool;
}

export interface StepsToTargetResult {
  /**
   * One row per (m, η) tried: m, lr, lrIndex, status ("reached" when every seed reached the
   * target, else "diverged" if one diverged, else "not-reached"), steps (mean over seeds, null
   * unless reached), examples, stepsMin, stepsMax, cap (the step limit of that trial).
   */
  trials: aq.ColumnTable;
  /** One row per (m, η, seed) run: m, lr, seed, status, steps, stepsRun, seconds, cached. */
  runs: aq.ColumnTable;
  /**
   * One row per m: the best η and its steps (mean over seeds), examples = m·steps, stepsMin,
   * stepsMax, trials, atEdge (the best η is the first or last grid point, so the true best may lie
   * outside the grid) and valid (reached and not at the edge). Invalid points must not be fitted.
   */
  best: aq.ColumnTable;
  /** Computed runs, and runs answered by the cache. */
  computed: number;
  cached: number;
}

/** One (m, η) point of the search (see StepsToTargetResult.trials). */
export interface LrTrial {
  m: number;
  lr: number;
  lrIndex: number;
  status: TargetStatus;
  steps: number | null;
  examples: number | null;
  stepsMin: number | null;
  stepsMax: number | null;
  cap: number;
}

/** One batch size's result (see StepsToTargetResult.best). */
export interface TunedStepsRow {
  m: number;
  lr: number | null;
  lrIndex: number | null;
  steps: number | null;
  examples: number | null;
  stepsMin: number | null;
  stepsMax: number | null;
  trials: number;
  atEdge: boolean;
  valid: boolean;
}

/** The checked settings of a search: sorted batch sizes, the η grid, seeds, cap factor, patience. */
interface SearchSettings {
  batchSizes: number[];
  lrs: number[];
  seeds: readonly number[];
  capFactor: number;
  patience: number;
}

function searchSettings(options: StepsToTargetOptions): SearchSettings {
  const batchSizes = [...options.batchSizes].sort((a, b) => a - b);
  if (batchSizes.length === 0)
    throw new BatchlabArgumentError("batchSizes", options.batchSizes, "a non-empty array");
  batchSizes.forEach((m, i) => checkPositiveInteger(`batchSizes[${i}]`, m));
  const lrs = lrGridValues(options.lrGrid);
  const seeds = options.seeds ?? [0];
  if (seeds.length === 0) throw new BatchlabArgumentError("seeds", seeds, "a non-empty array");
  checkPositiveInteger("maxSteps", options.maxSteps);
  if (options.maxExamples !== undefined) checkPositiveFinite("maxExamples", options.maxExamples);
  const capFactor = options.capFactor ?? 2.5;
  checkInRange("capFactor", capFactor, 1, 1e6);
  const patience = options.patience ?? 2;
  checkPositiveInteger("patience", patience);
  return { batchSizes, lrs, seeds, capFactor, patience };
}

/** What a search has done so far: its trials, its runs, and how many runs were computed or cached. */
interface SearchLog {
  trials: LrTrial[];
  runs: Record<string, unknown>[];
  computed: number;
  cached: number;
}

/** The previous batch size's best: where the next one starts, and what bounds its runs. */
interface PreviousBest {
  m: number;
  lrIndex: number;
  steps: number;
}

/** The step limit of every run at batch size m. */
function stepLimit(
  m: number,
  options: StepsToTargetOptions,
  capFactor: number,
  previous: PreviousBest | null,
): number {
  let limit = options.maxSteps;
  if (options.maxExamples !== undefined)
    limit = Math.max(1, Math.min(limit, Math.floor(options.maxExamples / m)));
  // Tuned η can only help a larger batch, so the previous batch size's best step count, with
  // a margin for seed noise, bounds every run of this one.
  if (previous) limit = Math.min(limit, Math.ceil(capFactor * previous.steps));
  return limit;
}

/**
 * Where the search at m starts on the grid: the previous best η moved by half the square-root
 * rule's octaves, else the grid point nearest options.startLr, else the grid's middle.
 */
function startIndex(
  lrs: readonly number[],
  options: StepsToTargetOptions,
  m: number,
  previous: PreviousBest | null,
): number {
  if (previous)
    return Math.min(
      lrs.length - 1,
      previous.lrIndex + Math.round(0.5 * options.lrGrid.perOctave * Math.log2(m / previous.m)),
    );
  if (options.startLr === undefined) return Math.floor(lrs.length / 2);
  const lr = options.startLr;
  let best = 0;
  for (let k = 1; k < lrs.length; k++)
    if (Math.abs(Math.log(lrs[k] / lr)) < Math.abs(Math.log(lrs[best] / lr))) best = k;
  return best;
}

/**
 * One (m, η) trial: every seed with a step cap, stopped at the first seed that fails. Logged.
 * As many seeds at a time as the pool has workers (one at a time without it). A trial fails at its
 * first failing seed; seeds computed beside it are cached but not reported, so the tables are those
 * of the one-at-a-time search.
 */
async function runTrial(
  problem: TargetProblem,
  options: StepsToTargetOptions,
  cache: RunCache | null,
  seeds: readonly number[],
  log: SearchLog,
  workers: WorkerPool | null,
  m: number,
  k: number,
  lr: number,
  cap: number,
): Promise<LrTrial> {
  const group = workers ? workers.size : 1;
  const stepsBySeed: number[] = [];
  let status: TargetStatus = "reached";
  seedGroups: for (let s = 0; s < seeds.length; s += group) {
    const chunk = seeds.slice(s, s + group);
    const records = await cachedTargetRuns(
      problem,
      chunk.map((seed) => ({ m, lr, seed, maxSteps: cap })),
      options,
      cache,
      workers,
    );
    log.computed += records.filter((r) => !r.cached).length;
    for (let j = 0; j < chunk.length; j++) {
      const record = records[j];
      if (record.cached) log.cached++;
      log.runs.push({
        m,
        lr,
        seed: chunk[j],
        status: record.status,
        steps: record.steps,
        stepsRun: record.stepsRun,
        seconds: record.seconds,
        cached: record.cached,
      });
      if (record.status !== "reached" || record.steps === null) {
        status = record.status;
        break seedGroups; // the trial has failed; the other seeds cannot change that
      }
      stepsBySeed.push(record.steps);
    }
  }
  const reached = status === "reached";
  const steps = reached ? stepsBySeed.reduce((s, v) => s + v, 0) / stepsBySeed.length : null;
  const trial: LrTrial = {
    m,
    lr,
    lrIndex: k,
    status,
    steps,
    examples: steps === null ? null : steps * m,
    stepsMin: reached ? Math.min(...stepsBySeed) : null,
    stepsMax: reached ? Math.max(...stepsBySeed) : null,
    cap,
  };
  log.trials.push(trial);
  return trial;
}

/**
 * The search at one batch size: the start, then up the grid and down from the best so far, each
 * way until `patience` trials in a row fail to improve. Returns the best grid index (−1 if no η
 * reached the target) and how many η were tried.
 */
async function tuneBatchSize(
  problem: TargetProblem,
  options: StepsToTargetOptions,
  settings: SearchSettings,
  cache: RunCache | null,
  log: SearchLog,
  workers: WorkerPool | null,
  m: number,
  limit: number,
  start: number,
  report: (text: string) => void,
): Promise<{ bestIndex: number; tried: number }> {
  const { lrs, seeds, capFactor, patience } = settings;
  const tried = new Map<number, number>();
  let bestIndex = -1;
  let bestSteps = Infinity;

  const visit = async (k: number): Promise<number> => {
    const cap = Number.isFinite(bestSteps)
      ? Math.min(limit, Math.ceil(capFactor * bestSteps))
      : limit;
    const trial = await runTrial(problem, options, cache, seeds, log, workers, m, k, lrs[k], cap);
    const value = trial.steps ?? Infinity;
    tried.set(k, value);
    if (value < bestSteps) {
      bestSteps = value;
      bestIndex = k;
    }
    report(
      `m = ${m}: η = ${trial.lr} → ${trial.steps === null ? trial.status : `${Math.round(trial.steps)} steps`}`,
    );
    await yieldToEventLoop();
    return value;
  };

  await visit(start);
  for (const direction of [1, -1]) {
    let worse = 0;
    let k = (direction === 1 || bestIndex < 0 ? start : bestIndex) + direction;
    while (k >= 0 && k < lrs.length && worse < patience) {
      const before = bestSteps;
      const value = tried.has(k) ? (tried.get(k) as number) : await visit(k);
      worse = value < before ? 0 : worse + 1;
      k += direction;
    }
  }
  return { bestIndex, tried: tried.size };
}

/** Batch size m's row of `best`: its best trial, or nulls when no η reached the target. */
function bestRow(
  m: number,
  trials: readonly LrTrial[],
  bestIndex: number,
  tried: number,
  gridSize: number,
): TunedStepsRow {
  const bestTrial = trials.find((t) => t.m === m && t.lrIndex === bestIndex && t.steps !== null);
  const atEdge = bestIndex === 0 || bestIndex === gridSize - 1;
  return {
    m,
    lr: bestTrial ? bestTrial.lr : null,
    lrIndex: bestTrial ? bestIndex : null,
    steps: bestTrial ? bestTrial.steps : null,
    examples: bestTrial ? bestTrial.examples : null,
    stepsMin: bestTrial ? bestTrial.stepsMin : null,
    stepsMax: bestTrial ? bestTrial.stepsMax : null,
    trials: tried,
    atEdge: bestTrial ? atEdge : false,
    valid: bestTrial !== undefined && !atEdge,
  };
}

/**
 * Measures steps-to-target against m with η tuned per m. Returns tidy tables; `best` is the
 * curve of Shallue et al.'s Fig. 1 (and the input of the critical-batch fit).
 */
export async function stepsToTarget(
  problem: TargetProblem,
  options: StepsToTargetOptions,
): Promise<StepsToTargetResult> {
  const settings = searchSettings(options);
  const { batchSizes, lrs } = settings;
  const cache = options.cache === false ? null : (options.cache ?? new RunCache());
  const progress =
    options.progress === false
      ? null
      : (options.progress ?? consoleProgress())(
          `steps to target (${problem.id})`,
          batchSizes.length,
        );
  const pool = problem.recipe ? (options.pool ?? sharedPool()) : null;
  const workers = pool && pool.size > 1 ? pool : null;
  const log: SearchLog = { trials: [], runs: [], computed: 0, cached: 0 };
  const bestRows: TunedStepsRow[] = [];
  let previous: PreviousBest | null = null;

  try {
    for (let mi = 0; mi < batchSizes.length; mi++) {
      const m = batchSizes[mi];
      const limit = stepLimit(m, options, settings.capFactor, previous);
      const start = startIndex(lrs, options, m, previous);
      const { bestIndex, tried } = await tuneBatchSize(
        problem,
        options,
        settings,
        cache,
        log,
        workers,
        m,
        limit,
        start,
        (text) => progress?.update(mi, text),
      );
      const row = bestRow(m, log.trials, bestIndex, tried, lrs.length);
      bestRows.push(row);
      if (row.steps !== null) previous = { m, lrIndex: bestIndex, steps: row.steps };
      progress?.update(
        mi + 1,
        `m = ${m}: best η = ${row.lr ?? "none"}, ${row.steps !== null ? Math.round(row.steps) + " steps" : "target not reached"}`,
      );
    }
  } finally {
    progress?.done();
  }
  return {
    trials: aq.from(log.trials),
    runs: aq.from(log.runs),
    best: aq.from(bestRows),
    computed: log.computed,
    cached: log.cached,
  };
}

/**
 * Replays the run of batch size m and rate lr with one seed (deterministic, so it is the run that
 * was measured) and returns it with its parameters at the moment it reached the target.
 */
export function replayTargetRun(
  problem: TargetProblem,
  run: { m: number; lr: number; seed: number; maxSteps: number },
  settings: TargetRunSettings = {},
): TargetRun {
  return trainToTarget(problem.model, problem.data, {
    batchSize: run.m,
    lr: run.lr,
    target: problem.target,
    maxSteps: run.maxSteps,
    seed: run.seed,
    ...withDefaults(settings),
  });
}

/**
 * B_simple = tr Σ / |G|² (McCandlish et al. 2018) at the parameters where each batch size's best
 * run first reached the target: the noise scale that theory says should match B_crit. One row
 * per valid m: m, lr, loss, traceCov, gradNormSq, bSimple.
 */
export function noiseScaleAtTarget(
  problem: TargetProblem,
  best: aq.ColumnTable,
  options: TargetRunSettings & { seed?: number; maxSteps?: number } = {},
): aq.ColumnTable {
  const rows: Record<string, number>[] = [];
  for (const b of best.objects() as unknown as TunedStepsRow[]) {
    if (!b.valid || b.lr === null || b.steps === null) continue;
    const run = replayTargetRun(
      problem,
      {
        m: b.m,
        lr: b.lr,
        seed: options.seed ?? 0,
        maxSteps: options.maxSteps ?? Math.ceil(10 * b.steps),
      },
      options,
    );
    if (run.status !== "reached") continue;
    const noise = gradientNoise(problem.model, run.theta, problem.data);
    rows.push({
      m: b.m,
      lr: b.lr,
      loss: run.finalLoss,
      traceCov: noise.traceCov,
      gradNormSq: noise.gradNormSq,
      bSimple: noise.bSimple,
    });
  }
  return aq.from(rows);
}
