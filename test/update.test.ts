import { test } from "node:test";
import assert from "node:assert/strict";
import { sgdStep, train } from "../src/update";
import { linearRegression, meanGradient, softmaxRegression } from "../src/models";
import { dataset, gaussianBlobs, linearData } from "../src/data";
import { leastSquares, distance } from "../src/util/linalg";

test("one SGD step equals the hand computation", () => {
  // L = ½(θx − y)², ∇ = (θx − y)x. θ = 1, examples (x, y) = (1, 3) and (2, 0):
  // gradients (1−3)·1 = −2 and (2−0)·2 = 4, mean 1, so θ ← 1 − 0.1·1 = 0.9.
  const data = dataset([[1], [2]], [3, 0]);
  const model = linearRegression(1, { bias: false });
  const grad = (theta: Float64Array, i: number) => {
    const g = new Float64Array(1);
    model.exampleGradient(theta, data, i, g);
    return g;
  };
  const theta = Float64Array.of(1);
  const next = sgdStep(theta, [0, 1], grad, 0.1);
  assert.ok(Math.abs(next[0] - 0.9) < 1e-15);
  assert.equal(theta[0], 1, "sgdStep leaves θ unchanged");
  // the mean, not the sum: duplicating the batch does not change the step
  assert.ok(Math.abs(sgdStep(theta, [0, 1, 0, 1], grad, 0.1)[0] - 0.9) < 1e-15);
});

test("sgdStep rejects bad learning rates and empty batches", () => {
  const grad = () => [0];
  assert.throws(
    () => sgdStep(Float64Array.of(0), [0], grad, 0),
    /lr must be a finite number > 0, got 0/,
  );
  assert.throws(
    () => sgdStep(Float64Array.of(0), [0], grad, NaN),
    /lr must be a finite number > 0, got NaN/,
  );
  assert.throws(() => sgdStep(Float64Array.of(0), [], grad, 0.1), /batch must be a non-empty list/);
  assert.throws(
    () => sgdStep(Float64Array.of(0, 0), [0], grad, 0.1),
    /gradient\(θ, i\).length must be θ.length = 2, got 1/,
  );
});

test("full-batch gradient descent on linear regression reaches the least-squares solution", () => {
  const { data } = linearData({ n: 200, d: 3, sigma: 0.3, seed: 5 });
  const model = linearRegression(3);
  const result = train(model, data, { batchSize: data.n, lr: 0.3, steps: 400 });
  const star = leastSquares(data);
  // GD contracts the error by (1 − η·λ_min) per step; with λ_min ≈ 0.7 here, 400 steps leave < 1e-10
  assert.ok(distance(result.theta, star) < 1e-8, `distance ${distance(result.theta, star)}`);
  // and the gradient vanishes there
  assert.ok(distance(meanGradient(model, star, data)) < 1e-12);
});

test("the same seed gives the identical trajectory; another seed a different one", () => {
  const data = gaussianBlobs({ n: 100, classes: 3, d: 4, seed: 1 });
  const model = softmaxRegression(4, 3);
  const run = (seed: number) =>
    train(model, data, {
      batchSize: 8,
      lr: 0.5,
      steps: 50,
      seed,
      evalEvery: 10,
      keepTrajectory: true,
    });
  const a = run(3),
    b = run(3),
    c = run(4);
  assert.deepEqual(a.trajectory, b.trajectory);
  assert.deepEqual(
    a.history.map((r) => r.trainLoss),
    b.history.map((r) => r.trainLoss),
  );
  assert.notDeepEqual(a.theta, c.theta);
});

test("training records tidy rows and counts examples", () => {
  const data = gaussianBlobs({ n: 100, classes: 3, d: 4, seed: 1 });
  const result = train(softmaxRegression(4, 3), data, {
    batchSize: 30,
    lr: 0.5,
    epochs: 2,
    evalEvery: 1,
  });
  // 2 epochs of 100 with m = 30 and the last batch kept: batches of 30, 30, 30, 10 per epoch
  assert.equal(result.steps, Math.ceil((2 * 100) / 30));
  const last = result.history[result.history.length - 1];
  assert.equal(last.step, result.steps);
  assert.equal(result.history[0].step, 0);
  assert.ok(result.history[0].trainLoss > last.trainLoss, "loss falls");
  assert.deepEqual(
    result.history.slice(1, 5).map((r) => r.examples),
    [30, 60, 90, 100],
  );
});

test("divergence stops the run and is flagged", () => {
  const { data } = linearData({ n: 50, d: 2, seed: 1, scales: [10, 10] });
  const result = train(linearRegression(2), data, {
    batchSize: 10,
    lr: 5,
    steps: 1000,
    evalEvery: 1,
  });
  assert.equal(result.diverged, true);
  assert.ok(result.steps < 1000);
});

test("train rejects bad options naming them", () => {
  const data = gaussianBlobs({ n: 10, classes: 2, d: 2, seed: 1 });
  const model = softmaxRegression(2, 2);
  assert.throws(
    () => train(model, data, { batchSize: 0, lr: 0.1, steps: 1 }),
    /batchSize must be a positive integer, got 0/,
  );
  assert.throws(
    () => train(model, data, { batchSize: 11, lr: 0.1, steps: 1 }),
    /batchSize must be at most the number of examples n = 10, got 11/,
  );
  assert.throws(
    () => train(model, data, { batchSize: 2, lr: -1, steps: 1 }),
    /lr must be a finite number > 0, got -1/,
  );
  assert.throws(
    () => train(model, data, { batchSize: 2, lr: 0.1 }),
    /steps must be given \(or epochs\)/,
  );
  assert.throws(
    () => train(model, data, { batchSize: 2, lr: () => Infinity, steps: 1 }),
    /lr\(0\) must be a finite number > 0, got Infinity/,
  );
  assert.throws(
    () => train(softmaxRegression(3, 2), data, { batchSize: 2, lr: 0.1, steps: 1 }),
    /data.d must be 3 features/,
  );
});
