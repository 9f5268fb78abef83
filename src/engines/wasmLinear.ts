// Linear and logistic regression on the WebAssembly kernels: the same models as linearRegression()
// and logisticRegression() (θ = weights, then the intercept), with the batch gradient
// ∇ = (1/m)·Xᵀ(μ(Xw + b) − y) computed as two matrix-vector products in float32.
//
// These models do so little arithmetic per example (≈ 4·d flops) that a step costs almost nothing
// but its fixed overhead, which is what chapter 5 measures with them.

import type { Dataset } from "../data/dataset";
import { linearRegression } from "../models/linear";
import { logisticRegression } from "../models/logistic";
import type { Model, Params } from "../models/model";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";
import { EngineBase, type FastModel } from "./fastModel";
import { padded, type Region } from "./wasm/runtime";

export type LinkKind = "linear" | "logistic";

class LinearEngine extends EngineBase {
  private readonly pd: number;

  constructor(
    private readonly d: number,
    private readonly bias: boolean,
    private readonly kind: LinkKind,
  ) {
    super(d + (bias ? 1 : 0), d, "real");
    this.pd = padded(d);
  }

  bytesPerExample(): number {
    // The input row, z (overwritten by the residual), the index and the target.
    return 4 * (this.pd + 1) + 4 + 4;
  }

  private regions(m: number): {
    w: Region;
    b: Region;
    gw: Region;
    x: Region;
    y: Region;
    z: Region;
  } {
    const k = this.kernels;
    return {
      w: k.region("w", this.pd * 4),
      b: k.region("b", 16),
      gw: k.region("gw", this.pd * 4),
      x: k.region("X", m * this.pd * 4),
      y: k.region("y", m * 4),
      z: k.region("z", m * 4),
    };
  }

  protected loadThetaAt(t64: number): void {
    const { w, b } = this.regions(1);
    this.kernels.k.demote_rows(t64, 0, w.ptr, 0, 1, this.d);
    if (this.bias) this.kernels.k.demote_rows(t64 + 8 * this.d, 0, b.ptr, 0, 1, 1);
  }

  /** z = Xw + b, then z ← (μ(z) − y)/m in place; returns Σ loss (NaN when not wanted). */
  private residuals(m: number, wantLoss = true): number {
    const k = this.kernels.k;
    const { w, b, x, y, z } = this.regions(m);
    k.gemm_nt(m, 1, this.pd, x.ptr, this.pd * 4, w.ptr, this.pd * 4, z.ptr, 4, b.ptr, 0);
    const loss = k.glm_residual(
      z.ptr,
      y.ptr,
      m,
      this.kind === "logistic" ? 1 : 0,
      1 / m,
      wantLoss ? 1 : 0,
    );
    return wantLoss ? loss : NaN;
  }

  /** Gathers the batch and leaves ∇w in gw; returns the mean loss and ∇b. */
  private gradient(
    data: Dataset,
    batch: ArrayLike<number>,
    wantLoss: boolean,
  ): { loss: number; gb: number } {
    const m = batch.length;
    const r = this.regions(m);
    this.gatherBatch(data, batch, 0, m, r.x, r.y);
    const loss = this.residuals(m, wantLoss);
    // ∇w = Xᵀr (a 1 × d product over the m examples), ∇b = Σ r.
    this.kernels.k.gemm_tn(
      1,
      this.pd,
      m,
      r.z.ptr,
      4,
      r.x.ptr,
      this.pd * 4,
      r.gw.ptr,
      this.pd * 4,
      0,
    );
    let gb = 0;
    if (this.bias) {
      const residual = this.kernels.f32(r.z, m);
      for (let i = 0; i < m; i++) gb += residual[i];
    }
    return { loss: loss / m, gb };
  }

  protected gradientAt(
    data: Dataset,
    batch: ArrayLike<number>,
    g64: number,
    wantLoss: boolean,
  ): number {
    const { loss, gb } = this.gradient(data, batch, wantLoss);
    this.kernels.k.promote_rows(this.regions(1).gw.ptr, 0, g64, 0, 1, this.d, 1);
    if (this.bias) new Float64Array(this.kernels.k.memory.buffer, g64 + 8 * this.d, 1)[0] = gb;
    return loss;
  }

  protected storeTheta(out: Params): void {
    const { w, b } = this.regions(1);
    const region = this.kernels.region("theta64", this.size * 8);
    this.kernels.k.promote_rows(w.ptr, 0, region.ptr, 0, 1, this.d, 1);
    if (this.bias) this.kernels.k.promote_rows(b.ptr, 0, region.ptr + 8 * this.d, 0, 1, 1, 1);
    out.set(this.kernels.f64(region, this.size));
  }

  protected fusedStep(data: Dataset, batch: ArrayLike<number>, lr: number): void {
    const { gb } = this.gradient(data, batch, false);
    const { w, b, gw } = this.regions(1);
    this.kernels.k.sgd_update(w.ptr, gw.ptr, this.pd, lr);
    if (this.bias) {
      const bias = this.kernels.f32(b, 1);
      bias[0] = bias[0] - lr * gb;
    }
  }

  loss(theta: Params, data: Dataset, batch: ArrayLike<number>): number {
    this.loadTheta(theta);
    let sum = 0;
    for (let start = 0; start < batch.length; start += EngineBase.EVAL_CHUNK) {
      const m = Math.min(EngineBase.EVAL_CHUNK, batch.length - start);
      const r = this.regions(m);
      this.gatherBatch(data, batch, start, m, r.x, r.y);
      sum += this.residuals(m);
    }
    return sum / batch.length;
  }

  protected override checkData(data: Dataset): void {
    super.checkData(data);
    if (this.kind === "logistic") {
      for (let i = 0; i < data.n; i++) {
        if (data.y[i] !== 0 && data.y[i] !== 1)
          throw new BatchlabArgumentError(
            `data.y[${i}]`,
            data.y[i],
            "0 or 1 for logistic regression",
          );
      }
    }
  }
}

/**
 * linearRegression(d) or logisticRegression(d) with batch gradient and batch loss on the
 * WebAssembly SIMD kernels (float32). Per-example calls are the float64 reference's.
 */
export function wasmLinear(
  inputs: number,
  options: { kind?: LinkKind; bias?: boolean } = {},
): FastModel {
  checkPositiveInteger("inputs", inputs);
  const kind = options.kind ?? "linear";
  if (kind !== "linear" && kind !== "logistic")
    throw new BatchlabArgumentError("kind", kind, `"linear" or "logistic"`);
  const bias = options.bias ?? true;
  const reference: Model =
    kind === "linear" ? linearRegression(inputs, { bias }) : logisticRegression(inputs, { bias });
  const engine = new LinearEngine(inputs, bias, kind);
  return engine.model(reference, `${reference.name} (wasm f32)`);
}
