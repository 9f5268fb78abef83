// The MLP's step on K workers: chapter 1's data-parallel identity run for real. The batch of m
// examples is cut into K contiguous shares of n_k = ⌊m/K⌋ or ⌈m/K⌉ examples; every worker
// averages the gradients of its own share with the one-worker engine (wasmMlp, float32 SIMD), and
// the shares' means are combined with weights n_k/m:
//
//     (1/m) Σᵢ ∇Lᵢ = Σ_k (n_k/m) · (1/n_k) Σ_{i ∈ share k} ∇Lᵢ.
//
// Worker 0 is the calling thread itself (it would otherwise sit idle waiting), workers 1…K−1 are
// node:worker_threads, each with an engine of its own (wasmMlp's MlpEngine). They share, through
// SharedArrayBuffers, the float32 weights, the batch's indices, one float32 gradient slot per
// worker (both in the kernels' padded rows) and every dataset used; each keeps its own float32
// copy of the data in its own kernels' memory. Steps are synchronised with Atomics (layout.ts): no
// message per step. A worker that has not woken up by the time the calling thread has finished
// its own share loses that share to the calling thread (a compare-and-swap decides who computes
// it), so that on a machine with more runnable threads than cores a step does not wait for a thread
// that is not scheduled; whoever computes a share, its gradient is the same to the bit (the same
// kernels).
//
// The calling thread's engine is wasmMlp's with its step and its gradient split across the workers:
// θ (and the velocity) stay in float64 in its memory between steps, as in wasmMlp's stepper; a step
// hands the workers the float32 weights, combines the shares' float32 gradients in float64 with
// the weights n_k/m (promote_rows, add_promoted_rows) and applies plainStepper's update
// (sgd_update_rows), which writes the next step's float32 weights in the same pass. So θ differs
// from the one-worker engine's only by the float32 rounding of the gradients' sums, which run over
// different groupings of the examples (tested).
//
// A step on K workers pays a fixed synchronisation cost (waking the workers, copying the weights
// and the gradients between threads, the combination) that a small batch cannot amortise: below
// `crossover` examples the engine runs the step on the calling thread alone, exactly as wasmMlp
// does.

import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { Dataset } from "../../data/dataset";
import { mlp, mlpLayout } from "../../models/mlp";
import type { Model, Params } from "../../models/model";
import { srcDir } from "../../pool/job";
import type { Stepper, UpdateRule } from "../../update/sgd";
import { BatchlabArgumentError, checkPositiveInteger } from "../../util/validate";
import { MlpEngine } from "../wasmMlp";
import {
  COMMAND,
  DATA,
  EPOCH,
  ERROR,
  ERROR_BYTES,
  ERROR_LENGTH,
  PAUSE,
  PENDING,
  READY,
  STEP,
  STOP,
  controlSlots,
  readError,
  shareClaimed,
  shareCount,
  shareDone,
  shareStart,
  type ShardMessage,
  type ShardSetup,
} from "./layout";

/** Most workers the engine accepts: beyond the cores there are, more threads only share them. */
export const MAX_WORKERS = 64;

/**
 * The m from which two workers paid through train() in every measurement on a 2-core machine (MLP
 * 784-128-10). `npm run bench -- --workers 2 --no-torch --rounds 7 --seconds 0.5`, two runs,
 * two workers ÷ one worker's examples/s: 0.99×, 1.00× at m = 64 (one worker: below this
 * crossover); 1.48×, 1.46× at m = 128; 1.68×, 1.60× at m = 256; 1.78×, 1.77× at m = 512. With the
 * crossover at 1, train() at m = 32 ran at 0.81× and at m = 64 at 1.06× (one round of nine 0.84×).
 * Below it a step runs on the calling thread alone. measureParallelSteps (src/compute/parallel.ts)
 * measures the crossover on the machine it runs on (chapter 5).
 */
export const DEFAULT_CROSSOVER = 128;

export interface DataParallelOptions {
  /** K, the number of workers, the calling thread included (default 2). */
  workers?: number;
  /** The smallest m stepped on K workers; smaller batches run on the calling thread (default DEFAULT_CROSSOVER). */
  crossover?: number;
}

/** An MLP whose batch gradient (and train()'s step) runs on K workers from `crossover` examples on. */
export interface DataParallelModel extends Model {
  readonly engine: string;
  readonly workers: number;
  readonly crossover: number;
  /** The workers a batch of m examples is split across: 1 below the crossover, else min(K, m). */
  workersFor(m: number): number;
  batchGradient(theta: Params, data: Dataset, batch: ArrayLike<number>, out: Float64Array): void;
  batchLoss(theta: Params, data: Dataset, batch: ArrayLike<number>): number;
  stepper(theta: Params, rule: UpdateRule): Stepper;
  /** Stops the worker threads (they are unref'd: an exiting process does not wait for them either). */
  close(): Promise<void>;
}

/** How long the calling thread waits for its workers before it gives up on them (seconds). */
const PATIENCE = 120;
/** Longest busy wait for a worker's share before sleeping (ms). */
const MAX_SPIN_MS = 2;
/** Datasets whose shared copies the workers keep (a training set and an evaluation set, typically). */
const SHARED_DATASETS = 4;

interface SharedData {
  id: number;
  data: Dataset;
}

/** The sizes of K contiguous shares of m examples: the first m mod K get one more. */
export function shareSizes(m: number, workers: number): number[] {
  checkPositiveInteger("m", m);
  checkPositiveInteger("workers", workers);
  return Array.from(
    { length: workers },
    (_, k) => Math.floor(m / workers) + (k < m % workers ? 1 : 0),
  );
}

class Workers {
  readonly control: Int32Array;
  private readonly errorText = new SharedArrayBuffer(ERROR_BYTES);
  private readonly threads: Worker[] = [];
  /** The float32 weights every share is computed at, in the kernels' rows. */
  readonly weights: Float32Array;
  /** Share k's mean gradient (float32, the kernels' rows) in floats [k·paddedSize, (k+1)·paddedSize). */
  readonly gradients: Float32Array;
  /** Share k's summed loss. */
  readonly losses: Float64Array;
  private batch: Int32Array = new Int32Array(0);
  private readonly shared: SharedData[] = [];
  private nextDataId = 1;
  private started = false;
  closed = false;

  constructor(
    readonly widths: readonly number[],
    readonly paddedSize: number,
    readonly count: number,
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(4 * controlSlots(count)));
    this.weights = new Float32Array(new SharedArrayBuffer(4 * paddedSize));
    this.gradients = new Float32Array(new SharedArrayBuffer(4 * paddedSize * count));
    this.losses = new Float64Array(new SharedArrayBuffer(8 * count));
  }

  /** Share k's gradient slot. */
  slot(k: number): Float32Array {
    return this.gradients.subarray(k * this.paddedSize, (k + 1) * this.paddedSize);
  }

  /** Starts the K − 1 threads and waits until they answer. */
  private start(): void {
    if (this.closed)
      throw new BatchlabArgumentError("model", "closed", "open (close() stopped its workers)", {
        message: "this data-parallel model is closed: its workers were stopped by close()",
      });
    if (this.started) return;
    this.started = true;
    const file = path.join(srcDir(), "engines", "dataParallel", "worker.cjs");
    for (let w = 1; w < this.count; w++) {
      const workerData: ShardSetup = {
        widths: [...this.widths],
        index: w,
        control: this.control.buffer as SharedArrayBuffer,
        errorText: this.errorText,
        slots: { READY, ERROR, ERROR_LENGTH },
      };
      const worker = new Worker(file, { workerData });
      // The threads never keep a process alive: `npm start`, the tests and a kernel exit while they wait.
      worker.unref();
      this.threads.push(worker);
    }
    this.reallocate(4096);
    try {
      this.waitFor(READY, this.count - 1, "start");
    } catch (e) {
      // Workers that could not start are not retried: the model is closed, with the reason thrown.
      this.closed = true;
      for (const t of this.threads) void t.terminate();
      throw e;
    }
    this.post({ type: "run", epoch: Atomics.load(this.control, EPOCH) });
  }

  private post(message: ShardMessage): void {
    for (const t of this.threads) t.postMessage(message);
  }

  /** A fresh shared batch buffer (the weights, gradients and losses never change), handed to the workers with the rest. */
  private reallocate(batchCapacity: number): void {
    this.batch = new Int32Array(new SharedArrayBuffer(4 * batchCapacity));
    const shared = (a: { buffer: ArrayBufferLike }): SharedArrayBuffer =>
      a.buffer as SharedArrayBuffer;
    this.post({
      type: "buffers",
      weights: shared(this.weights),
      gradients: shared(this.gradients),
      losses: shared(this.losses),
      batch: shared(this.batch),
    });
  }

  /** Blocks until control[slot] reaches `target` (READY, a share's DONE) or 0 (PENDING); throws a worker's error. */
  private waitFor(slot: number, target: number, what: string, spinMs = 0): void {
    // Spinning first keeps this thread on its core: once asleep, on a busy machine it may wait
    // milliseconds to be scheduled again, far longer than a share of a step.
    const spinUntil = performance.now() + spinMs;
    while (
      spinMs > 0 &&
      Atomics.load(this.control, slot) !== target &&
      performance.now() < spinUntil
    );
    const deadline = performance.now() + PATIENCE * 1000;
    for (;;) {
      const v = Atomics.load(this.control, slot);
      if (Atomics.load(this.control, ERROR) !== 0 && slot === READY) break;
      if (v === target) break;
      if (performance.now() > deadline)
        throw new Error(`data-parallel engine: the workers did not ${what} within ${PATIENCE} s`);
      Atomics.wait(this.control, slot, v, 1000);
    }
    const failed = Atomics.load(this.control, ERROR);
    if (failed !== 0) {
      const message = readError(this.control, this.errorText);
      Atomics.store(this.control, ERROR, 0);
      throw new Error(`data-parallel engine, worker ${failed}: ${message}`);
    }
  }

  /** Sends a command to every worker thread (a step is not acknowledged; anything else is waited for); returns the new epoch. */
  private command(command: number, what: string): number {
    if (command !== STEP) Atomics.store(this.control, PENDING, this.count - 1);
    Atomics.store(this.control, COMMAND, command);
    const epoch = Atomics.add(this.control, EPOCH, 1) + 1;
    Atomics.notify(this.control, EPOCH);
    if (command !== STEP) this.waitFor(PENDING, 0, what);
    return epoch;
  }

  /** Pauses the workers, lets `change` post its messages, and resumes them. */
  private reconfigure(change: () => void): void {
    const epoch = this.command(PAUSE, "pause");
    // No share of the pause's epoch exists: mark them claimed, so that the next step's swaps start from it.
    for (let w = 1; w < this.count; w++) Atomics.store(this.control, shareClaimed(w), epoch);
    change();
    this.post({ type: "run", epoch: Atomics.load(this.control, EPOCH) });
  }

  /** The id the workers know `data` by, sharing it with them first if needed. */
  private dataId(data: Dataset): number {
    const known = this.shared.find((s) => s.data === data);
    if (known) return known.id;
    const entry = { id: this.nextDataId++, data };
    const x = new SharedArrayBuffer(8 * data.x.length);
    const y = new SharedArrayBuffer(8 * data.y.length);
    new Float64Array(x).set(data.x);
    new Float64Array(y).set(data.y);
    this.reconfigure(() => {
      if (this.shared.length >= SHARED_DATASETS)
        this.post({ type: "drop", id: (this.shared.shift() as SharedData).id });
      this.post({
        type: "data",
        id: entry.id,
        name: data.name,
        n: data.n,
        d: data.d,
        classes: data.classes,
        x,
        y,
      });
    });
    this.shared.push(entry);
    return entry.id;
  }

  /**
   * Starts a step on shares 1…K−1 of `batch` (the weights must be in `weights`), runs `own` on the
   * calling thread's share 0 and waits for the rest; `own` also computes, into slot k, any share k
   * whose worker has not woken up. Returns the share sizes.
   */
  step(
    data: Dataset,
    batch: ArrayLike<number>,
    workers: number,
    own: (share: Int32Array, k: number) => void,
  ): number[] {
    this.start();
    const m = batch.length;
    const id = this.dataId(data);
    if (m > this.batch.length) {
      let capacity = this.batch.length;
      while (capacity < m) capacity *= 2;
      this.reconfigure(() => this.reallocate(capacity));
    }
    this.batch.set(batch);
    const sizes = shareSizes(m, workers);
    let start = sizes[0];
    for (let w = 1; w < this.count; w++) {
      const n = sizes[w] ?? 0;
      this.control[shareStart(w)] = start;
      this.control[shareCount(w)] = n;
      start += n;
    }
    this.control[DATA] = id;
    const epoch = this.command(STEP, "step");
    let spinMs = 0;
    const resolved = Array.from({ length: this.count }, (_, w) => w === 0);
    const share = (w: number): Int32Array =>
      this.batch.subarray(
        this.control[shareStart(w)],
        this.control[shareStart(w)] + this.control[shareCount(w)],
      );
    const claim = (w: number): boolean =>
      Atomics.compareExchange(this.control, shareClaimed(w), epoch - 1, epoch) === epoch - 1;
    try {
      own(this.batch.subarray(0, sizes[0]), 0);
      // Wait for a worker's share spinning, for up to MAX_SPIN_MS: asleep in Atomics.wait, this
      // thread took about a millisecond to run again on a 2-core machine, as long as a whole share at
      // m = 128. Bench (MLP 784-128-10, 2 workers, one run, with the engine's earlier float64
      // hand-over of θ and gradients): spinning for the own share's time plus 0.1 ms gave 0.56× one
      // worker's examples/s at m = 128, twice that plus 0.5 ms 0.87×, a flat 2 ms 1.04×.
      spinMs = MAX_SPIN_MS;
      // Every share whose worker has not woken up yet is done here.
      for (let w = 1; w < this.count; w++) {
        if (!claim(w)) continue;
        resolved[w] = true;
        if (this.control[shareCount(w)] > 0) own(share(w), w);
      }
    } finally {
      // Shares claimed by their workers are waited for (after a failure here, unclaimed ones are abandoned).
      for (let w = 1; w < this.count; w++)
        if (!resolved[w] && !claim(w)) this.waitFor(shareDone(w), epoch, "finish a step", spinMs);
    }
    return sizes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.started) return;
    Atomics.store(this.control, COMMAND, STOP);
    Atomics.add(this.control, EPOCH, 1);
    Atomics.notify(this.control, EPOCH);
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

/** wasmMlp's engine with its gradient and its step split across the workers from `crossover` examples on. */
class ParallelMlpEngine extends MlpEngine {
  readonly pool: Workers;

  constructor(
    widths: readonly number[],
    workers: number,
    readonly crossover: number,
  ) {
    super(widths, mlpLayout(widths).size);
    this.pool = new Workers(widths, this.paddedSize, workers);
  }

  /** The workers a batch of m examples is split across: 1 below the crossover, else min(K, m). */
  workersFor(m: number): number {
    return m < this.crossover ? 1 : Math.min(this.pool.count, m);
  }

  protected override gradientAt(
    data: Dataset,
    batch: ArrayLike<number>,
    g64: number,
    wantLoss: boolean,
  ): number {
    const workers = this.workersFor(batch.length);
    if (workers === 1) return super.gradientAt(data, batch, g64, wantLoss);
    return this.parallelGradientAt(data, batch, workers, g64);
  }

  protected override stepGradientAt(data: Dataset, batch: ArrayLike<number>): number | null {
    const workers = this.workersFor(batch.length);
    if (workers === 1) return super.stepGradientAt(data, batch);
    const g64 = this.kernels.region("grad64", this.size * 8).ptr;
    this.parallelGradientAt(data, batch, workers, g64);
    return g64;
  }

  /** The mean gradient at the loaded weights, on `workers` workers, as float64 in θ's layout at g64; returns the mean loss. */
  private parallelGradientAt(
    data: Dataset,
    batch: ArrayLike<number>,
    workers: number,
    g64: number,
  ): number {
    const { pool } = this;
    this.copyWeightsTo(pool.weights);
    const sizes = pool.step(data, batch, workers, (share, k) => {
      pool.losses[k] = this.rowsGradient(data, share, pool.slot(k));
    });
    const used = sizes.length * this.paddedSize;
    const shares = this.kernels.region("dataParallel.shares", 4 * used);
    this.kernels.f32(shares, used).set(pool.gradients.subarray(0, used));
    const m = batch.length;
    this.combineRowsAt(
      shares.ptr,
      sizes.map((n) => n / m),
      g64,
    );
    let loss = 0;
    sizes.forEach((n, k) => {
      if (n > 0) loss += pool.losses[k];
    });
    return loss / m;
  }
}

/**
 * mlp(widths) with its batch gradient, and train()'s step, split across K workers (see the file
 * header). Same widths, θ layout and initialisation as mlp() and wasmMlp(); θ agrees with
 * wasmMlp's to float32 rounding. Call close() when done (or let the process exit: the threads are
 * unref'd). Per-example calls and the batch loss run on the calling thread.
 */
export function dataParallelMlp(
  widths: readonly number[],
  options: DataParallelOptions = {},
): DataParallelModel {
  const reference = mlp(widths); // checks the widths
  const K = options.workers ?? 2;
  if (!Number.isInteger(K) || K < 1 || K > MAX_WORKERS) {
    throw new BatchlabArgumentError(
      "workers",
      K,
      `a whole number of workers from 1 (the one-worker engine) to ${MAX_WORKERS}`,
    );
  }
  const crossover = options.crossover ?? DEFAULT_CROSSOVER;
  checkPositiveInteger("crossover", crossover);
  const engine = new ParallelMlpEngine(widths, K, crossover);
  const fast = engine.model(reference, `MLP ${widths.join("-")} (wasm f32)`);
  return {
    name: `MLP ${widths.join("-")} (wasm f32, ${K} worker${K === 1 ? "" : "s"})`,
    engine: `${fast.engine} ×${K}`,
    workers: K,
    crossover,
    size: reference.size,
    inputs: reference.inputs,
    classes: reference.classes,
    workersFor: (m) => {
      checkPositiveInteger("m", m);
      return engine.workersFor(m);
    },
    init: fast.init,
    exampleLoss: fast.exampleLoss,
    exampleGradient: fast.exampleGradient,
    predict: fast.predict,
    batchGradient: fast.batchGradient,
    batchLoss: fast.batchLoss,
    stepper: fast.stepper,
    close: () => engine.pool.close(),
  };
}
