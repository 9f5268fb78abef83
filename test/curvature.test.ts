import { test } from "node:test";
import assert from "node:assert/strict";
import {
  alphaGrid,
  denseMatrix,
  epsilonSharpness,
  hessianOperator,
  hessianVectorProduct,
  interpolate,
  interpolationCurve,
  logisticRegressionHessian,
  matrixOperator,
  mlpHessianVectorProduct,
  powerIteration,
  sharpnessBox,
  symmetricEigenvalues,
} from "../src/curvature/index";
import { dataset, gaussianBlobs, linearData, type Dataset } from "../src/data/index";
import { linearRegression, logisticRegression, meanLoss, mlp } from "../src/models/index";
import { leastSquares, rng } from "../src/util/index";

/** Binary labels on features of unequal scales, so the Hessian has well separated eigenvalues. */
function logisticProblem(n = 200, d = 4, seed = 1): Dataset {
  const random = rng(seed);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let j = 0; j < d; j++) {
      x[i * d + j] = random.normal() * (1 + j);
      z += x[i * d + j] * (j % 2 === 0 ? 0.7 : -0.4);
    }
    y[i] = random.next() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
  }
  return dataset(x, y, { d, classes: 2 });
}

function randomVector(p: number, seed: number): Float64Array {
  const random = rng(seed);
  return Float64Array.from({ length: p }, () => random.normal());
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  return maxAbsDiff(a, new Float64Array(a.length));
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

test("finite-difference H·v of logistic regression matches the closed-form Hessian", () => {
  const data = logisticProblem();
  const model = logisticRegression(4);
  const theta = Float64Array.of(0.3, -0.2, 0.1, 0.05, -0.4);
  const H = logisticRegressionHessian(theta, data);
  for (const seed of [1, 2, 3]) {
    const v = randomVector(5, seed);
    const exact = matrixOperator(H, 5).apply(v);
    const approx = hessianVectorProduct(model, theta, data, v);
    // Central differences err by O(h²·|∇³L|) ≈ 1e-8 at h = 1e-4, and by rounding ≈ 1e-16·|∇L|/h ≈ 1e-12.
    assert.ok(
      maxAbsDiff(approx, exact) <= 1e-6 * maxAbs(exact),
      `seed ${seed}: ${maxAbsDiff(approx, exact)}`,
    );
  }
});

test("the dense finite-difference Hessian equals the closed form entry by entry, and H·v is linear in v", () => {
  const data = logisticProblem(120, 3, 7);
  const model = logisticRegression(3);
  const theta = Float64Array.of(-0.5, 0.2, 0.8, 0.1);
  const op = hessianOperator(model, theta, data);
  const dense = denseMatrix(op);
  const H = logisticRegressionHessian(theta, data);
  assert.ok(maxAbsDiff(dense, H) <= 1e-6 * maxAbs(H));
  // The step is taken along v/|v|, so scaling v scales the product exactly (up to rounding).
  const v = randomVector(4, 9);
  const hv = op.apply(v);
  const h3v = op.apply(v.map((x) => 3 * x));
  assert.ok(
    maxAbsDiff(
      h3v,
      hv.map((x) => 3 * x),
    ) <=
      1e-10 * maxAbs(h3v),
  );
  assert.deepEqual(Array.from(op.apply(new Float64Array(4))), [0, 0, 0, 0]);
});

test("the finite difference is exact (to rounding) for linear regression, whose Hessian is XᵀX/n", () => {
  const { data } = linearData({ n: 50, d: 3, seed: 4 });
  const model = linearRegression(3, { bias: false });
  const theta = Float64Array.of(1, -2, 0.5);
  const dense = denseMatrix(hessianOperator(model, theta, data, { step: 0.5 })); // any step: the gradient is linear
  const xtx = new Float64Array(9);
  for (let i = 0; i < data.n; i++)
    for (let r = 0; r < 3; r++)
      for (let c = 0; c < 3; c++)
        xtx[r * 3 + c] += (data.x[i * 3 + r] * data.x[i * 3 + c]) / data.n;
  assert.ok(maxAbsDiff(dense, xtx) <= 1e-12 * maxAbs(xtx));
});

test("the exact MLP product matches a small-step finite difference and is symmetric", () => {
  const data = gaussianBlobs({ n: 20, classes: 3, d: 3, seed: 2 });
  const widths = [3, 5, 4, 3]; // two hidden layers, so the R-operator's pass through a hidden W is exercised
  const model = mlp(widths);
  const theta = model.init(rng(3));
  const exact = hessianOperator(model, theta, data, { exact: mlpHessianVectorProduct(widths) });
  // A 1e-6 step moves each pre-activation by ~1e-6, so no ReLU kink is crossed on these 20
  // examples; FD error is then ≈ 1e-16/1e-6 = 1e-10 from rounding.
  const fd = hessianOperator(model, theta, data, { step: 1e-6 });
  const He = denseMatrix(exact);
  const Hf = denseMatrix(fd);
  assert.ok(maxAbs(He) > 0.01, "the Hessian should not be trivially zero");
  assert.ok(maxAbsDiff(He, Hf) <= 1e-6 * maxAbs(He), `max difference ${maxAbsDiff(He, Hf)}`);
  const u = randomVector(model.size, 5);
  const v = randomVector(model.size, 6);
  const uHv = dot(u, exact.apply(v));
  const vHu = dot(v, exact.apply(u));
  assert.ok(Math.abs(uHv - vHu) <= 1e-12 * Math.abs(uHv), `${uHv} vs ${vHu}`);
});

test("Jacobi eigenvalues recover a spectrum hidden by a rotation", () => {
  const spectrum = [5, 2, -1, 0.5];
  const n = 4;
  // Q from Gram–Schmidt on random vectors; A = Q·diag·Qᵀ.
  const random = rng(11);
  const Q: number[][] = [];
  for (let k = 0; k < n; k++) {
    const q = Array.from({ length: n }, () => random.normal());
    for (const prev of Q) {
      const c = dot(q, prev);
      for (let j = 0; j < n; j++) q[j] -= c * prev[j];
    }
    const norm = Math.sqrt(dot(q, q));
    Q.push(q.map((x) => x / norm));
  }
  const A = new Float64Array(n * n);
  for (let r = 0; r < n; r++)
    for (let c = 0; c < n; c++)
      for (let k = 0; k < n; k++) A[r * n + c] += Q[k][r] * spectrum[k] * Q[k][c];
  const values = symmetricEigenvalues(A, n);
  const expected = [5, 2, 0.5, -1];
  values.forEach((v, k) => assert.ok(Math.abs(v - expected[k]) < 1e-12, `eigenvalue ${k}: ${v}`));
  assert.throws(() => symmetricEigenvalues([1, 2, 3, 4], 2), /symmetric/);
});

test("power iteration on finite-difference products finds the closed-form Hessian's top eigenvalue", () => {
  const data = logisticProblem();
  const model = logisticRegression(4);
  const theta = Float64Array.of(0.3, -0.2, 0.1, 0.05, -0.4);
  const exact = symmetricEigenvalues(logisticRegressionHessian(theta, data), 5);
  const result = powerIteration(hessianOperator(model, theta, data), {
    tolerance: 1e-10,
    maxIterations: 500,
  });
  assert.ok(result.converged);
  // Feature scales 1..4 give λ₂/λ₁ well below 1, so 1e-10 relative change means ≈ 1e-9 accuracy;
  // the finite-difference products add ≈ 1e-8.
  assert.ok(Math.abs(result.value - exact[0]) <= 1e-6 * exact[0], `${result.value} vs ${exact[0]}`);
  assert.ok(result.residual < 1e-3);
  assert.equal(result.history.length, result.iterations);
});

test("power iteration returns the eigenvalue of largest magnitude, with its sign", () => {
  const A = Float64Array.of(1, 0, 0, 0, -3, 0, 0, 0, 2);
  const result = powerIteration(matrixOperator(A, 3), { tolerance: 1e-12, maxIterations: 1000 });
  assert.ok(Math.abs(result.value + 3) < 1e-9, `${result.value}`);
  assert.ok(Math.abs(Math.abs(result.vector[1]) - 1) < 1e-6);
  assert.throws(() => powerIteration(matrixOperator(A, 3), { start: [0, 0, 0] }), /non-zero/);
});

/** φ by brute force: a convex quadratic loss attains its maximum over the box at one of its corners. */
function cornerPhi(
  model: ReturnType<typeof linearRegression>,
  theta: Float64Array,
  data: Dataset,
  epsilon: number,
): number {
  const f0 = meanLoss(model, theta, data);
  const box = sharpnessBox(theta, epsilon);
  let best = -Infinity;
  for (let corner = 0; corner < 2 ** theta.length; corner++) {
    const point = theta.map((t, j) => t + ((corner >> j) & 1 ? box[j] : -box[j]));
    best = Math.max(best, meanLoss(model, point, data));
  }
  return (100 * (best - f0)) / (1 + f0);
}

test("ε-sharpness equals the brute-force maximum over the box where the gradient points at the best corner", () => {
  const { data } = linearData({ n: 80, d: 2, seed: 3 });
  const model = linearRegression(2);
  // Away from the minimum the linear term dominates inside a 1e-3 box, so the corner b·sign(∇f) is the maximum.
  const theta = leastSquares(data).map((t) => t + 0.3);
  const result = epsilonSharpness(model, theta, data, { epsilon: 1e-3 });
  const exact = cornerPhi(model, theta, data, 1e-3);
  assert.ok(Math.abs(result.phi - exact) <= 1e-9 * exact, `${result.phi} vs ${exact}`);
  assert.ok(result.maxLoss > result.loss);
  assert.throws(() => epsilonSharpness(model, theta, data, { epsilon: -1 }), /epsilon/);
});

test("ε-sharpness at a minimum: a lower bound on the true maximum that grows as ε²", () => {
  const { data } = linearData({ n: 80, d: 2, seed: 3 });
  const model = linearRegression(2);
  const theta = leastSquares(data);
  const result = epsilonSharpness(model, theta, data, { epsilon: 1e-3 });
  // At the minimum ∇f = 0 and ascent only finds a corner that is a local maximum, as L-BFGS-B
  // would: never above the true maximum, and positive.
  assert.ok(result.phi > 0);
  assert.ok(result.phi <= cornerPhi(model, theta, data, 1e-3) * (1 + 1e-9));
  // f rises quadratically from a minimum and the box scales with ε: doubling ε quadruples φ
  // (up to the 1 + f normalisation, which does not change here), as long as the same corner wins.
  const doubled = epsilonSharpness(model, theta, data, { epsilon: 2e-3 });
  assert.ok(Math.abs(doubled.phi / result.phi - 4) < 1e-3, `${doubled.phi / result.phi}`);
});

test("interpolation: endpoints are the two models' own losses, and the loss is quadratic in α for linear regression", () => {
  const { data } = linearData({ n: 60, d: 3, seed: 5 });
  const model = linearRegression(3);
  const a = Float64Array.of(1, 0, -1, 0.5);
  const b = Float64Array.of(-0.5, 2, 0.3, 0);
  assert.deepEqual(Array.from(interpolate(a, b, 0)), Array.from(a));
  assert.deepEqual(Array.from(interpolate(a, b, 1)), Array.from(b));
  const alphas = alphaGrid(7);
  assert.deepEqual(alphas, [-1, -0.5, 0, 0.5, 1, 1.5, 2]);
  const rows = interpolationCurve(model, a, b, alphas, { train: data });
  assert.equal(rows.length, 7);
  assert.equal(rows[2].loss, meanLoss(model, a, data));
  assert.equal(rows[4].loss, meanLoss(model, b, data));
  assert.equal(rows[0].accuracy, undefined, "no accuracy for regression data");
  // Third differences of a quadratic vanish.
  const l = rows.map((r) => r.loss);
  for (let k = 0; k + 3 < l.length; k++) {
    const third = l[k + 3] - 3 * l[k + 2] + 3 * l[k + 1] - l[k];
    assert.ok(Math.abs(third) < 1e-9 * Math.max(...l), `third difference ${third}`);
  }
});

test("interpolation on classification data reports accuracy per set", () => {
  const all = gaussianBlobs({ n: 60, classes: 3, d: 2, seed: 1 });
  const model = mlp([2, 4, 3]);
  const a = model.init(rng(1));
  const b = model.init(rng(2));
  const rows = interpolationCurve(model, a, b, [0, 1], { train: all, test: all });
  assert.deepEqual(
    rows.map((r) => r.set),
    ["train", "test", "train", "test"],
  );
  for (const r of rows) assert.ok(r.accuracy !== undefined && r.accuracy >= 0 && r.accuracy <= 1);
  assert.throws(() => interpolationCurve(model, a, b, [], { train: all }), /alphas/);
});
