import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decayVersusGrowth,
  divergenceEdge,
  divergenceTable,
  ewaStartupFactor,
  exponentialAverage,
  IterateAverage,
  largestSafeRatio,
  leastSquaresEdge,
  scheduleComparison,
  train,
  type DivergenceRow,
} from "../src/update";
import {
  batchGrowth,
  cosineDecay,
  epochsToSteps,
  inverseTimeDecay,
  levelAt,
  robbinsMonroSums,
  stepDecay,
  stepsPerEpoch,
  updatesWithBatchSchedule,
} from "../src/learningRate/index";
import { linearRegression, meanLoss } from "../src/models";
import { correlatedPair, linearData } from "../src/data";
import { distance, leastSquares } from "../src/util/linalg";
import { rng } from "../src/util/rng";
import { ewaFigure, scheduleBudgetFigure, stabilityFigure } from "../src/plots";
import ts from "typescript";
import {
  getSolution,
  grade,
  gradeBiasCorrectedEwa,
  gradeGrowthUpdates,
  gradeStabilityEdge,
} from "../src/exercises";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b} (±${tol})`);

test("schedules take the values of their formulas", () => {
  const step = stepDecay(0.4, 10, [100, 150]);
  assert.deepEqual(
    [step(0), step(99), step(100), step(149), step(150), step(10_000)].map(
      (v) => +v.toPrecision(12),
    ),
    [0.4, 0.4, 0.04, 0.04, 0.004, 0.004],
  );
  const inv = inverseTimeDecay(0.3, 50);
  close(inv(0), 0.3, 1e-15, "η(0)");
  close(inv(50), 0.15, 1e-15, "η(τ) = η₀/2");
  close(inv(150), 0.075, 1e-15, "η(3τ) = η₀/4");
  const cos = cosineDecay(1, 100, 0.1);
  close(cos(0), 1, 1e-15, "cosine starts at η₀");
  close(cos(50), 0.55, 1e-12, "cosine is halfway at T/2");
  assert.ok(cos(99) > 0.1 && cos(99) < 0.1003, "the last step is just above η_min");
  assert.ok(
    cosineDecay(1, 100)(99) > 0,
    "η_min = 0 still gives a positive last rate (train() requires η > 0)",
  );
  const grow = batchGrowth(8, 4, [2, 4, 6]);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(grow), [8, 8, 32, 32, 128, 128, 512, 512]);
  assert.equal(levelAt(5, [1, 5, 9]), 2);
  assert.deepEqual(epochsToSteps([2, 4], 1000, 8), [250, 500]);
  assert.deepEqual(epochsToSteps([1], 1000, 64), [16], "⌈1000/64⌉ = 16 steps per epoch");
  assert.throws(
    () => stepDecay(0.1, 10, [5, 5]),
    /boundaries\[1\] must be greater than boundaries\[0\] = 5/,
  );
  assert.throws(() => batchGrowth(8, 1.5, [2]), /factor must be a positive integer/);
  assert.throws(() => inverseTimeDecay(0.1, 0), /tau must be a finite number > 0/);
});

test("Robbins–Monro sums: 1/(1 + t/τ) has Σηₜ = ∞ (grows like ln T) and Σηₜ² < ∞; a constant η has neither property", () => {
  const eta0 = 0.1;
  const tau = 100;
  const schedule = inverseTimeDecay(eta0, tau);
  for (const T of [1e3, 1e4, 1e5]) {
    const { sum, sumOfSquares } = robbinsMonroSums(schedule, T);
    // η is decreasing, so the sum lies between the integrals of η over [0, T] and η₀ + over [0, T − 1]
    const integral = (x: number) => eta0 * tau * Math.log(1 + x / tau);
    assert.ok(
      sum >= integral(T) && sum <= eta0 + integral(T - 1),
      `Σηₜ = ${sum} within its integral bounds at T = ${T}`,
    );
    // Σ η₀²/(1 + t/τ)² < η₀² + η₀²τ = η₀²(1 + τ), whatever T
    assert.ok(sumOfSquares < eta0 * eta0 * (1 + tau), `Σηₜ² = ${sumOfSquares} bounded`);
  }
  const a = robbinsMonroSums(schedule, 1e5).sumOfSquares;
  const b = robbinsMonroSums(schedule, 1e6).sumOfSquares;
  assert.ok(b / a - 1 < 1e-3, "Σηₜ² has converged");
  const constant = robbinsMonroSums(eta0, 1000);
  close(constant.sum, eta0 * 1000, 1e-9, "constant Σηₜ = η·T");
  close(constant.sumOfSquares, eta0 * eta0 * 1000, 1e-9, "constant Σηₜ² = η²·T, unbounded in T");
});

test("EWA: the uncorrected average is low by exactly (1 − βᵗ) on a constant series, and on average on a noisy one", () => {
  const beta = 0.9;
  const constant = new Array(40).fill(3);
  exponentialAverage(constant, beta, { biasCorrection: false }).forEach((v, t) =>
    close(v, 3 * ewaStartupFactor(beta, t + 1), 1e-12, `v_${t + 1}`),
  );
  exponentialAverage(constant, beta).forEach((v, t) => close(v, 3, 1e-12, `corrected v_${t + 1}`));
  // Noisy stationary series, mean μ = 2, sd 1: E[vₜ] = (1 − βᵗ)·μ. Average R independent series; the
  // standard error of the mean vₜ is at most sd·√((1 − β)/(1 + β))/√R (stationary EWA variance), so 4 SE bounds it.
  const R = 4000;
  const T = 30;
  const mu = 2;
  const random = rng(7);
  const mean = new Float64Array(T);
  for (let r = 0; r < R; r++) {
    const series = Array.from({ length: T }, () => mu + random.normal());
    exponentialAverage(series, beta, { biasCorrection: false }).forEach(
      (v, t) => (mean[t] += v / R),
    );
  }
  const se = Math.sqrt((1 - beta) / (1 + beta)) / Math.sqrt(R);
  mean.forEach((v, t) =>
    close(v / mu, ewaStartupFactor(beta, t + 1), (4 * se) / mu, `E[v_${t + 1}]/μ`),
  );
  assert.throws(() => exponentialAverage([1], 1), /beta/);
});

test("IterateAverage: the running mean of the iterates from a given step on", () => {
  const avg = new IterateAverage(2, 3);
  [
    [9, 9],
    [9, 9],
    [1, 2],
    [3, 4],
    [5, 6],
  ].forEach((theta, k) => avg.add(k + 1, theta));
  assert.equal(avg.size, 3);
  assert.deepEqual(Array.from(avg.mean()), [3, 4]);
  assert.throws(() => new IterateAverage(2, 10).mean(), /at least one iterate from step 10 on/);
});

test("train() with a batch schedule: m changes at the epoch boundaries and the updates are counted in advance", () => {
  const { data } = linearData({ n: 100, d: 2, seed: 1 });
  const model = linearRegression(2);
  const sizes: number[] = [];
  let previous = 0;
  const run = train(model, data, {
    batchSize: batchGrowth(3, 4, [1, 2]),
    lr: 0.05,
    epochs: 3,
    seed: 2,
    onStep: (_, __, examples) => {
      sizes.push(examples - previous);
      previous = examples;
    },
  });
  // epoch 0: ⌈100/3⌉ = 34 steps (33 of 3, one of 1); epoch 1: ⌈100/12⌉ = 9; epoch 2: ⌈100/48⌉ = 3
  assert.equal(run.steps, 34 + 9 + 3);
  assert.equal(run.steps, updatesWithBatchSchedule(batchGrowth(3, 4, [1, 2]), 100, 3));
  assert.deepEqual(sizes.slice(32, 36), [3, 1, 12, 12]);
  assert.deepEqual(sizes.slice(-3), [48, 48, 4]);
  assert.equal(previous, 300, "three epochs of examples");
  assert.equal(stepsPerEpoch(100, 48, "drop"), 2);
  // A schedule that never changes m is the constant batch size, bit for bit
  const fixed = train(model, data, { batchSize: 10, lr: 0.05, epochs: 3, seed: 4 });
  const scheduled = train(model, data, { batchSize: () => 10, lr: 0.05, epochs: 3, seed: 4 });
  assert.deepEqual(Array.from(scheduled.theta), Array.from(fixed.theta));
  assert.throws(
    () => train(model, data, { batchSize: () => 10, lr: 0.05, steps: 5 }),
    /batchSize must be used with epochs/,
  );
  assert.throws(
    () => train(model, data, { batchSize: (e) => (e === 0 ? 10 : 1000), lr: 0.05, epochs: 2 }),
    /batchSize\(1\) must be at most the number of examples/,
  );
});

// The bowl of chapter 1: linear regression on two features with correlation 0.9.
function bowl() {
  const { data } = correlatedPair({ n: 256, rho: 0.9, seed: 3 });
  const model = linearRegression(2, { bias: false });
  return {
    data,
    model,
    start: Float64Array.of(-1.5, 2.5),
    optimum: leastSquares(data, { bias: false }),
  };
}

test("decay vs growing batch on the bowl: the same loss curve per epoch (within the seed-to-seed noise), with the predicted fewer updates", () => {
  const { data, model, start, optimum } = bowl();
  const floor = meanLoss(model, optimum, data);
  const result = decayVersusGrowth(model, data, {
    m0: 1,
    eta0: 0.05,
    factor: 4,
    boundaries: [2, 4, 6],
    epochs: 8,
    seeds: Array.from({ length: 16 }, (_, s) => s),
    init: start,
    floor,
  });
  // 2 epochs at m = 1, 4, 16, 64: 512 + 128 + 32 + 8 = 680 updates instead of 8·256 = 2048
  assert.equal(result.updates.decay, 2048);
  assert.equal(result.updates.growth, 680);
  assert.equal(result.updates.growthPredicted, 680);
  // Compared on the excess loss L − L*. The tolerance: a difference of two 16-seed means has √2 less
  // spread than the difference of two 8-seed half-means of one run (seedLogGap); allow twice that
  // gap plus 0.05 for the discretisation (one step of η on km examples is not k steps of η/k when
  // η·λ_max is not small).
  assert.ok(
    result.maxLogGap <= 2 * result.seedLogGap + 0.05,
    `gap ${result.maxLogGap} vs seed gap ${result.seedLogGap}`,
  );
  const end = result.atEpochs[result.atEpochs.length - 1];
  assert.ok(
    Math.abs(Math.log((end.growth - floor) / (end.decay - floor))) < 0.1,
    `final excess losses ${end.decay - floor} and ${end.growth - floor}`,
  );
  // …while a run that neither decays nor grows ends on a floor many times higher: the test can fail
  let constant = 0;
  for (let seed = 0; seed < 16; seed++) {
    const run = train(model, data, { batchSize: 1, lr: 0.05, epochs: 8, init: start, seed });
    constant += (run.history[run.history.length - 1].trainLoss - floor) / 16;
  }
  assert.ok(
    constant > 5 * (end.decay - floor),
    `constant η's excess ${constant} vs decay's ${end.decay - floor}`,
  );
});

test("the divergence edge of full-batch GD is 2/λ_max, measured by bisection", () => {
  const { data, model, start, optimum } = bowl();
  const closed = leastSquaresEdge(data);
  // the closed form against the 2 × 2 eigenvalues by hand
  let [a, b, c] = [0, 0, 0];
  for (let i = 0; i < data.n; i++) {
    a += data.x[2 * i] ** 2 / data.n;
    b += (data.x[2 * i] * data.x[2 * i + 1]) / data.n;
    c += data.x[2 * i + 1] ** 2 / data.n;
  }
  close(closed.lambdaMax, (a + c) / 2 + Math.sqrt(((a - c) / 2) ** 2 + b * b), 1e-12, "λ_max");
  const measured = divergenceEdge(model, data, {
    init: start,
    optimum,
    steps: 500,
    lo: 0.5 * closed.edge,
    hi: 1.5 * closed.edge,
  });
  close(measured.edge / closed.edge, 1, 0.005, "edge / (2/λ_max), 2-D bowl");
  // a 4-D problem with a different spectrum
  const { data: d4 } = linearData({ n: 300, d: 4, seed: 9 });
  const m4 = linearRegression(4, { bias: false });
  const e4 = leastSquaresEdge(d4);
  const m = divergenceEdge(m4, d4, {
    init: new Float64Array(4),
    optimum: leastSquares(d4, { bias: false }),
    steps: 500,
    lo: 0.5 * e4.edge,
    hi: 1.5 * e4.edge,
  });
  close(m.edge / e4.edge, 1, 0.005, "edge / (2/λ_max), 4-D");
  assert.throws(
    () =>
      divergenceEdge(model, data, {
        init: start,
        optimum,
        steps: 100,
        lo: 1.2 * closed.edge,
        hi: 2 * closed.edge,
      }),
    /lo must be a learning rate at which full-batch GD converges/,
  );
});

test("small batches diverge below the full-batch edge", () => {
  const { data, model, start } = bowl();
  const edge = leastSquaresEdge(data).edge;
  const rows = divergenceTable(model, data, {
    init: start,
    batchSizes: [1, 256],
    ratios: [0.2, 0.9, 1.1],
    edge,
    seeds: [0, 1, 2, 3, 4, 5],
    steps: 1000,
  });
  const at = (m: number, ratio: number) =>
    (rows.find((r) => r.m === m && r.ratio === ratio) as DivergenceRow).fraction;
  assert.equal(at(256, 0.9), 0, "full batch stable at 0.9 × edge");
  assert.equal(at(256, 1.1), 1, "full batch diverges at 1.1 × edge");
  assert.equal(at(1, 0.2), 0, "m = 1 is stable far below the edge");
  assert.ok(at(1, 0.9) > 0.5, `m = 1 loses most seeds at 0.9 × edge (${at(1, 0.9)})`);
  assert.equal(largestSafeRatio(rows, 256), 0.9);
  assert.equal(largestSafeRatio(rows, 1), 0.2);
  const synthetic: DivergenceRow[] = [0.1, 0.2, 0.3].map((ratio, k) => ({
    m: 4,
    ratio,
    lr: ratio,
    diverged: k === 0 ? 1 : 0,
    seeds: 2,
    fraction: k === 0 ? 0.5 : 0,
  }));
  assert.equal(
    largestSafeRatio(synthetic, 4),
    null,
    "a loss at the smallest ratio leaves nothing safe",
  );
  assert.throws(() => largestSafeRatio(synthetic, 8), /m must be a batch size of the table/);
});

test("scheduleComparison: at m = 1 on the bowl, averaging and decay end far closer than constant η", () => {
  const { data, model, start, optimum } = bowl();
  const rows = scheduleComparison(model, data, {
    batchSizes: [1],
    budgets: [20],
    seeds: [0, 1, 2, 3],
    init: start,
    schedules: (T) => ({ constant: 0.1, cosine: cosineDecay(0.1, T) }),
    score: (theta) => distance(theta, optimum),
  });
  const score = (s: string) => (rows.find((r) => r.schedule === s) as { score: number }).score;
  assert.deepEqual(rows.map((r) => r.schedule).sort(), [
    "constant",
    "constant + averaging",
    "cosine",
  ]);
  assert.ok(
    score("constant + averaging") < score("constant") / 4,
    `averaging ${score("constant + averaging")} vs constant ${score("constant")}`,
  );
  assert.ok(
    score("cosine") < score("constant") / 4,
    `cosine ${score("cosine")} vs constant ${score("constant")}`,
  );
  assert.equal(rows[0].steps, 20 * 256);
});

test("chapter 3b exercise graders accept the answers and name the slips", () => {
  const reference = (values: number[], beta: number) => exponentialAverage(values, beta);
  assert.equal(grade("ewa", () => gradeBiasCorrectedEwa(reference)).status, "pass");
  const uncorrected = grade("ewa", () =>
    gradeBiasCorrectedEwa((v, b) => exponentialAverage(v, b, { biasCorrection: false })),
  );
  assert.equal(uncorrected.status, "fail");
  assert.match(uncorrected.message, /uncorrected/);
  assert.equal(grade("updates", () => gradeGrowthUpdates(334)).status, "pass");
  assert.match(grade("updates", () => gradeGrowthUpdates(1000)).message, /decay run/);
  assert.match(grade("updates", () => gradeGrowthUpdates(328)).message, /⌈n\/m⌉/);
  assert.equal(grade("updates", () => gradeGrowthUpdates(undefined)).status, "todo");
  assert.equal(grade("edge", () => gradeStabilityEdge(2 / 1.9)).status, "pass");
  assert.match(grade("edge", () => gradeStabilityEdge(20)).message, /flat direction/);
});

test("chapter 3b reference solutions pass their own graders", () => {
  const run = (key: string, name: string): unknown => {
    const s = getSolution(key);
    assert.ok(s, `solution "${key}" is registered`);
    const js = ts.transpileModule(s.code, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
    }).outputText;
    return new Function(`${js}\nreturn ${name};`)();
  };
  assert.equal(
    grade("ewa", () =>
      gradeBiasCorrectedEwa(
        run("bias-corrected-ewa", "myEwa") as (v: number[], b: number) => number[],
      ),
    ).status,
    "pass",
  );
  assert.equal(
    grade("updates", () => gradeGrowthUpdates(run("growth-updates", "growthUpdates"))).status,
    "pass",
  );
  assert.equal(
    grade("edge", () => gradeStabilityEdge(run("stability-edge", "etaEdge"))).status,
    "pass",
  );
});

test("chapter 3b figures: one panel per m, one line per schedule or m, the edge marked", () => {
  const rows = [1, 8].flatMap((m) =>
    ["constant", "cosine"].flatMap((schedule) =>
      [2, 10].map((epochs) => ({ m, epochs, schedule, score: 1 / epochs, stderr: 0, steps: 1 })),
    ),
  );
  const budgetFig = scheduleBudgetFigure(rows, { yTitle: "distance", yLog: true });
  assert.equal(budgetFig.data.length, 4);
  assert.deepEqual(
    budgetFig.data.map((t) => t.xaxis),
    ["x", "x", "x2", "x2"],
  );
  assert.equal((budgetFig.layout as Record<string, { type?: string }>).yaxis2.type, "log");
  const table: DivergenceRow[] = [1, 256].flatMap((m) =>
    [0.5, 1.1].map((ratio) => ({ m, ratio, lr: ratio, diverged: 0, seeds: 1, fraction: 0 })),
  );
  const stab = stabilityFigure(table, { measuredEdgeRatio: 1.001 });
  assert.equal(stab.data.length, 3, "two batch sizes and the measured edge");
  assert.deepEqual((stab.layout as { xaxis: { range: number[] } }).xaxis.range, [0, 1.05 * 1.1]);
  const ewa = ewaFigure({
    steps: [0, 1, 2],
    raw: [3, 2, 1],
    uncorrected: [0.3, 0.5, 0.6],
    corrected: [3, 2.5, 2],
    beta: 0.9,
  });
  assert.deepEqual(ewa.data[0].x, [1, 2], "step 0 is off a log axis");
  assert.throws(() => scheduleBudgetFigure([], { yTitle: "x" }), /at least one row/);
});
