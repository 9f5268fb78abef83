// The matrix kernels against a float64 triple loop, on shapes that exercise every edge of their
// tiling: M, N, K not multiples of the tiles, of gemm_nt's k-blocks and panels or of gemm_tn's
// k-block; K = 1; M = 1 (the wider single-row tiles); gemm_nt both by dot products and through its
// transposed copy of B. Each arithmetic is checked: mul+add everywhere, FMA where the platform has
// relaxed SIMD.
//
// Tolerance: a float32 sum of K products, each rounded, errs by at most about K·2⁻²⁴·Σ|aᵢ||bᵢ|
// (the standard bound γ_K·Σ|aᵢbᵢ| for recursive summation; the kernels' four-lane partial sums
// and FMA's single rounding only lower it). The inputs themselves are float32, so the float64
// reference is exact up to 2⁻⁵³. We allow twice the bound, plus the float32 rounding of a bias.

import { before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_SHAPES, type Arithmetic, type KernelShape } from "../src/engines/wasm/kernels";
import {
  KernelInstance,
  kernelFeatures,
  loadKernels,
  relaxedSimdAvailable,
  wasmSimdAvailable,
} from "../src/engines/wasm/runtime";
import { wasmMlp } from "../src/engines/wasmMlp";
import { mlp } from "../src/models/mlp";
import { meanGradient } from "../src/models/model";
import { rng } from "../src/util/rng";

const U = 2 ** -24;
const pad4 = (n: number): number => Math.ceil(n / 4) * 4;

function randomF32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

/** got[i] within 2·K·u·Σ|a||b| (+ |want|·u) of want[i], for every i; names the first entry that is not. */
function assertWithin(
  got: Float32Array,
  want: Float64Array,
  scale: Float64Array,
  k: number,
  what: string,
): void {
  for (let i = 0; i < want.length; i++) {
    const tol = 2 * Math.max(k, 1) * U * scale[i] + Math.abs(want[i]) * U + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      assert.fail(`${what}: entry ${i} is ${got[i]}, want ${want[i]} ± ${tol.toExponential(2)}`);
    }
  }
}

// Shapes chosen against the FMA tiling (k-blocks of ≤ 256 floats, panels of 24 KiB, 4 × 2 tiles,
// transposition from 64 rows) and the mul+add one (4 × 2 tiles, transposition from 32 rows).
const NT_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 13, 7],
  [1, 8, 600],
  [3, 5, 1],
  [5, 7, 300],
  [7, 10, 13],
  [9, 128, 97],
  [33, 12, 520],
  [67, 20, 784],
  [70, 10, 130],
  [130, 36, 9],
];
const BC_SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [1, 52, 9],
  [1, 40, 300],
  [2, 20, 3],
  [3, 7, 1],
  [5, 36, 129],
  [11, 20, 300],
  [13, 9, 257],
];

before(() => loadKernels());

/** Kernels with this arithmetic, or undefined (and the test marked skipped) for FMA without relaxed SIMD. */
function kernelsOrSkip(t: TestContext, arithmetic: Arithmetic): KernelInstance | undefined {
  if (arithmetic === "fma" && !relaxedSimdAvailable()) {
    t.skip("this JavaScript engine has no WebAssembly relaxed SIMD");
    return undefined;
  }
  return new KernelInstance(arithmetic);
}

for (const arithmetic of ["mul+add", "fma"] as Arithmetic[]) {
  test(`gemm_nt (${arithmetic}): C = A·Bᵀ + bias, with and without ReLU, matches float64`, (t) => {
    const K = kernelsOrSkip(t, arithmetic);
    if (!K) return;
    NT_SHAPES.forEach(([M, N, k], s) => {
      for (const relu of [0, 1]) {
        const kp = pad4(k),
          ldc = N + 3;
        const a = randomF32(M * kp, 10 * s + 1),
          b = randomF32(N * kp, 10 * s + 2),
          bias = randomF32(N, 10 * s + 3);
        for (let i = 0; i < M; i++) a.fill(0, i * kp + k, (i + 1) * kp);
        for (let j = 0; j < N; j++) b.fill(0, j * kp + k, (j + 1) * kp);
        const A = K.region("A", a.length * 4),
          B = K.region("B", b.length * 4),
          C = K.region("C", M * ldc * 4),
          Bi = K.region("bias", N * 4);
        K.f32(A, a.length).set(a);
        K.f32(B, b.length).set(b);
        K.f32(Bi, N).set(bias);
        K.f32(C, M * ldc).fill(7);
        K.k.gemm_nt(M, N, kp, A.ptr, kp * 4, B.ptr, kp * 4, C.ptr, ldc * 4, Bi.ptr, relu);
        // Views are taken after the call: the kernels may have grown memory for their scratch.
        const got = K.f32(C, M * ldc);
        const want = new Float64Array(M * ldc).fill(7),
          scale = new Float64Array(M * ldc);
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let sum = bias[j],
              abs = Math.abs(bias[j]);
            for (let q = 0; q < k; q++) {
              sum += a[i * kp + q] * b[j * kp + q];
              abs += Math.abs(a[i * kp + q] * b[j * kp + q]);
            }
            want[i * ldc + j] = relu ? Math.max(0, sum) : sum;
            scale[i * ldc + j] = abs;
          }
        assertWithin(
          got,
          want,
          scale,
          k + 1,
          `gemm_nt M=${M} N=${N} K=${k} relu=${relu} (columns beyond N must stay untouched)`,
        );
      }
    });
  });

  test(`gemm_tn and gemm_nn (${arithmetic}): overwriting and accumulating match float64`, (t) => {
    const K = kernelsOrSkip(t, arithmetic);
    if (!K) return;
    BC_SHAPES.forEach(([M, N, k], s) => {
      const np = pad4(N);
      for (const layout of ["tn", "nn"] as const) {
        for (const accumulate of [0, 1]) {
          // tn: A(i, q) = a[q·lda + i] (a column of dZ per i); nn: A(i, q) = a[i·lda + q].
          const lda = layout === "tn" ? M + 2 : pad4(k) + 4;
          const a = randomF32((layout === "tn" ? k : M) * lda, 10 * s + 4),
            b = randomF32(k * np, 10 * s + 5),
            c0 = randomF32(M * np, 10 * s + 6);
          for (let q = 0; q < k; q++) b.fill(0, q * np + N, (q + 1) * np);
          const A = K.region("A", a.length * 4),
            B = K.region("B", b.length * 4),
            C = K.region("C", c0.length * 4);
          K.f32(A, a.length).set(a);
          K.f32(B, b.length).set(b);
          K.f32(C, c0.length).set(c0);
          K.k[layout === "tn" ? "gemm_tn" : "gemm_nn"](
            M,
            np,
            k,
            A.ptr,
            lda * 4,
            B.ptr,
            np * 4,
            C.ptr,
            np * 4,
            accumulate,
          );
          const at = (i: number, q: number): number =>
            layout === "tn" ? a[q * lda + i] : a[i * lda + q];
          const want = new Float64Array(M * np),
            scale = new Float64Array(M * np);
          for (let i = 0; i < M; i++)
            for (let j = 0; j < np; j++) {
              let sum = accumulate ? c0[i * np + j] : 0,
                abs = Math.abs(sum);
              for (let q = 0; q < k; q++) {
                sum += at(i, q) * b[q * np + j];
                abs += Math.abs(at(i, q) * b[q * np + j]);
              }
              want[i * np + j] = sum;
              scale[i * np + j] = abs;
            }
          assertWithin(
            K.f32(C, M * np),
            want,
            scale,
            k + 1,
            `gemm_${layout} M=${M} N=${N} K=${k} accumulate=${accumulate}`,
          );
        }
      }
    });
  });
}

test("gemm_nt gives the same result by dot products and through its transposed copy of B", () => {
  // The same product below and above the transposition threshold: the two paths sum in different
  // orders, so they agree to the rounding bound, not bit for bit.
  const shape: KernelShape = { ...DEFAULT_SHAPES["mul+add"], ntTransposeRows: 1 << 30 };
  const dot = new KernelInstance("mul+add", shape);
  const bc = new KernelInstance("mul+add", { ...shape, ntTransposeRows: 1 });
  const [M, N, k] = [6, 24, 200];
  const a = randomF32(M * k, 91),
    b = randomF32(N * k, 92),
    bias = randomF32(N, 93);
  const out = [dot, bc].map((K) => {
    const A = K.region("A", a.length * 4),
      B = K.region("B", b.length * 4),
      C = K.region("C", M * N * 4),
      Bi = K.region("bias", N * 4);
    K.f32(A, a.length).set(a);
    K.f32(B, b.length).set(b);
    K.f32(Bi, N).set(bias);
    K.k.gemm_nt(M, N, k, A.ptr, k * 4, B.ptr, k * 4, C.ptr, N * 4, Bi.ptr, 0);
    return Float64Array.from(K.f32(C, M * N));
  });
  const scale = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      for (let q = 0; q < k; q++) scale[i * N + j] += Math.abs(a[i * k + q] * b[j * k + q]);
    }
  assertWithin(
    Float32Array.from(out[1]),
    out[0],
    scale.map((x) => 2 * x),
    k + 1,
    "transposed path against dot products",
  );
  // Both reserved the scratch (N is a multiple of 4), only the transposed path filled it with Bᵀ.
  const scratch = (K: KernelInstance): Float32Array => K.f32(K.region("kernels.scratch", 4), N * k);
  assert.ok(
    scratch(dot).every((x) => x === 0),
    "the dot-product path wrote into the scratch",
  );
  const bt = scratch(bc);
  for (let q = 0; q < k; q++)
    for (let j = 0; j < N; j++) {
      if (bt[q * N + j] !== b[j * k + q])
        assert.fail(`scratch[${q}][${j}] is ${bt[q * N + j]}, want Bᵀ's ${b[j * k + q]}`);
    }
});

test("kernelFeatures names the arithmetic the default kernels use, and BATCHLAB_WASM_FMA=0 is honoured", () => {
  const saved = process.env.BATCHLAB_WASM_FMA;
  try {
    delete process.env.BATCHLAB_WASM_FMA;
    const f = kernelFeatures();
    assert.equal(f.simd, wasmSimdAvailable());
    assert.equal(f.fma, f.arithmetic === "fma");
    assert.equal(
      f.fma,
      relaxedSimdAvailable(),
      "FMA must be used wherever relaxed SIMD is available",
    );
    assert.equal(new KernelInstance().arithmetic, f.arithmetic);
    assert.deepEqual(new KernelInstance().shape, DEFAULT_SHAPES[f.arithmetic]);

    process.env.BATCHLAB_WASM_FMA = "0";
    assert.deepEqual(kernelFeatures(), { simd: true, fma: false, arithmetic: "mul+add" });
    // An engine made now runs on mul+add kernels, says so, and still computes the reference's gradient.
    const widths = [9, 6, 3];
    const fast = wasmMlp(widths);
    assert.match(fast.engine, /mul\+add$/);
    const r = rng(3);
    const data = {
      name: "d",
      n: 20,
      d: 9,
      x: Float64Array.from({ length: 180 }, () => r.normal()),
      y: Float64Array.from({ length: 20 }, () => r.int(3)),
      classes: 3,
    };
    const theta = mlp(widths).init(rng(4));
    const batch = [0, 3, 5, 7, 11, 19];
    const [g, gRef] = [new Float64Array(theta.length), new Float64Array(theta.length)];
    fast.batchGradient(theta, data, batch, g);
    meanGradient(mlp(widths), theta, data, batch, gRef);
    const scale = gRef.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // float32 sums of at most 9 products: 1e-5 of the largest entry is two orders above their rounding.
    gRef.forEach((v, j) =>
      assert.ok(Math.abs(g[j] - v) <= 1e-5 * scale, `∇[${j}] is ${g[j]}, the reference ${v}`),
    );
  } finally {
    if (saved === undefined) delete process.env.BATCHLAB_WASM_FMA;
    else process.env.BATCHLAB_WASM_FMA = saved;
  }
});

test("promote_rows and add_promoted_rows: dst = a·x, then dst + b·y, in float64 exactly as JavaScript computes it", () => {
  // The data-parallel engine combines its shares' float32 gradients with these two; its θ must be
  // what (n₁/m)·g₁ + (n₂/m)·g₂ gives in float64, so the check is bit for bit, over rows with a
  // padded stride and a row length that leaves a scalar tail after the SIMD quads.
  const kernels = new KernelInstance();
  const rows = 3,
    cols = 7,
    stride = pad4(cols);
  const x = randomF32(rows * stride, 11),
    y = randomF32(rows * stride, 12);
  const a = 5 / 13,
    b = 8 / 13;
  const xs = kernels.region("x", x.length * 4),
    ys = kernels.region("y", y.length * 4),
    out = kernels.region("out", rows * cols * 8);
  kernels.f32(xs, x.length).set(x);
  kernels.f32(ys, y.length).set(y);
  kernels.k.promote_rows(xs.ptr, stride * 4, out.ptr, cols * 8, rows, cols, a);
  kernels.k.add_promoted_rows(ys.ptr, stride * 4, out.ptr, cols * 8, rows, cols, b);
  const got = kernels.f64(out, rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const want = a * x[r * stride + c] + b * y[r * stride + c];
      assert.equal(got[r * cols + c], want, `row ${r}, column ${c}`);
    }
});
