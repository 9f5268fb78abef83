import { before, test } from "node:test";
import assert from "node:assert/strict";
import type { Dataset } from "../src/data/dataset";
import { KernelInstance, loadKernels } from "../src/engines/wasm/runtime";
import { wasmMlp } from "../src/engines/wasmMlp";
import { wasmLinear } from "../src/engines/wasmLinear";
import { tfjsTrainer } from "../src/engines/tfjsNetwork";
import { loadTfjs } from "../src/backend/tfjs";
import { mlp } from "../src/models/mlp";
import { linearRegression } from "../src/models/linear";
import { logisticRegression } from "../src/models/logistic";
import { meanGradient, meanLoss, type Model } from "../src/models/model";
import { train } from "../src/update/train";
import { rng } from "../src/util/rng";

before(() => loadKernels()); // wabt, which assembles the kernels, loads asynchronously

// Float32 engines against float64 references: a float32 sum of K products carries a relative
// rounding error of order √K·6e-8 (≤ 2e-6 for K = 784), so 2e-5 of the largest entry leaves a 10×
// margin, while a wrong index, transpose or scale shows up as an error of order 1.
const F32_RTOL = 2e-5;

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  what: string,
  rtol = F32_RTOL,
): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const scale = Math.max(maxAbs(expected), 1e-12);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= rtol * scale))
      assert.fail(
        `${what}: entry ${i} is ${actual[i]}, expected ${expected[i]} (error ${err.toExponential(2)} > ${rtol} × ${scale.toExponential(2)})`,
      );
  }
}

function classification(n: number, d: number, classes: number, seed: number): Dataset {
  const r = rng(seed);
  const x = Float64Array.from({ length: n * d }, () => r.normal());
  const y = Float64Array.from({ length: n }, () => r.int(classes));
  return { name: `classes${classes}`, n, d, x, y, classes };
}

function regression(n: number, d: number, seed: number): Dataset {
  const r = rng(seed);
  const x = Float64Array.from({ length: n * d }, () => r.normal());
  const y = Float64Array.from({ length: n }, () => r.normal());
  return { name: "regression", n, d, x, y };
}

function perturbed(model: Model, seed: number): Float64Array {
  const r = rng(seed);
  return model.init(r.fork()).map((v) => v + 0.1 * r.normal());
}

// ---------------------------------------------------------------------------------------------
// The kernels, against naive loops.

function randomF32(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

test("gemm_nt, gemm_tn and gemm_nn match naive products on shapes that are not multiples of the tiles", () => {
  const K = new KernelInstance();
  // C = A·Bᵀ + bias, ReLU; K padded to a multiple of 4 with zeros.
  {
    const M = 7,
      N = 10,
      k = 13,
      kp = 16,
      ldc = 12;
    const a = randomF32(M * kp, 1),
      b = randomF32(N * kp, 2),
      bias = randomF32(N, 3);
    for (let i = 0; i < M; i++) a.fill(0, i * kp + k, (i + 1) * kp);
    for (let j = 0; j < N; j++) b.fill(0, j * kp + k, (j + 1) * kp);
    const [A, B, C, Bi] = [
      K.region("A1", a.length * 4),
      K.region("B1", b.length * 4),
      K.region("C1", M * ldc * 4),
      K.region("bias1", 64),
    ];
    K.f32(A).set(a);
    K.f32(B).set(b);
    K.f32(Bi, N).set(bias);
    K.k.gemm_nt(M, N, kp, A.ptr, kp * 4, B.ptr, kp * 4, C.ptr, ldc * 4, Bi.ptr, 1);
    const want = new Float64Array(M * ldc);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = bias[j];
        for (let q = 0; q < k; q++) s += a[i * kp + q] * b[j * kp + q];
        want[i * ldc + j] = Math.max(0, s);
      }
    assertClose(K.f32(C, M * ldc), want, "gemm_nt with bias and ReLU");
  }
  // C += Aᵀ·B with A(i, k) = a[k·lda + i], K larger than the k-block (128).
  {
    const M = 11,
      N = 20,
      k = 300,
      lda = 16;
    const a = randomF32(k * lda, 4),
      b = randomF32(k * N, 5),
      c0 = randomF32(M * N, 6);
    const [A, B, C] = [
      K.region("A2", a.length * 4),
      K.region("B2", b.length * 4),
      K.region("C2", M * N * 4),
    ];
    K.f32(A).set(a);
    K.f32(B).set(b);
    K.f32(C).set(c0);
    K.k.gemm_tn(M, N, k, A.ptr, lda * 4, B.ptr, N * 4, C.ptr, N * 4, 1);
    const want = new Float64Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = c0[i * N + j];
        for (let q = 0; q < k; q++) s += a[q * lda + i] * b[q * N + j];
        want[i * N + j] = s;
      }
    assertClose(K.f32(C, M * N), want, "gemm_tn, accumulating");
  }
  // C = A·B with A row-major (lda = 12 ≥ K = 10).
  {
    const M = 9,
      N = 12,
      k = 10,
      lda = 12;
    const a = randomF32(M * lda, 7),
      b = randomF32(k * N, 8);
    const [A, B, C] = [
      K.region("A3", a.length * 4),
      K.region("B3", b.length * 4),
      K.region("C3", M * N * 4),
    ];
    K.f32(A).set(a);
    K.f32(B).set(b);
    K.f32(C).fill(99);
    K.k.gemm_nn(M, N, k, A.ptr, lda * 4, B.ptr, N * 4, C.ptr, N * 4, 0);
    const want = new Float64Array(M * N);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let q = 0; q < k; q++) s += a[i * lda + q] * b[q * N + j];
        want[i * N + j] = s;
      }
    assertClose(K.f32(C, M * N), want, "gemm_nn, overwriting");
  }
});

test("the kernels' exp is accurate to a few ulps over the whole range softmax and σ use", () => {
  const K = new KernelInstance();
  const r = rng(12);
  let worst = 0;
  for (let k = 0; k < 20000; k++) {
    const x = k < 10000 ? -700 + 1400 * r.next() : -1 + 2 * r.next();
    worst = Math.max(worst, Math.abs(K.k.exp(x) / Math.exp(x) - 1));
  }
  // Taylor truncation < 1e-17 and Cody–Waite reduction error ~|k|·1e-19: a few ulps (2.2e-16) at most.
  assert.ok(worst < 2e-15, `largest relative error ${worst}`);
  assert.equal(K.k.exp(0), 1);
  assert.equal(K.k.exp(-800), 0);
  assert.equal(K.k.exp(800), Infinity);
});

test("softmax_xent returns Σ loss and writes (softmax − onehot)·scale, also for huge logits", () => {
  const K = new KernelInstance();
  const m = 3,
    classes = 5,
    ld = 8;
  const z = new Float32Array(m * ld);
  z.set([1, 2, 3, 4, 5], 0);
  z.set([0, 0, 0, 0, 0], ld);
  z.set([1000, -1000, 0, 999, 1], 2 * ld); // exp(1000) overflows unless the max is subtracted
  const labels = Int32Array.from([4, 2, 3]);
  const [Z, Y, D] = [K.region("z", z.length * 4), K.region("y", 12), K.region("d", z.length * 4)];
  K.f32(Z).set(z);
  K.i32(Y, 3).set(labels);
  const loss = K.k.softmax_xent(Z.ptr, ld * 4, classes, Y.ptr, m, D.ptr, 0.5);
  let want = 0;
  const dz = K.f32(D, m * ld);
  for (let i = 0; i < m; i++) {
    const row = Array.from(z.subarray(i * ld, i * ld + classes));
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    want += Math.log(sum) + max - row[labels[i]];
    for (let k = 0; k < classes; k++) {
      const expected = 0.5 * (Math.exp(row[k] - max) / sum - (k === labels[i] ? 1 : 0));
      assert.ok(
        Math.abs(dz[i * ld + k] - expected) < 1e-7,
        `dz[${i}][${k}] = ${dz[i * ld + k]}, expected ${expected}`,
      );
    }
  }
  assert.ok(
    Number.isFinite(loss) && Math.abs(loss - want) < 1e-5 * want,
    `loss ${loss}, expected ${want}`,
  );
});

// ---------------------------------------------------------------------------------------------
// Every engine computes the reference's loss and gradient.

test("wasmMlp: same loss and gradient as mlp(), with padded widths and repeated indices", () => {
  for (const widths of [
    [13, 7, 6, 3],
    [784, 128, 10],
  ]) {
    const data = classification(60, widths[0], widths[widths.length - 1], 11);
    const ref = mlp(widths);
    const fast = wasmMlp(widths);
    assert.equal(fast.size, ref.size);
    const theta = perturbed(ref, 2);
    const batch = Int32Array.from([3, 7, 7, 11, 59, 0, 22]);
    const out = new Float64Array(ref.size);
    const loss = fast.lossAndGradient(theta, data, batch, out);
    assertClose(out, meanGradient(ref, theta, data, batch), `∇ for widths ${widths}`);
    assert.ok(
      Math.abs(loss - meanLoss(ref, theta, data, batch)) < 1e-5,
      `loss for widths ${widths}`,
    );
    assert.ok(
      Math.abs(fast.batchLoss(theta, data, batch) - loss) < 1e-12,
      "batchLoss equals the loss of lossAndGradient",
    );
    assert.deepEqual(
      Array.from(fast.init(rng(5))),
      Array.from(ref.init(rng(5))),
      "same initialisation for the same seed",
    );
  }
});

test("wasmLinear: same loss and gradient as linearRegression() and logisticRegression(), with and without bias", () => {
  for (const kind of ["linear", "logistic"] as const) {
    for (const bias of [true, false]) {
      const base = regression(50, 9, 3);
      const data = kind === "logistic" ? { ...base, y: base.y.map((v) => (v > 0 ? 1 : 0)) } : base;
      const ref =
        kind === "linear" ? linearRegression(9, { bias }) : logisticRegression(9, { bias });
      const fast = wasmLinear(9, { kind, bias });
      const r = rng(4);
      const theta = Float64Array.from({ length: ref.size }, () => r.normal());
      const batch = Int32Array.from([1, 5, 5, 9, 49, 33, 0, 12, 13]);
      const out = new Float64Array(ref.size);
      const loss = fast.lossAndGradient(theta, data, batch, out);
      assertClose(out, meanGradient(ref, theta, data, batch), `${kind}, bias ${bias}`);
      assert.ok(
        Math.abs(loss - meanLoss(ref, theta, data, batch)) < 1e-5 * Math.max(1, loss),
        `${kind} loss`,
      );
    }
  }
});

test("tfjs trainers on every loadable backend: same loss and gradient as the references", async () => {
  for (const prefer of ["wasm", "cpu"] as const) {
    const { tf, backend } = await loadTfjs({ prefer });
    const data = classification(40, 13, 3, 6);
    const ref = mlp([13, 7, 3]);
    const trainer = tfjsTrainer(tf, [13, 7, 3], data, { seed: 4 });
    assertClose(trainer.getTheta(), ref.init(rng(4)), `${backend}: initial θ`, 1e-6);
    const theta = perturbed(ref, 8);
    const batch = Int32Array.from([0, 4, 4, 17, 39]);
    const out = new Float64Array(ref.size);
    const loss = trainer.lossAndGradient(theta, batch, out);
    assertClose(out, meanGradient(ref, theta, data, batch), `${backend}: MLP ∇`);
    assert.ok(Math.abs(loss - meanLoss(ref, theta, data, batch)) < 1e-5, `${backend}: MLP loss`);
    trainer.dispose();

    const binary = { ...data, y: data.y.map((v) => (v > 0 ? 1 : 0)), classes: 2 };
    const lref = logisticRegression(13);
    const lt = tfjsTrainer(tf, [13, 1], binary, { output: "logistic" });
    const th = Float64Array.from({ length: 14 }, (_, j) => Math.sin(j));
    const g = new Float64Array(14);
    const ll = lt.lossAndGradient(th, batch, g);
    assertClose(g, meanGradient(lref, th, binary, batch), `${backend}: logistic ∇`);
    assert.ok(Math.abs(ll - meanLoss(lref, th, binary, batch)) < 1e-5, `${backend}: logistic loss`);
    lt.dispose();
  }
});

// ---------------------------------------------------------------------------------------------
// Plugged into training.

test("train() with wasmMlp follows train() with mlp(), and trainFused follows both", () => {
  const data = classification(300, 20, 3, 9);
  const options = { batchSize: 16, lr: 0.1, steps: 200, seed: 5 };
  const ref = train(mlp([20, 16, 3]), data, options);
  const fast = wasmMlp([20, 16, 3]);
  const viaTrain = train(fast, data, options);
  const fused = fast.trainFused(data, options);
  // 200 steps of float32 rounding, each ~1e-7 relative, compound to well under 1e-4.
  assertClose(viaTrain.theta, ref.theta, "train() with the wasm engine", 1e-4);
  assertClose(fused.theta, ref.theta, "the fused loop", 1e-4);
  assert.equal(fused.steps, 200);
  assert.ok(fused.seconds > 0);
});

test("trainFused of the linear engine follows train() of the reference", () => {
  const base = regression(200, 6, 2);
  const data = { ...base, y: base.y.map((v) => (v > 0.3 ? 1 : 0)) };
  const options = {
    batchSize: 8,
    lr: 0.5,
    steps: 300,
    seed: 2,
    sampler: "with-replacement" as const,
  };
  const ref = train(logisticRegression(6), data, options);
  const fused = wasmLinear(6, { kind: "logistic" }).trainFused(data, options);
  assertClose(fused.theta, ref.theta, "logistic, fused", 1e-4);
});

test("batchLoss evaluates batches larger than one chunk", () => {
  const data = classification(5000, 8, 4, 3);
  const ref = mlp([8, 5, 4]);
  const fast = wasmMlp([8, 5, 4]);
  const theta = perturbed(ref, 1);
  const all = Int32Array.from({ length: data.n }, (_, i) => i);
  assert.ok(Math.abs(fast.batchLoss(theta, data, all) - meanLoss(ref, theta, data, all)) < 1e-5);
  assert.equal(
    meanLoss(fast, theta, data, all),
    fast.batchLoss(theta, data, all),
    "meanLoss takes the engine's batch path",
  );
});

test("the dataset cache stays correct when datasets take turns (more of them than cache slots)", () => {
  const sets = [
    classification(30, 6, 3, 1),
    classification(50, 6, 3, 2),
    classification(20, 6, 3, 3),
  ];
  const ref = mlp([6, 4, 3]);
  const fast = wasmMlp([6, 4, 3]);
  const theta = perturbed(ref, 3);
  const out = new Float64Array(ref.size);
  for (const k of [0, 1, 2, 0, 2, 1, 1, 0]) {
    const data = sets[k];
    const batch = Int32Array.from([0, 5, data.n - 1]);
    fast.lossAndGradient(theta, data, batch, out);
    assertClose(out, meanGradient(ref, theta, data, batch), `dataset ${k}`);
  }
});

test("engines reject bad input with messages that name it", () => {
  const data = classification(10, 4, 3, 1);
  const fast = wasmMlp([4, 3, 3]);
  const theta = new Float64Array(fast.size);
  const out = new Float64Array(fast.size);
  assert.throws(
    () => fast.lossAndGradient(theta, data, [0, 10], out),
    /batch\[1\] must be an example index in 0\.\.9, got 10/,
  );
  assert.throws(
    () => fast.lossAndGradient(theta, data, [0, 1.5], out),
    /batch\[1\] must be an example index/,
  );
  assert.throws(() => fast.lossAndGradient(theta, data, [], out), /batch must be a non-empty list/);
  assert.throws(
    () => fast.lossAndGradient(new Float64Array(3), data, [0], out),
    /theta\.length must be/,
  );
  assert.throws(
    () =>
      wasmMlp([5, 3, 3]).lossAndGradient(new Float64Array(wasmMlp([5, 3, 3]).size), data, [0], out),
    /data\.d must be 5 features/,
  );
  assert.throws(
    () =>
      wasmLinear(4, { kind: "logistic" }).lossAndGradient(
        new Float64Array(5),
        data,
        [0],
        new Float64Array(5),
      ),
    /data\.y\[\d\] must be a class index in 0\.\.1 \(logistic regression \(d=4\) outputs 2 classes\)/,
  );
  assert.throws(
    () => wasmLinear(4, { kind: "poisson" as "linear" }),
    /kind must be "linear" or "logistic"/,
  );
});

test("the engine's memory grows by its bytes per example", () => {
  const data = classification(100, 24, 5, 1);
  const sizes = [64, 256];
  const grown = sizes.map((m) => {
    const fast = wasmMlp([24, 16, 5]);
    fast.lossAndGradient(new Float64Array(fast.size), data, [0], new Float64Array(fast.size));
    const before = fast.memory().allocatedBytes;
    fast.lossAndGradient(
      new Float64Array(fast.size),
      data,
      Int32Array.from({ length: m }, (_, k) => k % data.n),
      new Float64Array(fast.size),
    );
    return {
      m,
      bytes: fast.memory().allocatedBytes - before,
      perExample: fast.memory().bytesPerExample,
    };
  });
  const slope = (grown[1].bytes - grown[0].bytes) / (sizes[1] - sizes[0]);
  // Regions are rounded up to 64 bytes, at most 64 bytes per region and m: a few percent here.
  assert.ok(
    Math.abs(slope / grown[0].perExample - 1) < 0.05,
    `slope ${slope} vs ${grown[0].perExample} bytes per example`,
  );
  assert.equal(grown[0].perExample, 4 * (24 + 2 * (16 + 8)) + 8);
});
