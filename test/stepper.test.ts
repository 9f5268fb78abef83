import { before, test } from "node:test";
import { loadKernels } from "../src/engines/wasm/runtime";
import assert from "node:assert/strict";
import type { Dataset } from "../src/data/dataset";
import { wasmMlp } from "../src/engines/wasmMlp";
import { wasmLinear } from "../src/engines/wasmLinear";
import { trainToLoss } from "../src/generalization/trainToLoss";
import type { Model } from "../src/models/model";
import { trainToTarget } from "../src/sweeps/target";
import type { FastModel } from "../src/engines/fastModel";
import { plainStepper, stepperFor, type Stepper, type UpdateRule } from "../src/update/sgd";
import { train, type TrainOptions } from "../src/update/train";
import { rng } from "../src/util/rng";

before(() => loadKernels()); // wabt, which assembles the kernels, loads asynchronously

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

/** The model, counting the steps taken through its own stepper (so a test knows that path ran). */
function counted(model: FastModel): { model: FastModel; steps: () => number } {
  let steps = 0;
  const stepper = (theta: Float64Array, rule: UpdateRule): Stepper => {
    const inner = model.stepper(theta, rule);
    return {
      step: (data, batch, lr) => {
        steps++;
        inner.step(data, batch, lr);
      },
      sync: () => inner.sync(),
    };
  };
  return { model: { ...model, stepper }, steps: () => steps };
}

function assertIdentical(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let j = 0; j < expected.length; j++) {
    if (!Object.is(actual[j], expected[j]))
      assert.fail(`${what}: θ[${j}] is ${actual[j]}, plainStepper gives ${expected[j]}`);
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
  const testData = classification(60, 7, 5, 4);
  for (const rule of rules) {
    const fast = wasmMlp([7, 9, 5]);
    const spy = counted(fast);
    // Evaluations on another dataset between steps use the same engine (and its float32 weights).
    const options: TrainOptions = {
      batchSize: 12,
      lr: (s) => 0.2 / (1 + s / 50),
      steps: 120,
      seed: 4,
      evalEvery: 17,
      testData,
      ...rule,
    };
    const engine = train(spy.model, data, options);
    assert.equal(spy.steps(), 120, "train() stepped through the engine's stepper");
    const plain = train(withoutStepper(fast), data, options);
    assertIdentical(engine.theta, plain.theta, `rule ${JSON.stringify(rule)}`);
    assert.deepEqual(
      engine.history.map((h) => [h.trainLoss, h.testLoss]),
      plain.history.map((h) => [h.trainLoss, h.testLoss]),
    );
    assert.ok(
      engine.theta.some((v, j) => v !== fast.init(rng(4).fork())[j]),
      "training moved θ",
    );
  }
});

test("the linear engine's stepper (float64 gradient path) matches plainStepper bit for bit", () => {
  const base = classification(150, 6, 2, 8);
  for (const rule of rules) {
    const fast = wasmLinear(6, { kind: "logistic" });
    const options: TrainOptions = {
      batchSize: 10,
      lr: 0.5,
      steps: 80,
      seed: 1,
      sampler: "with-replacement",
      ...rule,
    };
    assertIdentical(
      train(fast, base, options).theta,
      train(withoutStepper(fast), base, options).theta,
      `logistic ${JSON.stringify(rule)}`,
    );
  }
});

test("trainToTarget and trainToLoss go through the stepper and stop at the same step as without it", () => {
  const data = classification(160, 6, 3, 5);
  const fast = wasmMlp([6, 8, 3]);
  const sweep = { batchSize: 16, lr: 0.3, maxSteps: 400, target: 0.6, seed: 2 };
  const spyA = counted(fast);
  const a = trainToTarget(spyA.model, data, sweep);
  const b = trainToTarget(withoutStepper(fast), data, sweep);
  assert.equal(a.status, b.status);
  assert.equal(a.stepsRun, b.stepsRun);
  assert.equal(spyA.steps(), a.stepsRun, "trainToTarget stepped through the engine's stepper");
  assertIdentical(a.theta, b.theta, "trainToTarget");
  const toLoss = { batchSize: 16, lr: 0.2, momentum: 0.9, target: 0.5, maxSteps: 300, seed: 3 };
  const spyC = counted(fast);
  const c = trainToLoss(spyC.model, data, toLoss);
  const d = trainToLoss(withoutStepper(fast), data, toLoss);
  assert.equal(c.steps, d.steps);
  assert.equal(spyC.steps(), c.steps, "trainToLoss stepped through the engine's stepper");
  assertIdentical(c.theta, d.theta, "trainToLoss");
});

test("a stepper holds θ until sync(); after it the array is the truth again, edits included", () => {
  const data = classification(50, 4, 2, 1);
  const fast = wasmMlp([4, 3, 2]);
  const rule = { momentum: 0.5, weightDecay: 0 };
  const theta = fast.init(rng(0));
  const reference = Float64Array.from(theta);
  const engine = fast.stepper(theta, rule);
  const plain = plainStepper(withoutStepper(fast), reference, rule);
  const start = Float64Array.from(theta);
  engine.step(data, [0, 1, 2], 0.5);
  plain.step(data, [0, 1, 2], 0.5);
  assertIdentical(theta, start, "before sync()");
  engine.sync();
  assertIdentical(theta, reference, "after sync()");
  theta[3] = reference[3] = 0.25; // an edit between steps, as a user (or a test) might make
  for (const batch of [[3, 4], [5]]) {
    engine.step(data, batch, 0.3);
    plain.step(data, batch, 0.3);
  }
  engine.sync();
  assertIdentical(theta, reference, "the edit was kept, and the velocity carried on");
});

test("steppers of one engine take turns: each gives its own plainStepper's θ, also when nested in onRecord", () => {
  const data = classification(80, 5, 3, 2);
  const fast = wasmMlp([5, 6, 3]);
  const rule = { momentum: 0.9, weightDecay: 1e-3 };
  const [t1, t2] = [fast.init(rng(1)), fast.init(rng(2))];
  const [r1, r2] = [Float64Array.from(t1), Float64Array.from(t2)];
  const [s1, s2] = [fast.stepper(t1, rule), fast.stepper(t2, rule)];
  const [p1, p2] = [
    plainStepper(withoutStepper(fast), r1, rule),
    plainStepper(withoutStepper(fast), r2, rule),
  ];
  for (let k = 0; k < 6; k++) {
    const batch = [k, k + 10, k + 20];
    s1.step(data, batch, 0.1);
    p1.step(data, batch, 0.1);
    if (k % 2 === 0) {
      s2.step(data, batch, 0.2);
      p2.step(data, batch, 0.2);
    }
  }
  s1.sync();
  s2.sync();
  assertIdentical(t1, r1, "first stepper");
  assertIdentical(t2, r2, "second stepper");

  // A run on the same model inside another run's onRecord callback.
  const inner: TrainOptions = { batchSize: 4, lr: 0.1, steps: 5, seed: 9 };
  const outer = (nested: boolean): TrainOptions => ({
    batchSize: 8,
    lr: 0.2,
    steps: 30,
    seed: 3,
    momentum: 0.9,
    evalEvery: 10,
    onRecord: nested ? () => void train(fast, data, inner) : undefined,
  });
  assertIdentical(
    train(fast, data, outer(true)).theta,
    train(fast, data, outer(false)).theta,
    "a nested train() leaves the outer run alone",
  );
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
  assert.throws(
    () => fast.stepper(new Float64Array(3), { momentum: 0, weightDecay: 0 }),
    /theta.length/,
  );
  assert.throws(
    () => fast.stepper(theta, { momentum: 1.5, weightDecay: 0 }),
    /momentum/,
    "the engine checks the rule too",
  );
});
