// The sweep runner: train once per configuration of a grid, keep every finished run on disk, and
// return the measurements as a tidy table (one row per measurement, the configuration repeated on
// every row), the shape arquero and Plotly both want.

import * as aq from "arquero";
import { RunCache } from "./cache";
import { formatDuration } from "../util/format";
import {
  consoleProgress,
  remainingSeconds,
  yieldToEventLoop,
  type ProgressFactory,
} from "./progress";
import { BatchlabArgumentError, checkObject } from "../util/validate";
import { loadJob, type JobRef } from "../pool/job";
import { sharedPool, type WorkerPool } from "../pool/pool";

/** A value that can sit in a table cell and in a cache file. */
export type SweepValue = number | string | boolean | null;
/** A run's configuration: flat, so that it can be spread into every row of the tidy table. */
export type RunConfig = Record<string, SweepValue>;
export type SweepRow = Record<string, SweepValue>;

export interface RunOutput {
  /** Measurements, e.g. one row per evaluation: { step, examples, seconds, trainLoss }. */
  rows: SweepRow[];
  /**
   * True when the run was stopped because its loss blew up (non-finite or exploding). Its
   * measurements are kept in the cache and reported in `runs`, but never enter `table`: a
   * diverged curve is not data to draw.
   */
  diverged?: boolean;
  /** One-row facts about the run (final loss, steps taken…), reported in `runs`. */
  summary?: SweepRow;
}

export interface RunContext {
  /** Fraction of this run done, for the progress display (optional: runs are usually short). */
  report(fraction: number): void;
}

export interface SweepOptions<C extends RunConfig> {
  /** Names the sweep on screen and in the cache (letters, digits, '.', '_', '-'). */
  name: string;
  configs: readonly C[];
  /** Trains one configuration. Its result must be fully determined by the configuration (seeds included). */
  run?: (config: C, context: RunContext) => RunOutput | Promise<RunOutput>;
  /**
   * The same as a named job (an exported function of a src module, see src/pool), which the worker
   * pool can run on every core at once. Give `run` or `job`, not both.
   */
  job?: JobRef;
  /** The pool for `job` (default: the process's shared pool, sized by BATCHLAB_WORKERS). */
  pool?: WorkerPool;
  /**
   * Part of every cache key: bump it when `run` changes what it computes, or the cache would keep
   * serving results of the old code. Configurations should also name their problem (data, model).
   */
  version?: string | number;
  /** The cache (default: `.cache/sweeps` under the project root); false to always recompute. */
  cache?: RunCache | false;
  /** Progress display (default: a line on stderr now and then); false for none. */
  progress?: ProgressFactory | false;
  /** How a configuration is named on screen (default `key=value` pairs). */
  describe?: (config: C) => string;
  /**
   * The columns every row of a run has, when the sweep knows them: a cached run whose rows have
   * other columns (stored by an older `run`) is recomputed rather than mixed into the table.
   */
  columns?: readonly string[];
}

export interface SweepResult {
  /** Tidy measurements of the runs that did not diverge: configuration columns, then the run's row columns. */
  table: aq.ColumnTable;
  /** One row per configuration: its columns, `status` ("ok" or "diverged"), `cached`, `seconds`, and the run's summary. */
  runs: aq.ColumnTable;
  /** Runs computed now, runs read from the cache, and cache files found corrupt (and recomputed). */
  computed: number;
  cached: number;
  corrupt: number;
}

interface StoredOutput {
  rows: SweepRow[];
  diverged: boolean;
  summary: SweepRow;
  /** Seconds the run took when it was computed. */
  seconds: number;
  /**
   * The rows' and the summary's keys in the order the run gave them: the cache file stores keys
   * sorted, and a table read from it must have the same column order as one computed fresh.
   */
  columns: string[];
  summaryColumns: string[];
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((k) => typeof k === "string");
}

/** Whether `record` is an object whose keys are `columns` (all of them when exact; in any order). */
function hasColumns(record: unknown, columns: readonly string[], exact: boolean): boolean {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return false;
  const keys = Object.keys(record);
  if (exact ? keys.length !== columns.length : keys.length > columns.length) return false;
  return keys.every((k) => columns.includes(k));
}

/** The shape check of a cached run: what runSweep stored, with rows of the expected columns. */
function storedOutputCheck(
  expectedColumns: readonly string[] | undefined,
): (value: unknown) => value is StoredOutput {
  return (value: unknown): value is StoredOutput => {
    if (value === null || typeof value !== "object") return false;
    const v = value as Partial<Record<keyof StoredOutput, unknown>>;
    if (!Array.isArray(v.rows) || typeof v.diverged !== "boolean" || typeof v.seconds !== "number")
      return false;
    if (!isStringArray(v.columns) || !isStringArray(v.summaryColumns)) return false;
    if (!hasColumns(v.summary, v.summaryColumns, true)) return false;
    if (
      expectedColumns &&
      (v.columns.length !== expectedColumns.length ||
        !expectedColumns.every((c) => (v.columns as string[]).includes(c)))
    )
      return false;
    const columns = v.columns;
    return v.rows.every((row) => hasColumns(row, columns, expectedColumns !== undefined));
  };
}

/** Every key of the records, in order of first appearance. */
function keysInOrder(records: readonly object[]): string[] {
  const seen = new Set<string>();
  for (const r of records) for (const k of Object.keys(r)) seen.add(k);
  return [...seen];
}

/** The record with its keys in the given order (those it has). */
function ordered<T extends object>(record: T, columns: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const k of columns) if (k in record) out[k] = (record as Record<string, unknown>)[k];
  return out as T;
}

/** "m=64, lr=0.35, seed=1" */
export function describeConfig(config: RunConfig): string {
  return Object.entries(config)
    .map(([k, v]) => `${k}=${typeof v === "number" ? Number(v.toPrecision(4)) : v}`)
    .join(", ");
}

/** Every combination of the given values, in order, the last key varying fastest: the full grid. */
export function grid<C extends RunConfig>(axes: { [K in keyof C]: readonly C[K][] }): C[] {
  checkObject("axes", axes, "an object of value lists such as { m: [8, 16], seed: [0, 1] }");
  let configs: Partial<C>[] = [{}];
  for (const key of Object.keys(axes) as (keyof C)[]) {
    const values = axes[key];
    if (!Array.isArray(values) || values.length === 0)
      throw new BatchlabArgumentError(`axes.${String(key)}`, values, "a non-empty array");
    configs = configs.flatMap((c) => values.map((v) => ({ ...c, [key]: v }) as Partial<C>));
  }
  return configs as C[];
}

/**
 * Runs every configuration (from the cache where possible) and collects the measurements. Async so
 * that a notebook's progress bar is redrawn between runs.
 */
export async function runSweep<C extends RunConfig>(
  options: SweepOptions<C>,
): Promise<SweepResult> {
  const { name, configs } = options;
  if (!Array.isArray(configs) || configs.length === 0)
    throw new BatchlabArgumentError("configs", configs, "a non-empty array of configurations");
  if ((options.run === undefined) === (options.job === undefined)) {
    throw new BatchlabArgumentError(
      "run / job",
      options.run ?? options.job,
      "exactly one of run (a function) or job (a named job for the worker pool)",
    );
  }
  const pool = options.job ? (options.pool ?? sharedPool()) : null;
  if (options.job && pool && pool.size > 1) return runParallel(options, options.job, pool);
  const run =
    options.run ?? (loadJob(options.job!) as unknown as NonNullable<SweepOptions<C>["run"]>);
  const { cache, describe, progress, version, corruptBefore, check } = sweepSetup(options);

  const outputs: StoredOutput[] = [];
  const fromCache: boolean[] = [];
  let computed = 0;
  let cached = 0;
  let computeSeconds = 0;
  try {
    for (let i = 0; i < configs.length; i++) {
      const config = configs[i];
      const key = { sweep: name, version, config };
      const hit = readCached(cache, name, key, check);
      if (hit) {
        outputs.push(hit);
        fromCache.push(true);
        cached++;
        progress?.update(i + 1, `${describe(config)} (from cache)`);
        continue;
      }
      // The estimate counts computed runs only: cached ones cost nothing and would make it optimistic.
      const left = remainingSeconds(computeSeconds, computed, configs.length - cached);
      const eta = Number.isFinite(left) ? ` · about ${formatDuration(left)} left` : "";
      progress?.update(i, `${describe(config)}${eta}`);
      await yieldToEventLoop();
      const t0 = performance.now();
      const output = await run(config, {
        report: (fraction) =>
          progress?.update(i + Math.min(1, Math.max(0, fraction)), `${describe(config)}${eta}`),
      });
      const seconds = (performance.now() - t0) / 1000;
      checkOutput(output, describe(config), options.columns);
      const stored = toStored(output, seconds);
      cache?.set(name, key, stored);
      outputs.push(stored);
      fromCache.push(false);
      computed++;
      computeSeconds += seconds;
      progress?.update(i + 1, describe(config));
    }
  } finally {
    progress?.done();
  }

  return collect(configs, outputs, fromCache, {
    computed,
    cached,
    corrupt: (cache?.stats.corrupt ?? 0) - corruptBefore,
  });
}

/** What the serial and the parallel sweep both start from: the cache, the display, the cache key's version and the shape check. */
function sweepSetup<C extends RunConfig>(options: SweepOptions<C>) {
  const cache = options.cache === false ? null : (options.cache ?? new RunCache());
  return {
    cache,
    describe: options.describe ?? describeConfig,
    progress:
      options.progress === false
        ? null
        : (options.progress ?? consoleProgress())(options.name, options.configs.length),
    version: options.version ?? 1,
    corruptBefore: cache?.stats.corrupt ?? 0,
    check: storedOutputCheck(options.columns),
  };
}

/** A cached run of the expected shape, its columns in the order they were computed; undefined when there is none. */
function readCached(
  cache: RunCache | null,
  name: string,
  key: unknown,
  check: (value: unknown) => value is StoredOutput,
): StoredOutput | undefined {
  const hit = cache?.get<StoredOutput>(name, key, check);
  if (!hit) return undefined;
  return {
    ...hit,
    rows: hit.rows.map((row) => ordered(row, hit.columns)),
    summary: ordered(hit.summary, hit.summaryColumns),
  };
}

/** What the cache stores of a finished run. */
function toStored(output: RunOutput, seconds: number): StoredOutput {
  const summary = output.summary ?? {};
  return {
    rows: output.rows,
    diverged: output.diverged === true,
    summary,
    seconds,
    columns: keysInOrder(output.rows),
    summaryColumns: Object.keys(summary),
  };
}

/** The sweep's tables from its outputs, in configuration order (the same whichever thread computed them). */
function collect<C extends RunConfig>(
  configs: readonly C[],
  outputs: StoredOutput[],
  fromCache: boolean[],
  counts: { computed: number; cached: number; corrupt: number },
): SweepResult {
  const tableRows: SweepRow[] = [];
  const runRows: SweepRow[] = [];
  outputs.forEach((out, i) => {
    const config = configs[i];
    const status = out.diverged ? "diverged" : "ok";
    runRows.push({ ...config, status, cached: fromCache[i], seconds: out.seconds, ...out.summary });
    if (!out.diverged) for (const row of out.rows) tableRows.push({ ...config, ...row });
  });
  return { table: aq.from(tableRows), runs: aq.from(runRows), ...counts };
}

/**
 * runSweep on the worker pool: cached runs are read here, the others run as jobs on every worker at
 * once, and each result is cached the moment it arrives, so an interrupted sweep keeps every
 * finished run. The tables are assembled in configuration order: identical to the serial sweep.
 */
async function runParallel<C extends RunConfig>(
  options: SweepOptions<C>,
  job: JobRef,
  pool: WorkerPool,
): Promise<SweepResult> {
  const { name, configs } = options;
  const { cache, describe, progress, version, corruptBefore, check } = sweepSetup(options);
  const outputs: StoredOutput[] = new Array(configs.length);
  const fromCache: boolean[] = configs.map(() => false);
  const keys = configs.map((config) => ({ sweep: name, version, config }));
  const pending: number[] = [];
  configs.forEach((_, i) => {
    const hit = readCached(cache, name, keys[i], check);
    if (hit) {
      outputs[i] = hit;
      fromCache[i] = true;
    } else pending.push(i);
  });
  const cached = configs.length - pending.length;
  const fractions = new Map<number, number>();
  let finished = cached;
  const show = (extra: string) => {
    let partial = 0;
    for (const f of fractions.values()) partial += f;
    progress?.update(finished + partial, `${extra} · ${pool.size} workers`);
  };
  show(cached > 0 ? `${cached} from cache` : "starting");
  let settled: PromiseSettledResult<void>[];
  try {
    // allSettled: a job that throws fails the sweep only after the others finished (and were cached).
    settled = await Promise.allSettled(
      pending.map(async (i) => {
        const config = configs[i];
        fractions.set(i, 0);
        const { value, seconds } = await pool.run<RunOutput>(job, config, (f) => {
          fractions.set(i, Math.min(1, Math.max(0, f)));
          show(describe(config));
        });
        checkOutput(value, describe(config), options.columns);
        const stored = toStored(value, seconds);
        cache?.set(name, keys[i], stored);
        outputs[i] = stored;
        fractions.delete(i);
        finished++;
        show(describe(config));
      }),
    );
  } finally {
    progress?.done();
  }
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
  return collect(configs, outputs, fromCache, {
    computed: pending.length,
    cached,
    corrupt: (cache?.stats.corrupt ?? 0) - corruptBefore,
  });
}

function checkOutput(
  output: RunOutput,
  what: string,
  columns: readonly string[] | undefined,
): void {
  if (!output || !Array.isArray(output.rows))
    throw new BatchlabArgumentError(`run(${what}).rows`, output?.rows, "an array of rows");
  if (columns) {
    output.rows.forEach((row, i) => {
      if (!hasColumns(row, columns, true))
        throw new BatchlabArgumentError(
          `run(${what}).rows[${i}]`,
          row,
          `a row with the columns ${columns.join(", ")}`,
        );
    });
  }
}
