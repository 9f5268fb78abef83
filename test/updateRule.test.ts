import { test } from "node:test";
import assert from "node:assert/strict";
import { correlatedPair, dataset } from "../src/data/index";
import { linearRegression, meanGradient, meanLoss, softmaxRegression } from "../src/models/index";
import { gaussianBlobs } from "../src/data/index";
import { train } from "../src/update/index";
import { leastSquares } from "../src/util/linalg";
import { rng } from "../src/util/rng";
import {
  batchSizeSliderFigure,
  lossCurvesFigure,
  lossSurface,
  pathRun,
  trajectoryFigure,
  updateRuleFigure,
  type PathRun,
} from "../src/plots/updateRule";

// The chapter 1 set-up: a 2-D ill-conditioned bowl (ρ = 0.9, condition number 19), same start,
// same η, same number of examples seen (20 epochs) for every batch size.
const N = 256;
const problem = correlatedPair({ n: N, rho: 0.9, seed: 3 });
const model = linearRegression(2, { bias: false });
const start = Float64Array.of(-1.5, 2.5);
const runFor = (m: number): PathRun =>
  pathRun(
    m,
    train(model, problem.data, {
      batchSize: m,
      lr: 0.1,
      epochs: 20,
      init: start,
      seed: 1,
      evalEvery: 1,
      keepTrajectory: true,
    }),
  );

test("lossSurface evaluates the mean loss on the grid", () => {
  // x = (1, 0), (0, 1), y = 1, 2: L(a, b) = ¼[(a − 1)² + (b − 2)²]
  const data = dataset(
    [
      [1, 0],
      [0, 1],
    ],
    [1, 2],
  );
  const s = lossSurface(linearRegression(2, { bias: false }), data, {
    x: [0, 2],
    y: [0, 4],
    resolution: 3,
  });
  assert.deepEqual(s.x, [0, 1, 2]);
  assert.deepEqual(s.y, [0, 2, 4]);
  assert.equal(s.z[1][1], 0, "minimum at (1, 2)");
  assert.equal(s.z[0][0], 0.25 * (1 + 4));
  assert.equal(s.z[2][0], 0.25 * (1 + 4), "row = y index, column = x index");
  assert.equal(s.min, 0);
  assert.throws(
    () => lossSurface(softmaxRegression(2, 2), data, { x: [0, 1], y: [0, 1] }),
    /model.size must be 2/,
  );
  assert.throws(
    () => lossSurface(linearRegression(2, { bias: false }), data, { x: [1, 0], y: [0, 1] }),
    /x must be an interval/,
  );
});

test("same examples seen, same η: small batches make more progress per example, large ones follow GD", () => {
  const runs = [1, 8, 64, N].map(runFor);
  assert.deepEqual(
    runs.map((r) => r.steps[r.steps.length - 1]),
    [20 * N, (20 * N) / 8, (20 * N) / 64, 20],
    "updates = examples / m",
  );
  const floor = meanLoss(model, leastSquares(problem.data, { bias: false }), problem.data);
  const gap = runs.map((r) => r.losses[r.losses.length - 1] - floor);
  // measured: 0.0042, 0.0007, 0.115, 0.413 above the minimum 0.120
  assert.ok(gap[1] < gap[2] && gap[2] < gap[3], `m = 8 < 64 < N after 20 epochs: ${gap}`);
  assert.ok(gap[3] > 50 * gap[1], "full-batch GD is far behind in the flat direction");
  // the price of m = 1: its last-epoch iterates scatter around the minimum far more than m = 8's
  const spread = (r: PathRun) => {
    const last = r.points.slice(-r.points.length / 20);
    const mean = [0, 1].map((j) => last.reduce((a, t) => a + t[j], 0) / last.length);
    return (
      last.reduce((a, t) => a + (t[0] - mean[0]) ** 2 + (t[1] - mean[1]) ** 2, 0) / last.length
    );
  };
  assert.ok(
    spread(runs[0]) > 4 * spread(runs[1]),
    `spread m = 1: ${spread(runs[0])}, m = 8: ${spread(runs[1])}`,
  );
});

test("K workers averaging their shares reproduce the batch-mean gradient to rounding", () => {
  const data = gaussianBlobs({ n: 512, classes: 3, d: 5, seed: 4 });
  const sm = softmaxRegression(5, 3);
  const random = rng(8);
  const theta = Float64Array.from({ length: sm.size }, () => random.normal());
  const batch = Array.from({ length: 64 }, (_, k) => (k * 7) % 512);
  const full = meanGradient(sm, theta, data, batch);
  for (const K of [2, 4, 8]) {
    const share = batch.length / K;
    const combined = new Float64Array(sm.size);
    for (let k = 0; k < K; k++) {
      const g = meanGradient(sm, theta, data, batch.slice(k * share, (k + 1) * share));
      for (let j = 0; j < g.length; j++) combined[j] += g[j] / K;
    }
    const err = Math.max(...combined.map((v, j) => Math.abs(v - full[j])));
    assert.ok(err < 1e-14, `K = ${K}: max difference ${err}`);
  }
});

test("trajectory, loss and lecture figures carry the runs' data", () => {
  const surface = lossSurface(model, problem.data, { x: [-2, 3], y: [-1, 3], resolution: 21 });
  const runs = [8, N].map(runFor);
  const fig = trajectoryFigure(surface, runs, { optimum: [1.5, 0.5] });
  const types = fig.data.map((t) => t.type);
  assert.deepEqual(types, ["contour", "scatter", "scatter", "scatter", "scatter"]);
  assert.equal(fig.data[1].name, "m = 8");
  assert.equal((fig.data[1].x as number[]).length, runs[0].points.length);
  assert.equal(
    (fig.layout!.yaxis as { scaleanchor: string }).scaleanchor,
    "x",
    "equal units on both axes",
  );
  // contour levels are log(L − L_min): the lowest grid value maps to the bottom of the scale
  const z = fig.data[0].z as number[][];
  assert.ok(Math.min(...z.flat()) < Math.max(...z.flat()) - 3, "several decades of loss");

  const curves = lossCurvesFigure(runs);
  assert.equal((curves.layout!.xaxis as { type: string }).type, "log");
  assert.ok(
    (curves.data[0].x as number[]).every((s) => s > 0),
    "step 0 cannot sit on a log axis",
  );
  const epochs = lossCurvesFigure(runs, { x: "epoch", n: N });
  assert.equal(Math.max(...(epochs.data[1].x as number[])), 20);
  assert.throws(() => lossCurvesFigure(runs, { x: "epoch" }), /n must be given/);

  const both = updateRuleFigure(surface, runs, { floor: 0.12 });
  assert.ok(
    both.data.some((t) => t.xaxis === "x2" && t.name === "m = 8"),
    "loss curves on the right panel",
  );
  assert.deepEqual((both.layout!.xaxis2 as { domain: number[] }).domain, [0.56, 1]);
});

test("the slider shows one path per batch size and toggles visibility without frames", () => {
  const surface = lossSurface(model, problem.data, { x: [-2, 3], y: [-1, 3], resolution: 11 });
  const runs = [1, 8, 64].map(runFor);
  const fig = batchSizeSliderFigure(surface, runs, { optimum: [1.5, 0.5], active: 1 });
  const fixed = fig.data.length - runs.length;
  assert.equal(fixed, 3, "contour, start, minimum");
  assert.deepEqual(
    fig.data.slice(fixed).map((t) => t.visible),
    [false, true, false],
  );
  const slider = (
    fig.layout!.sliders as {
      steps: { label: string; method: string; args: [{ visible: boolean[] }, unknown] }[];
      active: number;
    }[]
  )[0];
  assert.equal(slider.active, 1);
  assert.deepEqual(
    slider.steps.map((s) => s.label),
    ["1", "8", "64"],
  );
  slider.steps.forEach((s, k) => {
    assert.equal(s.method, "update");
    assert.deepEqual(s.args[0].visible, [true, true, true, ...runs.map((_, j) => j === k)]);
  });
  assert.ok(
    !("frames" in fig),
    "no frames: the figure works wherever plotly.js draws data and layout",
  );
  assert.throws(
    () => batchSizeSliderFigure(surface, runs, { active: 3 }),
    /active must be an index into runs \(0..2\), got 3/,
  );
});
