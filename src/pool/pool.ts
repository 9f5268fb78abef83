// A pool of worker threads for independent jobs (the runs of a sweep, the seeds of an experiment).
// One worker per core by default (BATCHLAB_WORKERS=n to choose). With one worker the pool starts
// no thread at all and runs each job in the calling thread: exactly the serial behaviour.
//
// What a job computes does not depend on where it runs: the worker loads the same source file and
// calls the same function with a structured clone of the same configuration. The caller keeps
// everything else (the cache, the progress display), so a result is cached in the calling thread as
// soon as it arrives and a run interrupted half-way keeps every job that finished.

import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { jobFile, loadJob, srcDir, type JobRef } from "./job";
import { workerCount } from "./size";

/** A job that threw (in a worker or in this thread), or whose worker died: names the job and its configuration. */
export class JobError extends Error {
  constructor(
    readonly job: JobRef,
    readonly config: unknown,
    readonly reason: string,
    readonly workerStack?: string,
  ) {
    super(`job ${job.module}#${job.name} failed for config ${safeJson(config)}: ${reason}`);
    this.name = "JobError";
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

interface Task {
  id: number;
  job: JobRef;
  file: string;
  config: unknown;
  onProgress?: (fraction: number) => void;
  resolve(value: { value: unknown; seconds: number }): void;
  reject(error: Error): void;
}

type WorkerMessage =
  | { id: number; type: "progress"; fraction: number }
  | { id: number; type: "result"; value: unknown; seconds: number }
  | { id: number; type: "error"; message: string; stack?: string };

export class WorkerPool {
  readonly size: number;
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private readonly idleWaiters: Array<() => void> = [];
  private spawned = 0;
  private nextId = 1;
  private closed = false;
  /** Jobs run in the calling thread (size 1) count here, so `busy` covers both paths. */
  private inline = 0;

  constructor(size: number = workerCount()) {
    this.size = size;
  }

  /** True while any job is queued or running. Timings must wait for an idle pool (see whenIdle). */
  get busy(): boolean {
    return this.inline > 0 || this.running.size > 0 || this.queue.length > 0;
  }

  /** Resolves when no job is queued or running. */
  whenIdle(): Promise<void> {
    if (!this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Runs one job; resolves with its result and the seconds it computed for. */
  run<R = unknown>(
    job: JobRef,
    config: unknown,
    onProgress?: (fraction: number) => void,
  ): Promise<{ value: R; seconds: number }> {
    if (this.closed) return Promise.reject(new JobError(job, config, "the pool is closed"));
    const file = jobFile(job);
    if (this.size === 1)
      return this.runInline(job, config, onProgress) as Promise<{ value: R; seconds: number }>;
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        job,
        file,
        config,
        onProgress,
        resolve: resolve as Task["resolve"],
        reject,
      });
      this.pump();
    });
  }

  /** Stops every worker; queued and running jobs fail with "the pool is closed". */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0))
      task.reject(new JobError(task.job, task.config, "the pool is closed"));
    const workers = [...this.idle.splice(0), ...this.running.keys()];
    for (const [, task] of this.running)
      task.reject(new JobError(task.job, task.config, "the pool is closed"));
    this.running.clear();
    await Promise.all(workers.map((w) => w.terminate()));
    this.notifyIdle();
  }

  private async runInline(
    job: JobRef,
    config: unknown,
    onProgress?: (fraction: number) => void,
  ): Promise<{ value: unknown; seconds: number }> {
    this.inline++;
    try {
      const fn = loadJob(job);
      const t0 = performance.now();
      const value = await fn(config, { report: (f) => onProgress?.(f) });
      return { value, seconds: (performance.now() - t0) / 1000 };
    } catch (e) {
      throw e instanceof JobError
        ? e
        : new JobError(
            job,
            config,
            e instanceof Error ? e.message : String(e),
            e instanceof Error ? e.stack : undefined,
          );
    } finally {
      this.inline--;
      this.notifyIdle();
    }
  }

  private pump(): void {
    while (this.queue.length > 0) {
      let worker = this.idle.pop();
      if (!worker && this.spawned < this.size) worker = this.spawn();
      if (!worker) return;
      const task = this.queue.shift()!;
      this.running.set(worker, task);
      worker.ref();
      worker.postMessage({ id: task.id, job: task.job, file: task.file, config: task.config });
    }
  }

  private spawn(): Worker {
    const worker = new Worker(path.join(srcDir(), "pool", "worker.cjs"));
    this.spawned++;
    worker.on("message", (msg: WorkerMessage) => {
      const task = this.running.get(worker);
      if (!task || task.id !== msg.id) return;
      if (msg.type === "progress") {
        task.onProgress?.(msg.fraction);
        return;
      }
      this.running.delete(worker);
      if (msg.type === "result") task.resolve({ value: msg.value, seconds: msg.seconds });
      else task.reject(new JobError(task.job, task.config, msg.message, msg.stack));
      worker.unref();
      this.idle.push(worker);
      this.pump();
      this.notifyIdle();
    });
    // A worker that dies (an uncaught error outside the job, out of memory, terminate) fails its
    // job and leaves the pool; the next job starts a fresh worker.
    const lost = (why: string) => {
      const task = this.running.get(worker);
      this.running.delete(worker);
      const i = this.idle.indexOf(worker);
      if (i >= 0) this.idle.splice(i, 1);
      this.spawned--;
      if (task) task.reject(new JobError(task.job, task.config, why));
      if (!this.closed) this.pump();
      this.notifyIdle();
    };
    worker.on("error", (e) =>
      lost(`the worker failed: ${e instanceof Error ? e.message : String(e)}`),
    );
    worker.on("exit", (code) => {
      if (this.running.has(worker) || this.idle.includes(worker))
        lost(`the worker exited with code ${code}`);
    });
    worker.unref();
    return worker;
  }

  private notifyIdle(): void {
    if (this.busy) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}

/**
 * Runs `job` once per configuration on the pool, all queued at once (the pool runs as many at a
 * time as it has workers), and resolves with the results in configuration order, whatever order
 * they finished in. `onResult` is called as each finishes (for progress). A job that throws fails
 * the whole with its JobError, but only after every other job has finished.
 */
export async function runJobs<R>(
  pool: WorkerPool,
  job: JobRef,
  configs: readonly unknown[],
  onResult?: (index: number) => void | Promise<void>,
): Promise<R[]> {
  const results: R[] = new Array(configs.length);
  const settled = await Promise.allSettled(
    configs.map(async (config, i) => {
      results[i] = (await pool.run<R>(job, config)).value;
      await onResult?.(i);
    }),
  );
  const failure = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failure) throw failure.reason;
  return results;
}

/** The process's pool (kept on globalThis: tslab may re-evaluate library modules between cells). */
export function sharedPool(): WorkerPool {
  const g = globalThis as { __batchlabPool__?: WorkerPool };
  if (!g.__batchlabPool__) g.__batchlabPool__ = new WorkerPool();
  return g.__batchlabPool__;
}

/** Whether the process's pool has a job queued or running (timings refuse to start then: compute/timing.ts). */
export function poolBusy(): boolean {
  const g = globalThis as { __batchlabPool__?: WorkerPool };
  return g.__batchlabPool__?.busy ?? false;
}

/** Resolves when the process's pool has nothing queued or running: call it before timing anything. */
export function whenPoolIdle(): Promise<void> {
  const g = globalThis as { __batchlabPool__?: WorkerPool };
  return g.__batchlabPool__ ? g.__batchlabPool__.whenIdle() : Promise.resolve();
}
