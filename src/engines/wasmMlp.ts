// The course's MLP on the WebAssembly SIMD kernels: the same model as mlp() (same widths, same θ
// layout, same initialisation for the same seed, so the two are interchangeable in train() and in
// every sweep), with the batch-mean gradient computed in float32 by a few matrix products instead
// of m separate float64 backward passes.
//
// Per call of batchGradient:
//   θ (float64, as train() holds it) → f32 weight rows in the kernels' memory (one SIMD pass),
//   the batch's rows gathered from a float32 copy of the dataset made on first use,
//   forward  Z_l = H_{l−1}·W_lᵀ + b_l, ReLU              (gemm_nt with bias and ReLU fused)
//   output   dZ_L = (softmax(Z_L) − onehot(y)) / m         (softmax_xent)
//   backward dW_l = dZ_lᵀ·H_{l−1}, db_l = Σ rows of dZ_l, dZ_{l−1} = (dZ_l·W_l) ⊙ [H_{l−1} > 0]
//   dW, db → float64, in θ's layout, into `out`.
// train() asks the engine for a stepper (fastModel.ts), which keeps θ float64 in the kernels' memory
// between steps and applies sgd.ts's update there: only the f32 weights are refreshed per step.

import type { Dataset } from "../data/dataset";
import { mlp, mlpLayout } from "../models/mlp";
import type { Model, Params } from "../models/model";
import type { UpdateRule } from "../update/sgd";
import { BatchlabArgumentError } from "../util/validate";
import { EngineBase, type FastModel } from "./fastModel";
import { padded, type Region } from "./wasm/runtime";

interface LayerPlan {
  inputs: number;
  outputs: number;
  /** Padded row lengths (floats) of this layer's input and output activations. */
  pin: number;
  pout: number;
  /** Offsets of W and b in θ. */
  w: number;
  b: number;
}

/**
 * The engine behind wasmMlp(), exported for the data-parallel engine (dataParallel/), which runs
 * it on every worker and moves weights and gradients between them in its rows' float32 layout.
 */
export class MlpEngine extends EngineBase {
  readonly layers: LayerPlan[];
  private readonly classes: number;
  /** Float offsets of each layer's W and b rows in the rows' layout (see paddedSize). */
  private readonly rowOffsets: { W: number; b: number }[] = [];
  /** Floats of the weights (or the gradients) as the kernels hold them: every row padded, layer after layer. */
  readonly paddedSize: number;

  constructor(
    readonly widths: readonly number[],
    size: number,
  ) {
    super(size, widths[0]);
    this.layers = mlpLayout(widths).layers.map((layer) => ({
      ...layer,
      pin: padded(layer.inputs),
      pout: padded(layer.outputs),
    }));
    this.classes = widths[widths.length - 1];
    let offset = 0;
    for (const { outputs, pin, pout } of this.layers) {
      this.rowOffsets.push({ W: offset, b: offset + outputs * pin });
      offset += outputs * pin + pout;
    }
    this.paddedSize = offset;
  }

  /** The engine of mlp(widths) (mlpLayout checks the widths). */
  static of(widths: readonly number[]): MlpEngine {
    return new MlpEngine(widths, mlpLayout(widths).size);
  }

  /** The input row, each layer's activation and its gradient (f32), the index and the label (i32). */
  bytesPerExample(): number {
    return 4 * (this.layers[0].pin + 2 * this.layers.reduce((s, l) => s + l.pout, 0)) + 4 + 4;
  }

  protected weights(l: number): { W: Region; b: Region; dW: Region; db: Region } {
    const { outputs, pin, pout } = this.layers[l];
    return {
      W: this.kernels.region(`W${l}`, outputs * pin * 4),
      b: this.kernels.region(`b${l}`, pout * 4),
      dW: this.kernels.region(`dW${l}`, outputs * pin * 4),
      db: this.kernels.region(`db${l}`, pout * 4),
    };
  }

  protected loadThetaAt(t64: number): void {
    const k = this.kernels.k;
    this.layers.forEach((layer, l) => {
      const { W, b } = this.weights(l);
      k.demote_rows(
        t64 + layer.w * 8,
        layer.inputs * 8,
        W.ptr,
        layer.pin * 4,
        layer.outputs,
        layer.inputs,
      );
      k.demote_rows(t64 + layer.b * 8, 0, b.ptr, 0, 1, layer.outputs);
    });
  }

  /** Activations for a batch of m rows: H_0 is the gathered input, H_L the logits. */
  private activations(m: number): Region[] {
    const acts = [this.kernels.region("X", m * this.layers[0].pin * 4)];
    this.layers.forEach((layer, l) =>
      acts.push(this.kernels.region(`H${l + 1}`, m * layer.pout * 4)),
    );
    return acts;
  }

  private deltas(m: number): Region[] {
    return this.layers.map((layer, l) => this.kernels.region(`D${l + 1}`, m * layer.pout * 4));
  }

  /** Forward pass and loss over one chunk already gathered; leaves dZ_L in D_L. Returns Σ loss. */
  private forwardLoss(m: number): number {
    const k = this.kernels.k;
    const acts = this.activations(m);
    const deltas = this.deltas(m);
    this.layers.forEach((layer, l) => {
      const { W, b } = this.weights(l);
      const hidden = l < this.layers.length - 1;
      k.gemm_nt(
        m,
        layer.outputs,
        layer.pin,
        acts[l].ptr,
        layer.pin * 4,
        W.ptr,
        layer.pin * 4,
        acts[l + 1].ptr,
        layer.pout * 4,
        b.ptr,
        hidden ? 1 : 0,
      );
    });
    const top = this.layers[this.layers.length - 1];
    const labels = this.kernels.region("labels", m * 4);
    return k.softmax_xent(
      acts[acts.length - 1].ptr,
      top.pout * 4,
      this.classes,
      labels.ptr,
      m,
      deltas[deltas.length - 1].ptr,
      1 / m,
    );
  }

  private backward(m: number): void {
    const k = this.kernels.k;
    const acts = this.activations(m);
    const deltas = this.deltas(m);
    for (let l = this.layers.length - 1; l >= 0; l--) {
      const layer = this.layers[l];
      const { W, dW, db } = this.weights(l);
      k.gemm_tn(
        layer.outputs,
        layer.pin,
        m,
        deltas[l].ptr,
        layer.pout * 4,
        acts[l].ptr,
        layer.pin * 4,
        dW.ptr,
        layer.pin * 4,
        0,
      );
      k.colsum(deltas[l].ptr, layer.pout * 4, m, layer.pout, db.ptr);
      if (l > 0) {
        k.gemm_nn(
          m,
          layer.pin,
          layer.outputs,
          deltas[l].ptr,
          layer.pout * 4,
          W.ptr,
          layer.pin * 4,
          deltas[l - 1].ptr,
          layer.pin * 4,
          0,
        );
        k.relu_mask(deltas[l - 1].ptr, acts[l].ptr, m * layer.pin);
      }
    }
  }

  /** Writes the f32 weights (or their gradients) in θ's f64 layout at address t64. */
  private promote(t64: number, which: "params" | "gradients"): void {
    const k = this.kernels.k;
    this.layers.forEach((layer, l) => {
      const r = this.weights(l);
      const [W, b] = which === "params" ? [r.W, r.b] : [r.dW, r.db];
      k.promote_rows(
        W.ptr,
        layer.pin * 4,
        t64 + layer.w * 8,
        layer.inputs * 8,
        layer.outputs,
        layer.inputs,
        1,
      );
      k.promote_rows(b.ptr, 0, t64 + layer.b * 8, 0, 1, layer.outputs, 1);
    });
  }

  /** The default's three passes over θ folded into one sgd_update_rows per weight block. */
  protected override stepAt(
    data: Dataset,
    batch: ArrayLike<number>,
    t64: number,
    v64: number,
    lr: number,
    rule: UpdateRule,
    weightsCurrent: boolean,
  ): void {
    if (!weightsCurrent) this.loadThetaAt(t64);
    this.updateAt(t64, v64, this.stepGradientAt(data, batch), lr, rule);
  }

  /**
   * A step's gradient at the loaded weights: null when it is left in float32 in the engine's dW, db
   * rows (this engine), or the byte address of float64 values in θ's layout (the data-parallel
   * engine's combination of its shares).
   */
  protected stepGradientAt(data: Dataset, batch: ArrayLike<number>): number | null {
    this.batchGradient32(data, batch);
    return null;
  }

  /**
   * plainStepper's update of θ (and v) at t64 (v64), with the new float32 weights written in the
   * same pass, from the float32 dW, db rows (g64 null) or the float64 gradient at g64.
   */
  private updateAt(
    t64: number,
    v64: number,
    g64: number | null,
    lr: number,
    rule: UpdateRule,
  ): void {
    const k = this.kernels.k;
    this.layers.forEach((layer, l) => {
      const { W, b, dW, db } = this.weights(l);
      const [gW, gWStride, gb] =
        g64 === null
          ? [dW.ptr, layer.pin * 4, db.ptr]
          : [g64 + layer.w * 8, layer.inputs * 8, g64 + layer.b * 8];
      const f64 = g64 === null ? 0 : 1;
      k.sgd_update_rows(
        t64 + layer.w * 8,
        v64 + layer.w * 8,
        gW,
        gWStride,
        f64,
        W.ptr,
        layer.pin * 4,
        layer.outputs,
        layer.inputs,
        lr,
        rule.momentum,
        rule.weightDecay,
      );
      k.sgd_update_rows(
        t64 + layer.b * 8,
        v64 + layer.b * 8,
        gb,
        0,
        f64,
        b.ptr,
        0,
        1,
        layer.outputs,
        lr,
        rule.momentum,
        rule.weightDecay,
      );
    });
  }

  protected storeTheta(out: Params): void {
    const region = this.kernels.region("theta64", this.size * 8);
    this.promote(region.ptr, "params");
    out.set(this.kernels.f64(region, this.size));
  }

  protected fusedStep(data: Dataset, batch: ArrayLike<number>, lr: number): void {
    this.batchGradient32(data, batch);
    const k = this.kernels.k;
    this.layers.forEach((layer, l) => {
      const { W, b, dW, db } = this.weights(l);
      k.sgd_update(W.ptr, dW.ptr, layer.outputs * layer.pin, lr);
      k.sgd_update(b.ptr, db.ptr, layer.pout, lr);
    });
  }

  protected gradientAt(
    data: Dataset,
    batch: ArrayLike<number>,
    g64: number,
    wantLoss: boolean,
  ): number {
    void wantLoss; // the loss comes with the gradient
    const loss = this.batchGradient32(data, batch);
    this.promote(g64, "gradients");
    return loss / batch.length;
  }

  /** The float32 weights, in the rows' layout, into `out` (paddedSize long). */
  copyWeightsTo(out: Float32Array): void {
    this.copyRows("params", out, "out");
  }

  /** The float32 weights from `rows` (paddedSize long, the rows' layout), as copyWeightsTo wrote them. */
  copyWeightsFrom(rows: Float32Array): void {
    this.copyRows("params", rows, "in");
  }

  /**
   * The mean gradient of `batch` at the loaded weights, in float32 in the rows' layout, into `out`;
   * returns the batch's summed loss.
   */
  rowsGradient(data: Dataset, batch: ArrayLike<number>, out: Float32Array): number {
    const loss = this.batchGradient32(data, batch);
    this.copyRows("gradients", out, "out");
    return loss;
  }

  private copyRows(
    which: "params" | "gradients",
    rows: Float32Array,
    direction: "in" | "out",
  ): void {
    if (rows.length !== this.paddedSize)
      throw new BatchlabArgumentError("rows.length", rows.length, `${this.paddedSize}`);
    this.layers.forEach((layer, l) => {
      const r = this.weights(l);
      const [W, b] = which === "params" ? [r.W, r.b] : [r.dW, r.db];
      const w = this.kernels.f32(W, layer.outputs * layer.pin);
      const bias = this.kernels.f32(b, layer.pout);
      const { W: at, b: bAt } = this.rowOffsets[l];
      if (direction === "out") {
        rows.set(w, at);
        rows.set(bias, bAt);
      } else {
        w.set(rows.subarray(at, at + w.length));
        bias.set(rows.subarray(bAt, bAt + bias.length));
      }
    });
  }

  /**
   * g ← Σ_k weights[k]·shares[k] in float64, in θ's layout at byte address g64, from float32
   * gradients in the rows' layout that sit one after another from byte address `shares`: the first
   * share is promoted, each next one added (weights 0 are skipped).
   */
  protected combineRowsAt(shares: number, weights: readonly number[], g64: number): void {
    const k = this.kernels.k;
    let first = true;
    weights.forEach((weight, s) => {
      if (weight === 0) return;
      const promote = first ? k.promote_rows : k.add_promoted_rows;
      first = false;
      const base = shares + 4 * s * this.paddedSize;
      this.layers.forEach((layer, l) => {
        const { W, b } = this.rowOffsets[l];
        promote(
          base + 4 * W,
          layer.pin * 4,
          g64 + layer.w * 8,
          layer.inputs * 8,
          layer.outputs,
          layer.inputs,
          weight,
        );
        promote(base + 4 * b, 0, g64 + layer.b * 8, 0, 1, layer.outputs, weight);
      });
    });
  }

  /** Gathers the batch, runs forward and backward: the float32 gradient in dW, db. Returns Σ loss. */
  protected batchGradient32(data: Dataset, batch: ArrayLike<number>): number {
    const m = batch.length;
    this.gatherBatch(
      data,
      batch,
      0,
      m,
      this.activations(m)[0],
      this.kernels.region("labels", m * 4),
    );
    const loss = this.forwardLoss(m);
    this.backward(m);
    return loss;
  }

  loss(theta: Params, data: Dataset, batch: ArrayLike<number>): number {
    this.loadTheta(theta);
    let sum = 0;
    for (let start = 0; start < batch.length; start += EngineBase.EVAL_CHUNK) {
      const m = Math.min(EngineBase.EVAL_CHUNK, batch.length - start);
      this.gatherBatch(
        data,
        batch,
        start,
        m,
        this.activations(m)[0],
        this.kernels.region("labels", m * 4),
      );
      sum += this.forwardLoss(m);
    }
    return sum / batch.length;
  }

  protected override checkData(data: Dataset): void {
    super.checkData(data);
    if (data.classes !== undefined && data.classes !== this.classes) {
      throw new BatchlabArgumentError(
        "data.classes",
        data.classes,
        `${this.classes} (the MLP's output width)`,
      );
    }
  }
}

/**
 * mlp(widths) with its batch gradient and batch loss on the WebAssembly SIMD kernels (float32).
 * Per-example calls (exampleLoss, exampleGradient, predict) are the float64 reference's.
 */
export function wasmMlp(widths: readonly number[]): FastModel {
  const reference: Model = mlp(widths);
  return MlpEngine.of(widths).model(reference, `MLP ${widths.join("-")} (wasm f32)`);
}
