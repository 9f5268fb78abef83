import { test } from "node:test";
import assert from "node:assert/strict";
import {
  denseMatrix,
  hessianOperator,
  mlpHessianVectorProduct,
  powerIteration,
  rescaleHiddenLayer,
  symmetricEigenvalues,
} from "../src/curvature/index";
import { gaussianBlobs, linearData, trainTestSplit } from "../src/data/index";
import { grade, getSolution, todo } from "../src/exercises/check";
import {
  gradePhi,
  gradeSqrtRule,
  gradeTopEigenvalue,
  gradeUpdates,
} from "../src/exercises/generalization";
import {
  accuracyStandardError,
  evaluateSolution,
  lrRuleGrid,
  measureSharpness,
  compareMeans,
  noiseScale,
  ranks,
  runFixedEpochs,
  runToEqualLoss,
  spearman,
  summarizeBy,
  summarizeSeeds,
  trainToLoss,
} from "../src/generalization/index";
import { scaledLearningRate, type LrRule } from "../src/learningRate/index";
import { linearRegression, meanLoss, mlp, softmaxRegression } from "../src/models/index";
import {
  accuracyByRuleFigure,
  accuracyVsStepsFigure,
  budgetComparisonFigure,
  gapVsNoiseScaleFigure,
  interpolationFigure,
  sharpnessFigure,
  sharpnessVsGapFigure,
} from "../src/plots/generalization";
import { train } from "../src/update/index";
import { rng } from "../src/util/index";

test("learning-rate rules: same, linear and square root from a reference batch size", () => {
  const base = { lr: 0.05, batchSize: 32 };
  assert.equal(scaledLearningRate("same", base, 512), 0.05);
  assert.equal(scaledLearningRate("linear", base, 512), 0.8);
  assert.ok(Math.abs(scaledLearningRate("sqrt", base, 512) - 0.2) < 1e-15);
  assert.equal(scaledLearningRate("sqrt", base, 32), 0.05);
  assert.throws(() => scaledLearningRate("cubic" as LrRule, base, 8), /rule must be one of/);
  assert.throws(() => scaledLearningRate("same", base, 0), /m must be a positive integer/);
  assert.equal(noiseScale(0.1, 50, 5000), 0.1 * 99);
  assert.equal(noiseScale(0.1, 5000, 5000), 0, "full-batch gradient descent has no sampling noise");
});

test("seed summaries, the test-set standard error and Spearman's rank correlation", () => {
  const s = summarizeSeeds([1, 2, 3, 4]);
  assert.equal(s.mean, 2.5);
  assert.ok(Math.abs(s.sd - Math.sqrt(5 / 3)) < 1e-12);
  assert.ok(Math.abs(s.se - Math.sqrt(5 / 3) / 2) < 1e-12);
  assert.deepEqual([s.min, s.max, s.n], [1, 4, 4]);
  assert.equal(summarizeSeeds([7]).sd, 0);
  // The figure the chapter quotes: 94 % on 5,000 test digits is known to ±0.34 points.
  assert.ok(Math.abs(accuracyStandardError(0.94, 5000) - 0.00336) < 1e-5);
  assert.deepEqual(Array.from(ranks([10, 30, 20, 20])), [1, 4, 2.5, 2.5]);
  assert.equal(spearman([1, 2, 3, 4], [1, 8, 27, 64]), 1, "any increasing relation has ρ = 1");
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // With ties: x ranks 1, 2, 3.5, 3.5 against y ranks 1..4 gives ρ = 4.5/√(4.5·5).
  assert.ok(Math.abs(spearman([1, 2, 3, 3], [1, 2, 3, 4]) - 4.5 / Math.sqrt(22.5)) < 1e-12);
  assert.throws(() => spearman([1, 1, 1], [1, 2, 3]), /at least two distinct values/);
});

test("trainToLoss without momentum and with a single check is exactly train() with the same seed", () => {
  const { data } = linearData({ n: 64, d: 3, seed: 2 });
  const model = linearRegression(3);
  const reference = train(model, data, { batchSize: 8, lr: 0.05, steps: 40, seed: 3 });
  const run = trainToLoss(model, data, {
    batchSize: 8,
    lr: 0.05,
    target: 0,
    maxSteps: 40,
    checkEvery: 40,
    seed: 3,
  });
  assert.equal(run.status, "not-reached");
  assert.deepEqual(Array.from(run.theta), Array.from(reference.theta));
  const withMomentum = train(model, data, {
    batchSize: 8,
    lr: 0.02,
    steps: 30,
    seed: 1,
    momentum: 0.9,
  });
  const mine = trainToLoss(model, data, {
    batchSize: 8,
    lr: 0.02,
    target: 0,
    maxSteps: 30,
    checkEvery: 30,
    seed: 1,
    momentum: 0.9,
  });
  assert.deepEqual(Array.from(mine.theta), Array.from(withMomentum.theta));
});

test("trainToLoss stops at the first check at or below the target, and reports divergence", () => {
  const { data } = linearData({ n: 200, d: 4, sigma: 0.1, seed: 5 });
  const model = linearRegression(4);
  const target = 0.02; // the noise floor is σ²/2 = 0.005
  const run = trainToLoss(model, data, { batchSize: 20, lr: 0.1, target, maxSteps: 5000, seed: 1 });
  assert.equal(run.status, "reached");
  const last = run.checks[run.checks.length - 1];
  assert.ok(last.loss <= target && run.trainLoss === last.loss);
  assert.ok(
    run.checks.slice(0, -1).every((c) => c.loss > target),
    "no earlier check was already below the target",
  );
  assert.equal(last.step, run.steps);
  assert.equal(run.checks[1].step, Math.ceil(200 / (4 * 20)), "four checks an epoch by default");
  assert.equal(run.examples, run.steps * 20);
  assert.equal(run.epochs, run.examples / 200);
  const blowUp = trainToLoss(model, data, {
    batchSize: 20,
    lr: 50,
    target,
    maxSteps: 1000,
    seed: 1,
  });
  assert.equal(blowUp.status, "diverged");
  assert.ok(blowUp.steps < 1000);
  assert.throws(
    () => trainToLoss(model, data, { batchSize: 500, lr: 0.1, target, maxSteps: 10 }),
    /batchSize/,
  );
});

const blobs = trainTestSplit(
  gaussianBlobs({ n: 400, classes: 3, d: 5, separation: 1.2, seed: 4 }),
  0.5,
  rng(1),
);

test("the rule grid trains each distinct (m, η, seed) once and reports it under every rule", async () => {
  const configs = lrRuleGrid({
    batchSizes: [4, 20, 200],
    rules: ["same", "linear", "sqrt"],
    base: { lr: 0.1, batchSize: 20 },
    seeds: 2,
  });
  assert.equal(configs.length, 18);
  const model = softmaxRegression(5, 3);
  const labels: string[] = [];
  const rows = await runFixedEpochs({ model, train: blobs.train, test: blobs.test }, configs, {
    epochs: 2,
    onRun: (done, total, label) => labels.push(`${done}/${total} ${label}`),
  });
  assert.equal(labels.length, 18);
  assert.equal(labels[17].slice(0, 5), "18/18");
  const atBase = rows.filter((r) => r.m === 20 && r.seed === 0);
  assert.deepEqual(
    atBase.map((r) => r.rule),
    ["same", "linear", "sqrt"],
  );
  assert.ok(
    atBase.every(
      (r) => r.testAccuracy === atBase[0].testAccuracy && r.trainLoss === atBase[0].trainLoss,
    ),
  );
  for (const r of rows) {
    assert.equal(r.steps, 2 * Math.ceil(200 / r.m));
    assert.equal(r.lrOverM, r.lr / r.m);
    assert.ok(Math.abs(r.gap - (r.trainAccuracy - r.testAccuracy)) < 1e-15);
  }
});

test("a fixed epoch budget at the same η leaves the full batch under-trained: fewer updates, higher training loss", async () => {
  const model = softmaxRegression(5, 3);
  const configs = lrRuleGrid({
    batchSizes: [4, 40, 200],
    rules: ["same", "linear"],
    base: { lr: 0.05, batchSize: 4 },
    seeds: 1,
  });
  const rows = await runFixedEpochs({ model, train: blobs.train, test: blobs.test }, configs, {
    epochs: 3,
  });
  const same = rows.filter((r) => r.rule === "same").sort((a, b) => a.m - b.m);
  // 150 updates against 3: the full batch has barely moved from the initial loss log 3 ≈ 1.10,
  // while m = 4 gets close to the optimum; seeds move these losses by a few hundredths.
  assert.ok(
    same[0].trainLoss < same[1].trainLoss && same[1].trainLoss < same[2].trainLoss,
    same.map((r) => r.trainLoss).join(", "),
  );
  assert.ok(same[2].trainLoss - same[0].trainLoss > 0.2);
  // The linear rule makes up for the fewer updates as long as η = 0.05·m/4 stays stable (here up to m = 40).
  const linear40 = rows.find((r) => r.rule === "linear" && r.m === 40);
  assert.ok(linear40 !== undefined && linear40.trainLoss < same[1].trainLoss);
});

test("runToEqualLoss brings every batch size to the target and keeps the solution", async () => {
  const model = softmaxRegression(5, 3);
  const target = 0.8; // the optimum of these overlapping blobs is 0.767
  const runs = await runToEqualLoss(
    { model, train: blobs.train, test: blobs.test },
    [
      { m: 10, lr: 0.05, warmupSteps: 0, seed: 0 },
      { m: 200, lr: 0.5, warmupSteps: 5, seed: 0 },
    ],
    { target, momentum: 0.9, maxEpochs: 200 },
  );
  for (const { row, theta } of runs) {
    assert.equal(row.status, "reached", `m = ${row.m}`);
    assert.ok(row.trainLoss <= target);
    assert.ok(Math.abs(meanLoss(model, theta, blobs.train) - row.trainLoss) < 1e-12);
    assert.deepEqual(
      evaluateSolution(model, theta, blobs.train, blobs.test).testAccuracy,
      row.testAccuracy,
    );
  }
  assert.ok(runs[1].row.steps < runs[0].row.steps, "the full batch needs fewer steps …");
  assert.ok(runs[1].row.epochs > runs[0].row.epochs, "… but more passes over the data");
});

test("measureSharpness with the exact MLP product agrees with the dense Hessian's top eigenvalue", () => {
  const data = gaussianBlobs({ n: 40, classes: 3, d: 4, seed: 3 });
  const widths = [4, 6, 3];
  const model = mlp(widths);
  const theta = train(model, data, { batchSize: 10, lr: 0.2, epochs: 30, seed: 2 }).theta;
  const exact = mlpHessianVectorProduct(widths);
  const top = symmetricEigenvalues(
    denseMatrix(hessianOperator(model, theta, data, { exact })),
    model.size,
  )[0];
  const s = measureSharpness(model, theta, data, { exact, tolerance: 1e-9, maxIterations: 2000 });
  // Power iteration's Rayleigh quotient settles to ~1e-9 relative change; allow for a slow λ₂/λ₁.
  assert.ok(Math.abs(s.lambdaMax - top) <= 1e-4 * top, `${s.lambdaMax} vs ${top}`);
  assert.ok(s.phi > 0 && s.epsilon === 1e-3);
});

test("Dinh et al.'s rescaling keeps every loss and changes the top Hessian eigenvalue", () => {
  const data = gaussianBlobs({ n: 50, classes: 3, d: 4, seed: 8 });
  const widths = [4, 8, 3];
  const model = mlp(widths);
  const theta = train(model, data, { batchSize: 10, lr: 0.2, epochs: 20, seed: 5 }).theta;
  const scaled = rescaleHiddenLayer(widths, theta, 1, 4);
  for (let i = 0; i < data.n; i++) {
    const a = model.exampleLoss(theta, data, i);
    const b = model.exampleLoss(scaled, data, i);
    assert.ok(Math.abs(a - b) <= 1e-12 * Math.max(1, a), `example ${i}: ${a} vs ${b}`);
  }
  const exact = mlpHessianVectorProduct(widths);
  const before = powerIteration(hessianOperator(model, theta, data, { exact }), {
    tolerance: 1e-8,
    maxIterations: 1000,
  }).value;
  const after = powerIteration(hessianOperator(model, scaled, data, { exact }), {
    tolerance: 1e-8,
    maxIterations: 1000,
  }).value;
  // Second-layer weights were divided by 4, so curvature along them grows up to 16-fold.
  assert.ok(after > 3 * before, `${before} → ${after}`);
  assert.throws(() => rescaleHiddenLayer(widths, theta, 2, 4), /hidden layer/);
  assert.throws(() => rescaleHiddenLayer(widths, theta, 1, -1), /alpha/);
});

test("exercise graders pass the reference answers and name the usual mistakes", () => {
  assert.equal(grade("sqrt", () => gradeSqrtRule(0.2)).status, "pass");
  assert.match(grade("sqrt", () => gradeSqrtRule(0.8)).message, /linear rule/);
  assert.equal(grade("sqrt", () => gradeSqrtRule(undefined)).status, "todo");
  assert.equal(grade("updates", () => gradeUpdates(100)).status, "pass");
  assert.match(grade("updates", () => gradeUpdates(90)).message, /drops the last/);
  assert.match(grade("updates", () => gradeUpdates((10 * 5000) / 512)).message, /whole steps/);
  assert.equal(grade("phi", () => gradePhi((100 * 0.0055) / 1.004)).status, "pass");
  assert.match(grade("phi", () => gradePhi(0.0055 / 1.004)).message, /percent/);
  assert.match(grade("phi", () => gradePhi((100 * 0.0055) / 0.004)).message, /1 \+ f/);
  const reference = (
    op: { size: number; apply(v: ArrayLike<number>): Float64Array },
    iterations: number,
  ): number => {
    let v: Float64Array = Float64Array.from({ length: op.size }, (_, j) => 1 + j);
    let value = 0;
    for (let k = 0; k < iterations; k++) {
      const norm = Math.hypot(...v);
      v = v.map((x) => x / norm);
      const w = op.apply(v);
      value = v.reduce((s, x, j) => s + x * w[j], 0);
      v = w;
    }
    return value;
  };
  assert.equal(grade("power", () => gradeTopEigenvalue(reference)).status, "pass");
  assert.match(
    grade("power", () =>
      gradeTopEigenvalue(
        (op) => op.apply(new Float64Array(op.size).fill(1)).reduce((s, x) => s + x, 0) * 0 + 1,
      ),
    ).message,
    /below the top eigenvalue/,
  );
  assert.match(grade("power", () => gradeTopEigenvalue(() => 3)).message, /never called op.apply/);
  assert.equal(grade("power", () => gradeTopEigenvalue(() => todo())).status, "todo");
  for (const name of ["sqrt-rule", "updates", "phi", "power-iteration"])
    assert.ok(getSolution(name), `solution ${name}`);
});

// ---------------------------------------------------------------------------------------------

const ruleRows = (["same", "linear"] as LrRule[]).flatMap((rule) =>
  [8, 64].flatMap((m) =>
    [0, 1].map((seed) => ({
      rule,
      m,
      seed,
      steps: 1000 / m,
      lrOverM: 0.1 / m,
      trainAccuracy: 0.9 + seed * 0.01,
      testAccuracy: (rule === "same" ? 0.8 : 0.85) + seed * 0.02 - m / 1000,
    })),
  ),
);

test("accuracy-by-rule figure: two panels, a mean line with error bars and the seeds per rule, values in %", () => {
  const fig = accuracyByRuleFigure(ruleRows);
  assert.equal(fig.data.length, 2 * 2 * 2);
  const testMean = fig.data.find((t) => t.name === "same η" && t.xaxis === "x2");
  assert.ok(testMean);
  assert.deepEqual(testMean.x, [8, 64]);
  assert.ok(Math.abs((testMean.y as number[])[0] - 100 * (0.8 + 0.01 - 0.008)) < 1e-9);
  const sd = (testMean.error_y as { array: number[] }).array[0];
  assert.ok(Math.abs(sd - (100 * 0.02) / Math.SQRT2) < 1e-9);
  const layout = fig.layout as Record<string, { type?: string; title?: { text: string } }>;
  assert.equal(layout.xaxis.type, "log");
  assert.equal(layout.yaxis2.title?.text, "test accuracy (%)");
  assert.throws(() => accuracyByRuleFigure([]), /non-empty/);
});

test("steps, budget, noise-scale, sharpness and interpolation figures show what they claim", () => {
  const steps = accuracyVsStepsFigure(ruleRows);
  assert.equal(steps.data.length, 4);
  assert.equal(steps.data[0].name, "m = 8, same η");
  assert.equal(steps.data[2].name, "m = 8, η ∝ m");
  // One batch size at several epoch budgets: one extra line, mean over seeds at each budget's updates.
  const longer = [10, 40].flatMap((epochs) =>
    [0, 1].map((seed) => ({
      ...ruleRows[4],
      seed,
      epochs,
      steps: epochs * 2,
      testAccuracy: 0.5 + epochs / 100 + seed / 100,
    })),
  );
  const withSame = accuracyVsStepsFigure(ruleRows, { sameBatch: longer });
  const line = withSame.data[withSame.data.length - 1];
  assert.equal(withSame.data.length, 5);
  assert.deepEqual(line.x, [20, 80]);
  assert.ok(Math.abs((line.y as number[])[1] - 100 * (0.5 + 0.4 + 0.005)) < 1e-9);
  assert.throws(
    () => accuracyVsStepsFigure(ruleRows, { sameBatch: [...longer, { ...longer[0], m: 64 }] }),
    /one batch size/,
  );
  const budgets = budgetComparisonFigure(
    ruleRows.map((r) => ({ ...r, budget: r.rule === "same" ? "fixed epochs" : "equal loss" })),
  );
  assert.deepEqual(
    budgets.data.filter((t) => t.showlegend !== false).map((t) => t.name),
    ["fixed epochs", "equal loss"],
  );

  const noise = gapVsNoiseScaleFigure(ruleRows);
  const shortfalls = noise.data.filter((t) => t.xaxis === "x").flatMap((t) => t.y as number[]);
  // The best configuration (linear, m = 8) has mean 85.2 %; its better seed sits 1 point above it.
  assert.ok(Math.abs(Math.min(...shortfalls) + 1) < 1e-9);
  const layout = noise.layout as Record<string, { type?: string }>;
  assert.equal(layout.xaxis.type, "log");

  const sharp = [8, 64].flatMap((m) =>
    [0, 1].map((seed) => ({
      m,
      seed,
      lambdaMax: 1 + m / 64,
      phi: 0.5,
      gap: 0.02,
      budget: "equal loss",
    })),
  );
  const sf = sharpnessFigure(sharp);
  assert.equal(sf.data.length, 4);
  assert.deepEqual(sf.data[1].y, [2, 2]);
  assert.equal((sf.layout as Record<string, { type?: string }>).yaxis.type, "log");
  const gf = sharpnessVsGapFigure(sharp);
  assert.deepEqual(gf.data[0].y, [2, 2]);

  const points = [-1, 0, 1, 2].flatMap((alpha) =>
    ["train", "test"].map((set) => ({ alpha, set, loss: 0.1 + alpha * alpha, accuracy: 0.9 })),
  );
  const inter = interpolationFigure(points, { fromLabel: "m = 16", toLabel: "m = 5000" });
  assert.equal(inter.data.length, 4);
  assert.deepEqual(inter.data[0].x, [-1, 0, 1, 2]);
  assert.deepEqual(inter.data[2].y, [90, 90, 90, 90]);
  assert.equal((inter.layout as { shapes: unknown[] }).shapes.length, 4);
  assert.equal((inter.layout as Record<string, { type?: string }>).yaxis.type, "log");
});

test("summarizeBy groups runs and reports mean and sd per metric; compareMeans gives Welch's standard error", () => {
  const rows = [
    { rule: "same", m: 8, acc: 0.9 },
    { rule: "same", m: 8, acc: 0.92 },
    { rule: "same", m: 64, acc: 0.8 },
  ];
  const table = summarizeBy(rows, ["rule", "m"], { "test %": (r) => 100 * r.acc });
  assert.equal(table.length, 2);
  assert.deepEqual(Object.keys(table[0]), ["rule", "m", "n", "test %", "test % sd"]);
  assert.equal(table[0].n, 2);
  assert.ok(Math.abs((table[0]["test %"] as number) - 91) < 1e-9);
  assert.ok(Math.abs((table[0]["test % sd"] as number) - Math.SQRT2) < 1e-9);
  assert.equal(table[1]["test % sd"], 0);
  const d = compareMeans([1, 2, 3], [0, 0, 0]);
  assert.equal(d.difference, 2);
  assert.ok(Math.abs(d.se - 1 / Math.sqrt(3)) < 1e-12);
});
