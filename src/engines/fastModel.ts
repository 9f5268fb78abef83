// What the fast engines share: a Model whose batch calls run on the WebAssembly kernels, the
// transfer of θ and ∇ between train()'s float64 arrays and the kernels' float32 buffers, and a
// float32 copy of each dataset kept inside the kernels' memory so that a step copies only its
// batch's rows.

import type { Dataset } from "../data/dataset";
import { checkCompatible, type Model, type Params } from "../models/model";
import { checkedRule, type Stepper, type UpdateRule } from "../update/sgd";
import { learningRateAt } from "../learningRate/learningRate";
import { makeSampler, type TrainOptions } from "../update/train";
import { rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkIndices,
  checkNonNegativeInteger,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import { KernelInstance, padded, type Region } from "./wasm/runtime";

/** A Model with a fast batch path. Interchangeable with the reference model it wraps. */
export interface FastModel extends Model {
  /** Which engine computes the batch calls and with which arithmetic, e.g. "wasm-simd f32 fma". */
  readonly engine: string;
  batchGradient(theta: Params, data: Dataset, batch: ArrayLike<number>, out: Float64Array): void;
  /** Mean loss over the batch (chunked, so any batch size fits). */
  batchLoss(theta: Params, data: Dataset, batch: ArrayLike<number>): number;
  /** Mean loss and mean gradient in one pass; returns the loss. */
  lossAndGradient(
    theta: Params,
    data: Dataset,
    batch: ArrayLike<number>,
    out: Float64Array,
  ): number;
  /** The engine's memory now, and what one more example per batch costs it. */
  memory(): EngineMemory;
  /**
   * Minibatch SGD with θ kept in float32 inside the engine (train()'s stepper keeps it float64):
   * the same rule, batches and initial θ as train() with the same options, and no evaluations.
   * For measuring what a step costs when nothing but the step is left.
   */
  trainFused(data: Dataset, options: FusedTrainOptions): FusedTrainResult;
  /** train()'s update run inside the engine (see EngineBase.stepper). */
  stepper(theta: Params, rule: UpdateRule): Stepper;
}

/** The subset of train()'s options that the fused loop honours, with the same meaning and defaults. */
export type FusedTrainOptions = Pick<
  TrainOptions,
  "lr" | "steps" | "epochs" | "seed" | "sampler" | "last" | "init"
> & {
  /** m (constant: the fused loop has no batch schedule). */
  batchSize: number;
};

export interface FusedTrainResult {
  theta: Params;
  steps: number;
  /** Wall-clock seconds of the steps (θ's conversions at the start and end excluded). */
  seconds: number;
}

export interface EngineMemory {
  /** Bytes of the engine's buffers reserved so far (parameters, gradients, datasets, activations). */
  allocatedBytes: number;
  /** Bytes of activations and their gradients stored per example of a batch (the part that grows with m). */
  bytesPerExample: number;
  /** Bytes of the float32 parameters and gradients (independent of m). */
  parameterBytes: number;
}

/** How the labels of a dataset are stored: class indices for classifiers, reals for regression. */
export type LabelKind = "class" | "real";

interface CachedData {
  data: Dataset;
  x: Region;
  y: Region;
  lastUsed: number;
}

/** Fresh kernels (and memory) once this much is reserved: wasm memory cannot shrink otherwise. */
const MEMORY_LIMIT = 1 << 30;
/** At most this many datasets stay cached (training data and one evaluation set, typically). */
const CACHED_DATASETS = 2;

export abstract class EngineBase {
  /** Batches larger than this are evaluated in chunks by batchLoss. */
  static readonly EVAL_CHUNK = 2048;

  protected kernels = new KernelInstance();
  private readonly cache: CachedData[] = [];
  /** The stepper whose θ may be held in the kernels' memory (it is synced before anything replaces it). */
  private activeStepper: Stepper | null = null;
  /** The stepper whose θ the float32 weights hold (null: someone else's). */
  private weightsOf: Stepper | null = null;
  private clock = 0;
  private readonly rowFloats: number;

  protected constructor(
    readonly size: number,
    readonly inputs: number,
    private readonly labels: LabelKind = "class",
  ) {
    this.rowFloats = padded(inputs);
  }

  abstract loss(theta: Params, data: Dataset, batch: ArrayLike<number>): number;
  /** Bytes stored per example of a batch: activations, their gradients, the index and the label. */
  abstract bytesPerExample(): number;
  /** Loads the float32 weights from θ stored as float64 at byte address t64 of the kernels' memory. */
  protected abstract loadThetaAt(t64: number): void;
  /**
   * With the weights loaded: the batch's mean gradient, written as float64 in θ's layout at byte
   * address g64, and the mean loss (engines whose loss costs extra may skip it when wantLoss is
   * false, and return NaN).
   */
  protected abstract gradientAt(
    data: Dataset,
    batch: ArrayLike<number>,
    g64: number,
    wantLoss: boolean,
  ): number;
  /** The engine's float32 parameters, written into θ's float64 layout. */
  protected abstract storeTheta(out: Params): void;
  /** One SGD step on the batch with the parameters already loaded: θ₃₂ ← θ₃₂ − lr·∇. */
  protected abstract fusedStep(data: Dataset, batch: ArrayLike<number>, lr: number): void;

  trainFused(reference: Model, data: Dataset, options: FusedTrainOptions): FusedTrainResult {
    const m = options.batchSize;
    checkPositiveInteger("batchSize", m);
    if (options.steps !== undefined) checkNonNegativeInteger("steps", options.steps);
    else if (options.epochs !== undefined) checkPositiveFinite("epochs", options.epochs);
    else throw new BatchlabArgumentError("steps", undefined, "given (or epochs)");
    const steps = options.steps ?? Math.ceil(((options.epochs as number) * data.n) / m);
    const seed = options.seed ?? 0;
    const random = rng(seed);
    const theta = options.init ? Float64Array.from(options.init) : reference.init(random.fork());
    checkCompatible(reference, theta, data);
    const sampler = makeSampler(
      options.sampler ?? "shuffled",
      data.n,
      m,
      seed + 1,
      options.last ?? "keep",
    );
    this.loadTheta(theta);
    let seconds = 0;
    for (let step = 0; step < steps; step++) {
      const lr = learningRateAt(options.lr, step);
      const t0 = performance.now();
      this.fusedStep(data, sampler.next(), lr);
      seconds += (performance.now() - t0) / 1000;
    }
    this.storeTheta(theta);
    return { theta, steps, seconds };
  }

  protected checkData(data: Dataset): void {
    if (data.d !== this.inputs)
      throw new BatchlabArgumentError("data.d", data.d, `${this.inputs} features`);
  }

  /** Copies θ into the kernels' memory and loads the weights from it. */
  protected loadTheta(theta: Params): void {
    this.weightsOf = null;
    if (theta.length !== this.size)
      throw new BatchlabArgumentError("theta.length", theta.length, `${this.size}`);
    const region = this.kernels.region("theta64", this.size * 8);
    this.kernels.f64(region, this.size).set(theta);
    this.loadThetaAt(region.ptr);
  }

  /** Mean loss and gradient (into `out`); the loss is NaN when not wanted and not free. */
  lossAndGradient(
    theta: Params,
    data: Dataset,
    batch: ArrayLike<number>,
    out: Float64Array,
    wantLoss = true,
  ): number {
    if (out.length !== this.size)
      throw new BatchlabArgumentError("out.length", out.length, `${this.size}`);
    this.loadTheta(theta);
    const grad = this.kernels.region("grad64", this.size * 8);
    const loss = this.gradientAt(data, batch, grad.ptr, wantLoss);
    out.set(this.kernels.f64(grad, this.size));
    return loss;
  }

  /**
   * One update of θ (float64 at byte address t64, the velocity at v64) on the batch, as
   * plainStepper does it. `weightsCurrent`: the float32 weights already hold θ (the previous call
   * left them so). This default converts the gradient up and θ down in passes of their own;
   * engines may fold both into sgd_update_rows.
   */
  protected stepAt(
    data: Dataset,
    batch: ArrayLike<number>,
    t64: number,
    v64: number,
    lr: number,
    rule: UpdateRule,
    weightsCurrent: boolean,
  ): void {
    void weightsCurrent;
    this.loadThetaAt(t64);
    const g64 = this.kernels.region("grad64", this.size * 8).ptr;
    this.gradientAt(data, batch, g64, false);
    this.kernels.k.sgd_update_rows(
      t64,
      v64,
      g64,
      0,
      1,
      0,
      0,
      1,
      this.size,
      lr,
      rule.momentum,
      rule.weightDecay,
    );
  }

  /**
   * train()'s update run next to the gradient. While the stepper steps, θ and the velocity live in
   * float64 in the kernels' memory; sync() copies them back, and from then until the next step the
   * caller's θ array (edits included) is the truth again. Before another stepper of this engine
   * takes over, or the memory is reset, the engine syncs the stepper itself, so steppers of one
   * model can take turns (a train() inside another's onRecord, say). Each step applies
   * plainStepper's rule with the same float64 operations in the same order (sgd_update_rows), so θ
   * is bit for bit what plainStepper gives with this engine's gradient.
   */
  stepper(reference: Model, theta: Params, rule: UpdateRule): Stepper {
    if (theta.length !== this.size)
      throw new BatchlabArgumentError("theta.length", theta.length, `${this.size}`);
    const fixedRule = checkedRule(rule);
    const velocity = new Float64Array(fixedRule.momentum > 0 ? this.size : 0);
    let inEngine = false; // θ and v in the kernels' memory are newer than the arrays
    const regions = () => ({
      theta: this.kernels.region("step.theta64", this.size * 8),
      velocity: this.kernels.region("step.velocity64", Math.max(velocity.length, 1) * 8),
    });
    const stepper: Stepper = {
      step: (data, batch, lr) => {
        checkCompatible(reference, theta, data);
        if (batch.length === 0)
          throw new BatchlabArgumentError("batch", batch, "a non-empty list of example indices");
        checkPositiveFinite("lr", lr);
        this.cached(data); // first: caching a new dataset may reset the memory (which syncs)
        if (!inEngine) {
          if (this.activeStepper !== stepper) this.activeStepper?.sync();
          this.activeStepper = stepper;
          const r = regions();
          this.kernels.f64(r.theta, this.size).set(theta);
          this.kernels.f64(r.velocity, velocity.length).set(velocity);
          this.weightsOf = null;
          inEngine = true;
        }
        const r = regions();
        this.stepAt(
          data,
          batch,
          r.theta.ptr,
          r.velocity.ptr,
          lr,
          fixedRule,
          this.weightsOf === stepper,
        );
        this.weightsOf = stepper;
      },
      sync: () => {
        if (!inEngine) return;
        const r = regions();
        theta.set(this.kernels.f64(r.theta, this.size));
        velocity.set(this.kernels.f64(r.velocity, velocity.length));
        inEngine = false;
      },
    };
    return stepper;
  }

  /** The float32 copy of a dataset in the kernels' memory, made on first use. */
  protected cached(data: Dataset): CachedData {
    this.clock++;
    const hit = this.cache.find((c) => c.data === data);
    if (hit) {
      hit.lastUsed = this.clock;
      return hit;
    }
    this.checkData(data);
    if (this.kernels.allocatedBytes + data.n * this.rowFloats * 4 > MEMORY_LIMIT) this.reset();
    // Reuse the least recently used slot; its memory is kept when the new dataset fits in it.
    let slot = this.cache.length < CACHED_DATASETS ? this.cache.length : 0;
    if (slot < this.cache.length)
      this.cache.forEach((c, k) => {
        if (c.lastUsed < this.cache[slot].lastUsed) slot = k;
      });
    const x = this.kernels.region(`data${slot}.x`, data.n * this.rowFloats * 4);
    const y = this.kernels.region(`data${slot}.y`, data.n * 4);
    const xs = this.kernels.f32(x, data.n * this.rowFloats);
    if (this.rowFloats === data.d) xs.set(data.x);
    else
      for (let i = 0; i < data.n; i++)
        xs.set(data.x.subarray(i * data.d, (i + 1) * data.d), i * this.rowFloats);
    if (this.labels === "class") {
      const ys = this.kernels.i32(y, data.n);
      for (let i = 0; i < data.n; i++) ys[i] = data.y[i];
    } else {
      this.kernels.f32(y, data.n).set(data.y);
    }
    const entry = { data, x, y, lastUsed: this.clock };
    this.cache[slot] = entry;
    return entry;
  }

  /** Forget every buffer and start on fresh memory. */
  reset(): void {
    this.activeStepper?.sync();
    this.activeStepper = null;
    this.kernels = new KernelInstance();
    this.cache.length = 0;
    this.weightsOf = null;
  }

  /**
   * Copies rows batch[start .. start+m) (features and labels) to the given regions. The indices
   * are checked here because the kernels would read any address they are given.
   */
  protected gatherBatch(
    data: Dataset,
    batch: ArrayLike<number>,
    start: number,
    m: number,
    x: Region,
    y: Region,
  ): void {
    const entry = this.cached(data);
    const idx = this.kernels.region("idx", m * 4);
    const view = this.kernels.i32(idx, m);
    for (let k = 0; k < m; k++) {
      const i = batch[start + k];
      if ((i | 0) !== i || i < 0 || i >= data.n) {
        throw new BatchlabArgumentError(
          `batch[${start + k}]`,
          i,
          `an example index in 0..${data.n - 1}`,
        );
      }
      view[k] = i;
    }
    this.kernels.k.gather(entry.x.ptr, this.rowFloats * 4, entry.y.ptr, idx.ptr, m, x.ptr, y.ptr);
  }

  /** The FastModel: per-example calls from the reference, batch calls from this engine. */
  model(reference: Model, name: string): FastModel {
    const check = (theta: Params, data: Dataset, batch: ArrayLike<number>): void => {
      checkCompatible(reference, theta, data);
      checkIndices("batch", batch, data.n);
    };
    return {
      name,
      engine: `wasm-simd f32 ${this.kernels.arithmetic}`,
      size: reference.size,
      inputs: reference.inputs,
      classes: reference.classes,
      init: (random) => reference.init(random),
      exampleLoss: (theta, data, i) => reference.exampleLoss(theta, data, i),
      exampleGradient: (theta, data, i, out) => reference.exampleGradient(theta, data, i, out),
      predict: (theta, data, i) => reference.predict(theta, data, i),
      batchGradient: (theta, data, batch, out) => {
        check(theta, data, batch);
        this.lossAndGradient(theta, data, batch, out, false);
      },
      batchLoss: (theta, data, batch) => {
        check(theta, data, batch);
        return this.loss(theta, data, batch);
      },
      lossAndGradient: (theta, data, batch, out) => {
        check(theta, data, batch);
        return this.lossAndGradient(theta, data, batch, out);
      },
      stepper: (theta, rule) => this.stepper(reference, theta, rule),
      trainFused: (data, options) => this.trainFused(reference, data, options),
      memory: () => ({
        allocatedBytes: this.kernels.allocatedBytes,
        bytesPerExample: this.bytesPerExample(),
        parameterBytes: 2 * 4 * this.size,
      }),
    };
  }
}
