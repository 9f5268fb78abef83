// The MLP's step on K workers: chapter 1's data-parallel identity run for real. The batch of m
// examples is cut into K contiguous shares of n_k = ⌊m/K⌋ or ⌈m/K⌉ examples; every worker
// averages the gradients of its own share with the one-worker engine (wasmMlp, float32 SIMD), and
// the shares' means are combined with weights n_k/m:
//
//     (1/m) Σᵢ ∇Lᵢ = Σ_k (n_k/m) · (1/n_k) Σ_{i ∈ share k} ∇Lᵢ.
//
// Worker 0 is the calling thread itself (it would otherwise sit idle waiting), workers 1…K−1 are
// node:worker_threads. They share, through SharedArrayBuffers, θ (float64), the batch's indices,
// one gradient slot per worker and every dataset used; each keeps its own float32 copy of the data
// in its own kernels' memory. Steps are synchronised with Atomics (layout.ts): no message per step.
// A worker that has not woken up by the time the calling thread has finished its own share loses
// that share to the calling thread (a compare-and-swap decides who computes it), so that on a
// machine with more runnable threads than cores a step does not wait for a thread that is not
// scheduled; whoever computes a share, its gradient is the same to the bit (the same kernels).
// The combined gradient then goes through plainStepper's update, in float64, with the same
// operations in the same order, so θ differs from the one-worker engine's only by the float32
// rounding of the gradients' sums, which run over different groupings of the examples (tested).
//
// A step on K workers pays a fixed synchronisation cost (waking the workers, each converting θ to
// float32, the gradients' combination) that a small batch cannot amortise: below `crossover`
// examples the engine runs the step on the calling thread alone, exactly as wasmMlp does.

import * as path from "node:path";
import { Worker } from "node:worker_threads";
import type { Dataset } from "../../data/dataset";
import { mlp } from "../../models/mlp";
import { checkCompatible, type Model, type Params } from "../../models/model";
import { srcDir } from "../../pool/job";
import { checkedRule, type Stepper, type UpdateRule } from "../../update/sgd";
import {
  BatchlabArgumentError,
  checkIndices,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../../util/validate";
import type { FastModel } from "../fastModel";
import { wasmMlp } from "../wasmMlp";
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
 * 784-128-10, `npm run bench -- --workers 2 --no-torch`, four runs, one of them with a shorter
 * spin of the calling thread than step()'s): 1.04×, 0.87×, 0.85× one worker's examples/s at
 * m = 128; 1.27×, 1.06×, 1.07×, 0.90× at m = 256; 1.55×, 1.42×, 1.43×, 1.40× at m = 512; 1.76× at
 * m = 1024. Below it a step runs on the calling thread alone.
 * measureParallelSteps (src/compute/parallel.ts) measures the crossover of one batch gradient on
 * another machine (chapter 5).
 */
export const DEFAULT_CROSSOVER = 512;

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
  private theta: Float64Array = new Float64Array(0);
  private gradients: Float64Array[] = [];
  private batch: Int32Array = new Int32Array(0);
  private readonly shared: SharedData[] = [];
  private nextDataId = 1;
  private started = false;
  closed = false;

  constructor(
    readonly widths: readonly number[],
    readonly size: number,
    readonly count: number,
  ) {
    this.control = new Int32Array(new SharedArrayBuffer(4 * controlSlots(count)));
  }

  /** θ as the workers read it. */
  get sharedTheta(): Float64Array {
    this.start();
    return this.theta;
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

  /** Fresh shared θ, gradients and batch buffers (θ's values are kept), then handed to the workers. */
  private reallocate(batchCapacity: number): void {
    const theta = new Float64Array(new SharedArrayBuffer(8 * this.size));
    theta.set(this.theta);
    this.theta = theta;
    const gradients = new SharedArrayBuffer(8 * this.size * this.count);
    this.gradients = Array.from(
      { length: this.count },
      (_, w) => new Float64Array(gradients, 8 * this.size * w, this.size),
    );
    this.batch = new Int32Array(new SharedArrayBuffer(4 * batchCapacity));
    this.post({
      type: "buffers",
      theta: theta.buffer as unknown as SharedArrayBuffer,
      gradients,
      batch: this.batch.buffer as unknown as SharedArrayBuffer,
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
   * Starts a step on shares 1…K−1 of `batch` (θ must be in sharedTheta), runs `own` (the calling
   * thread's share 0) and waits for the rest. Returns the share sizes and the gradient slots.
   */
  step(
    data: Dataset,
    batch: ArrayLike<number>,
    workers: number,
    own: (share: Int32Array, slot: Float64Array) => void,
  ): { sizes: number[]; slots: Float64Array[] } {
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
      own(this.batch.subarray(0, sizes[0]), this.gradients[0]);
      // Wait for a worker's share spinning, for up to MAX_SPIN_MS: asleep in Atomics.wait, this
      // thread took about a millisecond to run again on a 2-core machine, as long as a whole share at
      // m = 128. Bench (MLP 784-128-10, 2 workers, one run): spinning for the own share's time
      // plus 0.1 ms gave 0.56× one worker's examples/s at m = 128, twice that plus 0.5 ms 0.87×,
      // a flat 2 ms 1.04×.
      spinMs = MAX_SPIN_MS;
      // Every share whose worker has not woken up yet is done here.
      for (let w = 1; w < this.count; w++) {
        if (!claim(w)) continue;
        resolved[w] = true;
        if (this.control[shareCount(w)] > 0) own(share(w), this.gradients[w]);
      }
    } finally {
      // Shares claimed by their workers are waited for (after a failure here, unclaimed ones are abandoned).
      for (let w = 1; w < this.count; w++)
        if (!resolved[w] && !claim(w)) this.waitFor(shareDone(w), epoch, "finish a step", spinMs);
    }
    return { sizes, slots: this.gradients };
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

/**
 * g ← Σ_k (n_k/m)·slot_k over the shares that have examples, then plainStepper's update of θ (and
 * the velocity) with g: weight decay, momentum, θ ← θ − η·g, the same operations in the same order.
 * With two shares all of it is one pass over θ (the usual case; three passes cost ~0.1 ms more at
 * p = 101,770, a third of the synchronisation budget of a step).
 */
function combineAndUpdate(
  sizes: number[],
  slots: Float64Array[],
  theta: Float64Array,
  velocity: Float64Array | null,
  grad: Float64Array,
  lr: number,
  rule: UpdateRule,
): void {
  const { momentum, weightDecay } = rule;
  const p = theta.length;
  const used = sharesUsed(sizes, slots);
  if (used.length === 2 && !velocity && weightDecay === 0) {
    const [{ w: wa, slot: sa }, { w: wb, slot: sb }] = used;
    for (let j = 0; j < p; j++) theta[j] = theta[j] - lr * (wa * sa[j] + wb * sb[j]);
    return;
  }
  combine(sizes, slots, grad);
  if (weightDecay > 0) for (let j = 0; j < p; j++) grad[j] += weightDecay * theta[j];
  if (velocity) {
    for (let j = 0; j < p; j++) velocity[j] = momentum * velocity[j] + grad[j];
    for (let j = 0; j < p; j++) theta[j] = theta[j] - lr * velocity[j];
  } else {
    for (let j = 0; j < p; j++) theta[j] = theta[j] - lr * grad[j];
  }
}

/** The shares with examples, with their weights n_k/m. */
function sharesUsed(sizes: number[], slots: Float64Array[]): { w: number; slot: Float64Array }[] {
  const m = sizes.reduce((a, b) => a + b, 0);
  return sizes.map((n, k) => ({ w: n / m, slot: slots[k] })).filter((s) => s.w > 0);
}

/** out ← Σ_k (n_k/m)·slot_k, in float64 (slots of empty shares are stale and skipped). */
function combine(sizes: number[], slots: Float64Array[], out: Float64Array): void {
  const used = sharesUsed(sizes, slots);
  const p = out.length;
  if (used.length === 2) {
    // The common case, K = 2, in one pass.
    const [a, b] = used;
    const wa = a.w,
      wb = b.w,
      sa = a.slot,
      sb = b.slot;
    for (let j = 0; j < p; j++) out[j] = wa * sa[j] + wb * sb[j];
    return;
  }
  const first = used[0];
  for (let j = 0; j < p; j++) out[j] = first.w * first.slot[j];
  for (const { w, slot } of used.slice(1)) for (let j = 0; j < p; j++) out[j] += w * slot[j];
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
  const reference = mlp(widths);
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
  const single: FastModel = wasmMlp(widths);
  const pool = new Workers(widths, reference.size, K);
  const workersFor = (m: number): number => (m < crossover ? 1 : Math.min(K, m));

  /** The mean gradient at the shared θ on K workers, combined into `out`. */
  const parallelGradient = (
    data: Dataset,
    batch: ArrayLike<number>,
    workers: number,
  ): { sizes: number[]; slots: Float64Array[] } =>
    pool.step(data, batch, workers, (share, slot) =>
      single.batchGradient(pool.sharedTheta, data, share, slot),
    );

  const batchGradient = (
    theta: Params,
    data: Dataset,
    batch: ArrayLike<number>,
    out: Float64Array,
  ): void => {
    checkCompatible(reference, theta, data);
    checkIndices("batch", batch, data.n);
    if (out.length !== reference.size)
      throw new BatchlabArgumentError("out.length", out.length, `${reference.size}`);
    const workers = workersFor(batch.length);
    if (workers === 1) return single.batchGradient(theta, data, batch, out);
    pool.sharedTheta.set(theta);
    const { sizes, slots } = parallelGradient(data, batch, workers);
    combine(sizes, slots, out);
  };

  /**
   * train()'s update. Below the crossover it is the one-worker engine's stepper (θ in its memory);
   * from the crossover on θ lives in shared memory and the update runs here after the combination.
   * The two hand θ over through the caller's array when m crosses the crossover. With momentum the
   * velocity must cross too, which the one-worker stepper keeps to itself: then its steps run as
   * plainStepper on the one-worker engine's gradient.
   */
  const stepper = (theta: Params, rule: UpdateRule): Stepper => {
    if (theta.length !== reference.size)
      throw new BatchlabArgumentError("theta.length", theta.length, `${reference.size}`);
    const fixedRule = checkedRule(rule);
    const velocity = fixedRule.momentum > 0 ? new Float64Array(reference.size) : null;
    const grad = new Float64Array(reference.size);
    const one = velocity ? null : single.stepper(theta, fixedRule);
    let where: "array" | "single" | "shared" = "array";
    const toArray = (): void => {
      if (where === "single") one?.sync();
      if (where === "shared") theta.set(pool.sharedTheta);
      where = "array";
    };
    return {
      step(data, batch, lr) {
        checkCompatible(reference, theta, data);
        checkIndices("batch", batch, data.n);
        checkPositiveFinite("lr", lr);
        const workers = workersFor(batch.length);
        if (workers === 1) {
          if (where === "shared") toArray();
          if (one) {
            one.step(data, batch, lr);
            where = "single";
          } else {
            single.batchGradient(theta, data, batch, grad);
            combineAndUpdate([1], [grad], theta, velocity, grad, lr, fixedRule);
          }
          return;
        }
        if (where !== "shared") {
          toArray();
          pool.sharedTheta.set(theta);
          where = "shared";
        }
        const { sizes, slots } = parallelGradient(data, batch, workers);
        combineAndUpdate(sizes, slots, pool.sharedTheta, velocity, grad, lr, fixedRule);
      },
      sync: toArray,
    };
  };

  return {
    name: `MLP ${widths.join("-")} (wasm f32, ${K} worker${K === 1 ? "" : "s"})`,
    engine: `${single.engine} ×${K}`,
    workers: K,
    crossover,
    size: reference.size,
    inputs: reference.inputs,
    classes: reference.classes,
    workersFor: (m) => {
      checkPositiveInteger("m", m);
      return workersFor(m);
    },
    init: (random) => reference.init(random),
    exampleLoss: (theta, data, i) => reference.exampleLoss(theta, data, i),
    exampleGradient: (theta, data, i, out) => reference.exampleGradient(theta, data, i, out),
    predict: (theta, data, i) => reference.predict(theta, data, i),
    batchGradient,
    batchLoss: (theta, data, batch) => single.batchLoss(theta, data, batch),
    stepper,
    close: () => pool.close(),
  };
}
