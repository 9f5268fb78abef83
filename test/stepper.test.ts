import { test } from "node:test";
import assert from "node:assert/strict";
import type { Dataset } from "../src/data/dataset";
import { wasmMlp } from "../src/engines/wasmMlp";
import { wasmLinear } from "../src/engines/wasmLinear";
import { trainToLoss } from "../src/generalization/trainToLoss";
import type { Model } from "../src/models/model";
import { trainToTarget } from "../src/sweeps/target";
import { plainStepper, stepperFor } from "../src/update/sgd";
import { train, type TrainOptions } from "../src/update/train";
import { rng } from "../src/util/rng";

// An engine's stepper runs train()'s update inside the engine. It must not be "close to" the plain
// loops of sgd.ts: with the same gradient it performs the same float64 operations in the same
// order, so θ must come out identical to the last bit. A test of equality can fail on any
// reordering, fused multiply-add or float32 shortcut in the update.

function classification(n: number, d: number, classes: number, seed: number): Dataset {
  const r = rng(seed);
  const x = Float64Array.from({ length: n * d }, () => r.normal());
  const y = Float64Array.from({ length: n }, () => r.int(classes));
  return { name: `classes${classes}`, n, d, x, y, classes };
}

/** The same model without its stepper: train() then runs plainStepper on the engine's gradient. */
const withoutStepper = (model: Model): Model => ({ ...model, stepper: undefined });

function assertIdentical(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let j = 0; j < expected.length; j++) {
    if (!Object.is(actual[j], expected[j])) assert.fail(`${what}: θ[${j}] is ${actual[j]}, plainStepper gives ${expected[j]}`);
  }
}

const rules: Array<Pick<TrainOptions, "momentum" | "weightDecay">> = [
  { momentum: 0, weightDecay: 0 },
  { momentum: 0.9, weightDecay: 0 },
  { momentum: 0, weightDecay: 1e-3 },
  { momentum: 0.8, weightDecay: 5e-3 },
];

test("train() through the MLP engine's stepper gives θ bit for bit equal to plainStepper, for every rule", () => {
  // Widths that are not multiples of 4 reach the kernels' scalar tails (7 inputs, 5 classes).
  const data = classification(200, 7, 5, 3);
  for (const rule of rules) {
    const fast = wasmMlp([7, 9, 5]);
    const options: TrainOptions = { batchSize: 12, lr: (s) => 0.2 / (1 + s / 50), steps: 120, seed: 4, evalEvery: 17, ...rule };
    const engine = train(fast, data, options);
    const plain = train(withoutStepper(fast), data, options);
    assertIdentical(engine.theta, plain.theta, `rule ${JSON.stringify(rule)}`);
    assert.deepEqual(engine.history.map((h) => h.trainLoss), plain.history.map((h) => h.trainLoss));
    assert.ok(engine.theta.some((v, j) => v !== fast.init(rng(4).fork())[j]), "training moved θ");
  }
});

test("the linear engine's stepper (float64 gradient path) matches plainStepper bit for bit", () => {
  const base = classification(150, 6, 2, 8);
  for (const rule of rules) {
    const fast = wasmLinear(6, { kind: "logistic" });
    const options: TrainOptions = { batchSize: 10, lr: 0.5, steps: 80, seed: 1, sampler: "with-replacement", ...rule };
    assertIdentical(train(fast, base, options).theta, train(withoutStepper(fast), base, options).theta, `logistic ${JSON.stringify(rule)}`);
  }
});

test("trainToTarget and trainToLoss go through the stepper and stop at the same step as without it", () => {
  const data = classification(160, 6, 3, 5);
  const fast = wasmMlp([6, 8, 3]);
  const sweep = { batchSize: 16, lr: 0.3, maxSteps: 400, target: 0.6, seed: 2 };
  const a = trainToTarget(fast, data, sweep);
  const b = trainToTarget(withoutStepper(fast), data, sweep);
  assert.equal(a.status, b.status);
  assert.equal(a.stepsRun, b.stepsRun);
  assertIdentical(a.theta, b.theta, "trainToTarget");
  const toLoss = { batchSize: 16, lr: 0.2, momentum: 0.9, target: 0.5, maxSteps: 300, seed: 3 };
  const c = trainToLoss(fast, data, toLoss);
  const d = trainToLoss(withoutStepper(fast), data, toLoss);
  assert.equal(c.steps, d.steps);
  assertIdentical(c.theta, d.theta, "trainToLoss");
});

test("a stepper holds θ until sync(), and only the newest stepper of an engine may step", () => {
  const data = classification(50, 4, 2, 1);
  const fast = wasmMlp([4, 3, 2]);
  const theta = fast.init(rng(0));
  const start = Float64Array.from(theta);
  const first = fast.stepper(theta, { momentum: 0, weightDecay: 0 });
  first.step(data, [0, 1, 2], 0.5);
  assertIdentical(theta, start, "before sync()");
  first.sync();
  const reference = Float64Array.from(start);
  plainStepper(withoutStepper(fast), reference, { momentum: 0, weightDecay: 0 }).step(data, [0, 1, 2], 0.5);
  assertIdentical(theta, reference, "after sync()");
  fast.stepper(Float64Array.from(start), { momentum: 0, weightDecay: 0 });
  assert.throws(() => first.step(data, [0], 0.5), /replaced by a newer one/);
});

test("stepperFor and the engine's stepper reject bad rules, rates and batches by name", () => {
  const data = classification(20, 4, 2, 1);
  const fast = wasmMlp([4, 3, 2]);
  const theta = fast.init(rng(0));
  assert.throws(() => stepperFor(fast, theta, { momentum: 1, weightDecay: 0 }), /momentum/);
  assert.throws(() => stepperFor(fast, theta, { momentum: 0, weightDecay: -1 }), /weightDecay/);
  const s = stepperFor(fast, theta, { momentum: 0, weightDecay: 0 });
  assert.throws(() => s.step(data, [], 0.1), /batch/);
  assert.throws(() => s.step(data, [0], Number.NaN), /lr/);
  assert.throws(() => s.step(data, [99], 0.1), /batch\[0\]/);
  assert.throws(() => fast.stepper(new Float64Array(3), { momentum: 0, weightDecay: 0 }), /theta.length/);
});
