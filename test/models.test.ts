import { test } from "node:test";
import assert from "node:assert/strict";
import {
  linearRegression,
  logisticRegression,
  softmaxRegression,
  mlp,
  mlpLayout,
  meanGradient,
  meanLoss,
  perExampleGradients,
  accuracy,
  type Model,
} from "../src/models";
import { dataset, gaussianBlobs, linearData, type Dataset } from "../src/data";
import { rng } from "../src/util/rng";

/** Central finite difference of one example's loss: error O(h²) ≈ 1e-10 for h = 1e-5 on smooth losses. */
function numericGradient(
  model: Model,
  theta: Float64Array,
  data: Dataset,
  i: number,
): Float64Array {
  const h = 1e-5;
  const g = new Float64Array(theta.length);
  for (let j = 0; j < theta.length; j++) {
    const t = Float64Array.from(theta);
    t[j] = theta[j] + h;
    const up = model.exampleLoss(t, data, i);
    t[j] = theta[j] - h;
    g[j] = (up - model.exampleLoss(t, data, i)) / (2 * h);
  }
  return g;
}

function randomTheta(model: Model, seed: number, scale = 0.5): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: model.size }, () => scale * r.normal());
}

const regression = linearData({ n: 20, d: 3, seed: 1 }).data;
const binary = (() => {
  const b = gaussianBlobs({ n: 20, classes: 2, d: 3, seed: 2 });
  return b;
})();
const multi = gaussianBlobs({ n: 20, classes: 4, d: 3, seed: 3 });

const cases: Array<[string, Model, Dataset]> = [
  ["linear regression", linearRegression(3), regression],
  ["linear regression without bias", linearRegression(3, { bias: false }), regression],
  ["logistic regression", logisticRegression(3), binary],
  ["softmax regression", softmaxRegression(3, 4), multi],
  // A ReLU net is piecewise smooth; with random weights no pre-activation sits within h of a kink
  // on these examples (checked by the test passing at 1e-6; a kink would give an O(1) error).
  ["MLP 3-5-4-4", mlp([3, 5, 4, 4]), multi],
];

for (const [name, model, data] of cases) {
  test(`${name}: per-example gradients match finite differences`, () => {
    const theta = randomTheta(model, 11);
    const g = new Float64Array(model.size);
    for (const i of [0, 7, 19]) {
      model.exampleGradient(theta, data, i, g);
      const num = numericGradient(model, theta, data, i);
      for (let j = 0; j < g.length; j++) {
        // absolute 1e-6: the finite-difference error (~1e-10) plus rounding of the loss (~1e-16/h) is far below it
        assert.ok(
          Math.abs(g[j] - num[j]) < 1e-6,
          `θ[${j}] of example ${i}: analytic ${g[j]} vs numeric ${num[j]}`,
        );
      }
    }
  });

  test(`${name}: the batch-mean gradient is the mean of the per-example gradients`, () => {
    const theta = randomTheta(model, 12);
    const batch = [3, 1, 4, 1, 5, 9, 2, 6];
    const rows = perExampleGradients(model, theta, data, batch);
    const mean = meanGradient(model, theta, data, batch);
    for (let j = 0; j < model.size; j++) {
      let s = 0;
      for (let k = 0; k < batch.length; k++) s += rows[k * model.size + j];
      assert.ok(Math.abs(mean[j] - s / batch.length) < 1e-12, `θ[${j}]`);
    }
  });
}

test("losses have their closed forms at θ = 0", () => {
  // linear: ½ mean y²; logistic: log 2; softmax with K classes: log K
  const y2 = regression.y.reduce((s, v) => s + v * v, 0) / regression.n;
  assert.ok(
    Math.abs(meanLoss(linearRegression(3), new Float64Array(4), regression) - 0.5 * y2) < 1e-12,
  );
  assert.ok(
    Math.abs(meanLoss(logisticRegression(3), new Float64Array(4), binary) - Math.log(2)) < 1e-12,
  );
  assert.ok(
    Math.abs(meanLoss(softmaxRegression(3, 4), new Float64Array(16), multi) - Math.log(4)) < 1e-12,
  );
});

test("logistic loss stays finite for huge logits", () => {
  const data = dataset([[1000], [-1000]], [0, 1]);
  const model = logisticRegression(1, { bias: false });
  const loss = meanLoss(model, Float64Array.of(1), data);
  assert.ok(Number.isFinite(loss));
  assert.ok(Math.abs(loss - 1000) < 1e-9); // each example's loss is ≈ |z| = 1000
});

test("accuracy counts correct predictions", () => {
  const data = dataset([[1], [-1], [2]], [1, 0, 0]);
  const model = logisticRegression(1, { bias: false });
  assert.equal(accuracy(model, Float64Array.of(1), data), 2 / 3);
});

test("a model rejects parameters or data of the wrong shape", () => {
  const model = softmaxRegression(3, 4);
  assert.throws(
    () => meanLoss(model, new Float64Array(5), multi),
    /theta.length must be 16 for model softmax regression/,
  );
  assert.throws(
    () => meanLoss(linearRegression(2), new Float64Array(3), regression),
    /data.d must be 2 features/,
  );
  assert.throws(
    () => meanGradient(model, new Float64Array(16), multi, []),
    /batch must be a non-empty list/,
  );
  assert.throws(() => mlp([3, 4]), /widths must be \[inputs, hidden…, classes\]/);
  assert.throws(() => mlp([3, 0, 2]), /widths\[1\] must be a positive integer, got 0/);
});

test("mlpLayout: W then b per layer, back to back, and the total is the model's size", () => {
  const { layers, size } = mlpLayout([3, 5, 2]);
  assert.deepEqual(layers, [
    { inputs: 3, outputs: 5, w: 0, b: 15 },
    { inputs: 5, outputs: 2, w: 20, b: 30 },
  ]);
  assert.equal(size, 32);
  assert.equal(mlp([3, 5, 2]).size, size);
  assert.throws(() => mlpLayout([3, 4]), /widths must be \[inputs, hidden…, classes\]/);
});
