// Reading a time-per-step curve: how much of a step is fixed overhead, how much is arithmetic, and
// how close the arithmetic runs to what the machine's matrix product can do.
//
// The model is t(m) = t₀ + c·m: a cost t₀ paid once per step whatever m is (calls, conversions,
// the update of all p parameters) and a cost c per example (the arithmetic, ≈ F flops each).
// Then the achieved rate F·m / t(m) climbs linearly while t₀ dominates and levels off at F/c, which
// can never exceed the rate of the machine's matrix product — the flat roof of a roofline plot.

import type { Tfjs } from "../backend/tfjs";
import { KernelInstance } from "../engines/wasm/runtime";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";

/**
 * Floating-point operations per example of one SGD step of an MLP with these widths: forward
 * Z = H·Wᵀ (2·in·out per layer), weight gradient dW = dZᵀ·H (2·in·out per layer), and the gradient
 * passed down dH = dZ·W (2·in·out per layer except the first, whose input is data). Element-wise
 * work (bias, ReLU, softmax, the update) is left out: it is O(Σ widths), not O(Σ in·out).
 */
export function mlpFlopsPerExample(widths: readonly number[]): number {
  if (widths.length < 2)
    throw new BatchlabArgumentError("widths", widths, "at least [inputs, outputs]");
  widths.forEach((w, k) => checkPositiveInteger(`widths[${k}]`, w));
  let flops = 0;
  for (let l = 1; l < widths.length; l++) {
    const products = l === 1 ? 2 : 3;
    flops += products * 2 * widths[l - 1] * widths[l];
  }
  return flops;
}

/** Flops per example of a linear or logistic model with d features: z = w·x (2d) and ∇ = r·x (2d). */
export function linearFlopsPerExample(d: number): number {
  checkPositiveInteger("d", d);
  return 4 * d;
}

export interface OverheadFit {
  /** t₀: seconds per step that do not depend on m. */
  overheadSeconds: number;
  /** c: seconds per example. */
  secondsPerExample: number;
  /** t₀/c: the batch size at which overhead and arithmetic take equal time (50 % efficiency). */
  breakEvenBatch: number;
  /** Root-mean-square relative error of the fit. */
  rmsRelativeError: number;
  /**
   * Standard error of ln(t₀/c) from the weighted least-squares covariance (residual variance over
   * n − 2 degrees of freedom, delta method): t₀/c is known to about this fraction. NaN with only
   * two batch sizes, or when t₀ was fitted as 0.
   */
  breakEvenLogSe: number;
}

/**
 * Fits t(m) = t₀ + c·m to measured step times, minimising relative errors (each point weighted by
 * 1/t²), so that the microsecond steps at m = 1 count as much as the second-long ones at m = 4096.
 */
export function fitOverhead(rows: readonly { m: number; secondsPerStep: number }[]): OverheadFit {
  if (rows.length < 2)
    throw new BatchlabArgumentError("rows.length", rows.length, "at least 2 measurements");
  // Weighted least squares for y = a + b·m with weights w = 1/y².
  let sw = 0,
    swm = 0,
    swmm = 0,
    swy = 0,
    swmy = 0;
  for (const { m, secondsPerStep: y } of rows) {
    checkPositiveFinite("secondsPerStep", y);
    const w = 1 / (y * y);
    sw += w;
    swm += w * m;
    swmm += w * m * m;
    swy += w * y;
    swmy += w * m * y;
  }
  const det = sw * swmm - swm * swm;
  if (!(det > 0))
    throw new BatchlabArgumentError("rows", rows, "at least two different batch sizes");
  const a = (swmm * swy - swm * swmy) / det;
  const b = (sw * swmy - swm * swy) / det;
  const overheadSeconds = Math.max(a, 0);
  const secondsPerExample = Math.max(b, 1e-300);
  let sq = 0;
  for (const { m, secondsPerStep: y } of rows)
    sq += ((overheadSeconds + secondsPerExample * m - y) / y) ** 2;
  // Cov(a, b) = σ²·(XᵀWX)⁻¹ with σ² the weighted residual variance; then Var ln(a/b) by the delta method.
  let breakEvenLogSe = NaN;
  if (rows.length > 2 && a > 0 && b > 0) {
    let ssr = 0;
    for (const { m, secondsPerStep: y } of rows) ssr += ((a + b * m - y) / y) ** 2;
    const sigma2 = ssr / (rows.length - 2);
    const varA = (sigma2 * swmm) / det,
      varB = (sigma2 * sw) / det,
      covAB = (-sigma2 * swm) / det;
    breakEvenLogSe = Math.sqrt(
      Math.max(0, varA / (a * a) + varB / (b * b) - (2 * covAB) / (a * b)),
    );
  }
  return {
    overheadSeconds,
    secondsPerExample,
    breakEvenBatch: overheadSeconds / secondsPerExample,
    rmsRelativeError: Math.sqrt(sq / rows.length),
    breakEvenLogSe,
  };
}

export interface MatmulRate {
  /** Billions of floating-point operations per second (2·M·N·K per product). */
  gflops: number;
  shape: [number, number, number];
  engine: string;
}

/** The fastest of a few timed repeats: a roof is what the machine can do, so the best run estimates it. */
function bestTime(run: () => void, seconds: number, repeats: number): number {
  run();
  const rates: number[] = [];
  for (let r = 0; r < repeats; r++) {
    let calls = 0;
    const t0 = performance.now();
    let elapsed: number;
    do {
      run();
      calls++;
      elapsed = (performance.now() - t0) / 1000;
    } while (elapsed < seconds);
    rates.push(elapsed / calls);
  }
  return Math.min(...rates);
}

/**
 * The rate of the engine's own matrix product C = A·Bᵀ with A (M × K) and B (N × K), the shape of
 * an MLP's forward pass with m = M (default 2048 × 784 by 128 × 784): the roof of the roofline.
 */
export function wasmMatmulRate(
  options: { shape?: [number, number, number]; seconds?: number; repeats?: number } = {},
): MatmulRate {
  const [M, N, K] = options.shape ?? [2048, 128, 784];
  [M, N, K].forEach((v, k) => checkPositiveInteger(`shape[${k}]`, v));
  const kernels = new KernelInstance();
  const Kp = Math.ceil(K / 4) * 4;
  const a = kernels.region("A", M * Kp * 4);
  const b = kernels.region("B", N * Kp * 4);
  const c = kernels.region("C", M * Math.ceil(N / 4) * 16);
  const bias = kernels.region("bias", N * 4 + 16);
  kernels.f32(a).fill(0.5);
  kernels.f32(b).fill(0.25);
  const seconds = bestTime(
    () =>
      kernels.k.gemm_nt(
        M,
        N,
        Kp,
        a.ptr,
        Kp * 4,
        b.ptr,
        Kp * 4,
        c.ptr,
        Math.ceil(N / 4) * 16,
        bias.ptr,
        0,
      ),
    options.seconds ?? 0.1,
    options.repeats ?? 5,
  );
  return { gflops: (2 * M * N * K) / seconds / 1e9, shape: [M, N, K], engine: "batchlab wasm" };
}

/**
 * The rate of tf.matMul on the active tfjs backend, same shape convention. The cpu, wasm and
 * tensorflow backends run an operation when it is called, so no read-back is needed to time it.
 */
export function tfjsMatmulRate(
  tf: Tfjs,
  options: { shape?: [number, number, number]; seconds?: number; repeats?: number } = {},
): MatmulRate {
  const [M, N, K] = options.shape ?? [2048, 128, 784];
  const a = tf.fill([M, K], 0.5) as import("@tensorflow/tfjs").Tensor2D;
  const b = tf.fill([K, N], 0.25) as import("@tensorflow/tfjs").Tensor2D;
  try {
    const seconds = bestTime(
      () =>
        tf.tidy(() => {
          tf.matMul(a, b);
        }),
      options.seconds ?? 0.1,
      options.repeats ?? 5,
    );
    return {
      gflops: (2 * M * N * K) / seconds / 1e9,
      shape: [M, N, K],
      engine: `tfjs ${tf.getBackend()}`,
    };
  } finally {
    a.dispose();
    b.dispose();
  }
}

export interface RooflineRow {
  engine: string;
  m: number;
  flopsPerStep: number;
  secondsPerStep: number;
  /** Achieved GFLOP/s: flops per step / seconds per step. */
  gflops: number;
  /** Achieved rate over the matmul roof (1 = the step runs as fast as a bare matrix product). */
  fractionOfRoof: number;
}

/** The roofline reading of measured step times. */
export function rooflineRows(
  rows: readonly { engine: string; m: number; secondsPerStep: number }[],
  flopsPerExample: number,
  roof: MatmulRate,
): RooflineRow[] {
  checkPositiveFinite("flopsPerExample", flopsPerExample);
  return rows.map((r) => {
    const flopsPerStep = flopsPerExample * r.m;
    const gflops = flopsPerStep / r.secondsPerStep / 1e9;
    return {
      engine: r.engine,
      m: r.m,
      flopsPerStep,
      secondsPerStep: r.secondsPerStep,
      gflops,
      fractionOfRoof: gflops / roof.gflops,
    };
  });
}
