import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  RunCache,
  fitCriticalBatch,
  paretoSteps,
  paretoCurve,
  logLogSlope,
  criticalBatchStudy,
  stepsToTarget,
  noiseScaleAtTarget,
  logisticOptimum,
  linearOptimum,
  clocksToLevel,
  warmupRuns,
  bestPerBatchSize,
  logisticStabilityLimit,
  timedSteps,
  timedCurves,
  D2L_SCHEDULES,
  type TunedStepsRow,
} from "../src/sweeps/index";
import { airfoilLike, logisticTeacher } from "../src/data/index";
import { linearScalingLimit, linearWarmup, lrRules } from "../src/learningRate/index";
import { timeInterleaved, chooseWithinBand, machineLoad } from "../src/compute/index";
import {
  stepsToTargetFigure,
  paretoFigure,
  convergencePanelsFigure,
  lrSensitivityFigure,
  bestLrFigure,
  timeToLossFigure,
} from "../src/plots/convergence";
import {
  gradeStepsAtFourBCrit,
  gradeTenPercentOverhead,
  gradeWallClockOptimalBatch,
  wallClockOptimalBatch,
} from "../src/exercises/convergence";
import { grade } from "../src/exercises/check";
import { logisticRegression } from "../src/models/logistic";
import { linearRegression } from "../src/models/linear";
import { meanGradient, meanLoss } from "../src/models/model";
import { rng } from "../src/util/rng";
import * as aq from "arquero";

// ---------------------------------------------------------------------------------------------
// The critical-batch fit

const S_MIN = 40;
const B_CRIT = 500;
const MS = Array.from({ length: 15 }, (_, k) => 2 ** k);

function noisyPoints(seed: number, sigma: number) {
  const random = rng(seed);
  return MS.map((m) => ({
    m,
    steps: paretoSteps(m, S_MIN, B_CRIT) * Math.exp(sigma * random.normal()),
  }));
}

test("the fit recovers S_min and B_crit exactly from points on the curve", () => {
  const fit = fitCriticalBatch(MS.map((m) => ({ m, steps: paretoSteps(m, S_MIN, B_CRIT) })));
  assert.ok(Math.abs(fit.bCrit / B_CRIT - 1) < 1e-6, `B_crit ${fit.bCrit}`);
  assert.ok(Math.abs(fit.sMin / S_MIN - 1) < 1e-6, `S_min ${fit.sMin}`);
  assert.ok(Math.abs(fit.eMin - S_MIN * B_CRIT) < 1e-3 * S_MIN * B_CRIT);
  assert.ok(fit.rmsLogResidual < 1e-6);
  // the identity (S/S_min − 1)(E/E_min − 1) = 1 holds on the fitted curve
  for (const p of paretoCurve(fit, 1, 1e5, 7)) {
    assert.ok(Math.abs((p.steps / fit.sMin - 1) * (p.examples / fit.eMin - 1) - 1) < 1e-9);
  }
});

test("the log-space fit recovers S_min and B_crit from noisy points; a linear-space fit does not", () => {
  // 10 % multiplicative noise, 15 points. Over 300 simulated data sets the fitted ln B_crit had a
  // standard deviation of 0.07 and ln S_min of 0.05: the tolerances below are 3 standard deviations.
  const fit = fitCriticalBatch(noisyPoints(7, 0.1));
  assert.ok(Math.abs(Math.log(fit.bCrit / B_CRIT)) < 0.21, `B_crit ${fit.bCrit}`);
  assert.ok(Math.abs(Math.log(fit.sMin / S_MIN)) < 0.16, `S_min ${fit.sMin}`);
  assert.ok(
    fit.rmsLogResidual > 0.05 && fit.rmsLogResidual < 0.15,
    "the residual reports the noise level",
  );
  // Fitting S itself lets the few points with the most steps decide: over the same kind of data its
  // ln B_crit error is typically tens of times larger.
  const errors = (space: "log" | "linear") =>
    Array.from({ length: 30 }, (_, s) =>
      Math.abs(Math.log(fitCriticalBatch(noisyPoints(100 + s, 0.1), { space }).bCrit / B_CRIT)),
    ).sort((a, b) => a - b)[15];
  assert.ok(
    errors("linear") > 5 * errors("log"),
    `median |ln error|: linear ${errors("linear")}, log ${errors("log")}`,
  );
});

test("fitCriticalBatch validates its input", () => {
  assert.throws(
    () =>
      fitCriticalBatch([
        { m: 1, steps: 10 },
        { m: 2, steps: 5 },
      ]),
    /points must be an array of at least 3 points/,
  );
  assert.throws(
    () =>
      fitCriticalBatch([
        { m: 1, steps: 10 },
        { m: 2, steps: 0 },
        { m: 4, steps: 3 },
      ]),
    /points\[1\].steps must be a finite number > 0, got 0/,
  );
});

test("log-log slopes: −1 in the perfect-scaling region, near 0 on the plateau", () => {
  const curve = MS.map((m) => ({ m, steps: paretoSteps(m, S_MIN, B_CRIT) }));
  assert.ok(Math.abs(logLogSlope(curve.slice(0, 3)) + 1) < 0.02);
  assert.ok(Math.abs(logLogSlope(curve.slice(-2))) < 0.05);
  assert.equal(
    logLogSlope([
      { m: 1, steps: 64 },
      { m: 4, steps: 16 },
    ]),
    -1,
  );
});

// ---------------------------------------------------------------------------------------------
// Learning-rate rules

test("lrRules and linearScalingLimit", () => {
  const rows = lrRules([
    { m: 4, lr: 0.4 },
    { m: 1, lr: 0.1 },
    { m: 16, lr: 1.6 },
    { m: 64, lr: 3.2 },
    { m: 256, lr: 4 },
  ]);
  assert.deepEqual(
    rows.map((r) => r.m),
    [1, 4, 16, 64, 256],
    "sorted by m",
  );
  assert.ok(Math.abs(rows[2].linear - 1.6) < 1e-12 && Math.abs(rows[2].sqrt - 0.4) < 1e-12);
  assert.equal(linearScalingLimit(rows), 64, "3.2 is half the linear rule's 6.4");
  assert.equal(linearScalingLimit(rows.slice(0, 3)), null);
});

test("linearWarmup ramps η linearly over the given steps, then holds it", () => {
  const lr = linearWarmup(2, 4);
  assert.deepEqual([0, 1, 2, 3, 4, 100].map(lr), [0.5, 1, 1.5, 2, 2, 2]);
  assert.equal(linearWarmup(2, 0)(0), 2);
  assert.throws(() => linearWarmup(2, 1.5), /steps must be a non-negative integer, got 1.5/);
});

// ---------------------------------------------------------------------------------------------
// Problems and their minima

test("logisticOptimum finds the minimum: zero gradient, and no nearby point is lower", () => {
  const { data } = logisticTeacher({ n: 2000, d: 8, condition: 10, seed: 4 });
  const opt = logisticOptimum(data);
  const model = logisticRegression(8);
  const g = meanGradient(model, opt.theta, data);
  assert.ok(Math.sqrt(g.reduce((s, v) => s + v * v, 0)) < 1e-10);
  assert.ok(Math.abs(meanLoss(model, opt.theta, data) - opt.loss) < 1e-15);
  const random = rng(1);
  for (let t = 0; t < 20; t++) {
    const nearby = opt.theta.map((v) => v + 1e-3 * random.normal());
    assert.ok(meanLoss(model, nearby, data) >= opt.loss);
  }
  assert.throws(
    () => logisticOptimum({ ...data, y: data.y.map((v, i) => (i === 0 ? 2 : v)) }),
    /data.y\[0\] must be 0 or 1/,
  );
});

test("logisticTeacher: feature scales span the condition number and labels are noisy", () => {
  const { data, scales } = logisticTeacher({ n: 4000, d: 10, condition: 100, seed: 9 });
  assert.ok(Math.abs(scales[0] / scales[9] - 10) < 1e-9, "standard deviations span √condition");
  const sd = (j: number) =>
    Math.sqrt(
      Array.from({ length: data.n }, (_, i) => data.x[i * 10 + j] ** 2).reduce((s, v) => s + v, 0) /
        data.n,
    );
  assert.ok(Math.abs(sd(0) - 1) < 0.05 && Math.abs(sd(9) - 0.1) < 0.005);
  const positive = data.y.reduce((s, v) => s + v, 0) / data.n;
  assert.ok(positive > 0.2 && positive < 0.8);
  assert.ok(logisticOptimum(data).loss > 0.2, "noisy labels: the classes overlap");
});

test("airfoilLike: 1,500 × 5 standardised data where d2l's gradient descent converges", () => {
  const data = airfoilLike();
  assert.deepEqual([data.n, data.d], [1500, 5]);
  for (let j = 0; j < 5; j++) {
    const col = Array.from({ length: data.n }, (_, i) => data.x[i * 5 + j]);
    const mean = col.reduce((s, v) => s + v, 0) / data.n;
    const variance = col.reduce((s, v) => s + (v - mean) ** 2, 0) / data.n;
    assert.ok(Math.abs(mean) < 1e-12 && Math.abs(variance - 1) < 1e-12, `column ${j}`);
  }
  // A linear model explains about r2 = 0.5 of the variance of y (variance 1), so L* = ½·mean(r²) ≈ 0.25;
  // with 1,500 examples the sample R² is within a few hundredths of it.
  const lstar = linearOptimum(data).loss;
  assert.ok(lstar > 0.2 && lstar < 0.3, `L* = ${lstar}`);
  // η = 1 is stable: gradient descent's loss decreases every step
  let theta = new Float64Array(6);
  const lin = linearRegression(5);
  let previous = meanLoss(lin, theta, data);
  for (let s = 0; s < 20; s++) {
    const g = meanGradient(lin, theta, data);
    theta = theta.map((v, j) => v - g[j]);
    const loss = meanLoss(lin, theta, data);
    assert.ok(loss < previous, `step ${s}`);
    previous = loss;
  }
});

// ---------------------------------------------------------------------------------------------
// The notebook's own sweep (quick preset), with a fresh cache

test("the notebook's study: perfect scaling, then a plateau; η grows then saturates; B_simple ≈ B_crit", async () => {
  const study = criticalBatchStudy(true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-ch3-"));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sweep = await stepsToTarget(study.problem, {
    ...study.options,
    cache: new RunCache(dir),
    progress: false,
  });
  const best = sweep.best.objects() as TunedStepsRow[];
  assert.ok(
    best.every((r) => r.valid),
    "no best η at the edge of the grid",
  );
  const points = best.map((r) => ({ m: r.m, steps: r.steps as number }));

  // Shallue et al.'s shape: slope −1 ± 0.2 over the smallest batch sizes, |slope| < 0.3 at the largest.
  const small = logLogSlope(points.slice(0, 3));
  const large = logLogSlope(points.slice(-2));
  assert.ok(Math.abs(small + 1) <= 0.2, `slope at small m: ${small}`);
  assert.ok(Math.abs(large) < 0.3, `slope at large m: ${large}`);

  // The tuned η never falls as m grows, and saturates: over the last factor 4 in m it grows by less
  // than the square-root rule's factor 2.
  const lrs = best.map((r) => r.lr as number);
  for (let i = 1; i < lrs.length; i++)
    assert.ok(lrs[i] >= lrs[i - 1], `η fell from ${lrs[i - 1]} to ${lrs[i]}`);
  const k = lrs.length - 1;
  assert.ok(
    lrs[k] / lrs[k - 1] < Math.sqrt(points[k].m / points[k - 1].m),
    `η still grows ${lrs[k] / lrs[k - 1]}× at the largest m`,
  );
  assert.ok(lrs[k] / lrs[0] > 100, "but it grew a lot from m = 1");

  const fit = fitCriticalBatch(points);
  assert.ok(fit.rmsLogResidual < 0.25, `rms log residual ${fit.rmsLogResidual}`);
  assert.ok(
    fit.bCrit > points[0].m && fit.bCrit < points[points.length - 1].m,
    "B_crit inside the measured range",
  );

  const noise = noiseScaleAtTarget(study.problem, sweep.best);
  const bSimple = (noise.array("bSimple") as number[]).slice().sort((a, b) => a - b);
  const median = bSimple[Math.floor(bSimple.length / 2)];
  assert.ok(
    median / fit.bCrit < 10 && median / fit.bCrit > 0.1,
    `B_simple ${median} vs B_crit ${fit.bCrit}`,
  );

  // The stability limit bounds every tuned η: above 2/λ_max at the minimum nothing converges.
  const { lrMax } = logisticStabilityLimit(study.optimum.theta, study.problem.data);
  assert.ok(
    lrs.every((lr) => lr < lrMax),
    `tuned η ${lrs[k]} vs 2/λ_max ${lrMax}`,
  );

  // The second pass is answered from the cache, without training.
  const again = await stepsToTarget(study.problem, {
    ...study.options,
    cache: new RunCache(dir),
    progress: false,
  });
  assert.equal(again.computed, 0);
  assert.deepEqual(again.best.objects(), sweep.best.objects());
});

// ---------------------------------------------------------------------------------------------
// Helpers of the notebook

test("clocksToLevel reads the first crossing on each clock, per run", () => {
  const rows = [
    { m: 1, lr: 0.1, step: 10, epoch: 0.1, seconds: 0.01, loss: 0.9 },
    { m: 1, lr: 0.1, step: 20, epoch: 0.2, seconds: 0.02, loss: 0.4 },
    { m: 8, lr: 0.5, step: 1, epoch: 0.08, seconds: 0.001, loss: 0.8 },
    { m: 8, lr: 0.5, step: 2, epoch: 0.16, seconds: 0.002, loss: 0.7 },
  ];
  const clocks = clocksToLevel(rows, 0.5, { window: 1 });
  assert.deepEqual(clocks, [
    { run: 1, lr: 0.1, steps: 20, epochs: 0.2, seconds: 0.02 },
    { run: 8, lr: 0.5, steps: null, epochs: null, seconds: null },
  ]);
});

test("bestPerBatchSize keeps, for each m, the non-diverged run with the lowest final loss", () => {
  const runs = aq.from([
    { m: 1, lr: 0.1, status: "ok", finalLoss: 0.5 },
    { m: 1, lr: 0.3, status: "diverged", finalLoss: null },
    { m: 1, lr: 0.03, status: "ok", finalLoss: 0.6 },
    { m: 4, lr: 0.3, status: "ok", finalLoss: 0.4 },
  ]);
  assert.deepEqual(
    (bestPerBatchSize(runs).objects() as { m: number; lr: number }[]).map((r) => [r.m, r.lr]),
    [
      [1, 0.1],
      [4, 0.3],
    ],
  );
});

test("warmupRuns: a rate above 2/λ_max fails with or without warmup", () => {
  const { data } = logisticTeacher({ n: 1000, d: 5, condition: 4, seed: 3 });
  const opt = logisticOptimum(data);
  const problem = { id: "w", model: logisticRegression(5), data, target: opt.loss + 0.02 };
  const { lrMax } = logisticStabilityLimit(opt.theta, data);
  const { rows, summary } = warmupRuns(
    problem,
    1000,
    [
      { label: "stable", lr: 0.8 * lrMax },
      { label: "too large", lr: 2 * lrMax },
      { label: "too large, warmup", lr: linearWarmup(2 * lrMax, 10) },
    ],
    60,
  );
  assert.equal(
    rows.filter((r) => r.label === "stable").length,
    61,
    "every step evaluated, step 0 included",
  );
  const final = Object.fromEntries(summary.map((s) => [s.label, s.finalLoss - opt.loss]));
  assert.ok(final["stable"] < 0.02, JSON.stringify(final));
  assert.ok(final["too large"] > 0.02 && final["too large, warmup"] > 0.02, JSON.stringify(final));
});

// ---------------------------------------------------------------------------------------------
// Figures

const bestRows: TunedStepsRow[] = [
  {
    m: 1,
    lr: 0.01,
    lrIndex: 3,
    steps: 4000,
    examples: 4000,
    stepsMin: 3800,
    stepsMax: 4200,
    trials: 5,
    atEdge: false,
    valid: true,
  },
  {
    m: 16,
    lr: 0.16,
    lrIndex: 7,
    steps: 260,
    examples: 4160,
    stepsMin: 250,
    stepsMax: 270,
    trials: 5,
    atEdge: false,
    valid: true,
  },
  {
    m: 256,
    lr: 1,
    lrIndex: 10,
    steps: 30,
    examples: 7680,
    stepsMin: 30,
    stepsMax: 30,
    trials: 5,
    atEdge: false,
    valid: true,
  },
  {
    m: 4096,
    lr: 2,
    lrIndex: 11,
    steps: 16,
    examples: 65536,
    stepsMin: 16,
    stepsMax: 16,
    trials: 5,
    atEdge: true,
    valid: false,
  },
];

test("stepsToTargetFigure: perfect-scaling line of slope −1, invalid points apart, log axes", () => {
  const fit = fitCriticalBatch(
    bestRows.filter((r) => r.valid).map((r) => ({ m: r.m, steps: r.steps as number })),
  );
  const fig = stepsToTargetFigure(bestRows, { fit });
  const layout = fig.layout as Record<string, { type?: string }>;
  assert.deepEqual(
    [layout.xaxis.type, layout.yaxis.type, layout.xaxis2.type, layout.yaxis2.type],
    ["log", "log", "log", "log"],
  );
  const perfect = fig.data.find((t) => t.name === "perfect scaling" && t.yaxis === "y") as {
    x: number[];
    y: number[];
  };
  assert.ok(
    Math.abs(perfect.y[0] * perfect.x[0] - perfect.y[1] * perfect.x[1]) < 1e-9,
    "S·m constant along the line",
  );
  const measured = fig.data.filter((t) => String(t.name).startsWith("measured"));
  assert.deepEqual((measured[0] as { x: number[] }).x, [1, 16, 256], "valid points only");
  const invalid = fig.data.filter((t) => String(t.name).startsWith("invalid"));
  assert.deepEqual((invalid[0] as { x: number[] }).x, [4096]);
  assert.deepEqual((measured[1] as { y: number[] }).y, [4000, 4160, 7680], "right panel: examples");
});

test("paretoFigure marks the knee at (2·E_min, 2·S_min)", () => {
  const fit = fitCriticalBatch(
    bestRows.filter((r) => r.valid).map((r) => ({ m: r.m, steps: r.steps as number })),
  );
  const fig = paretoFigure(bestRows, fit);
  const knee = fig.data.find((t) => String(t.name).startsWith("knee")) as {
    x: number[];
    y: number[];
  };
  assert.ok(Math.abs(knee.x[0] - 2 * fit.eMin) < 1e-9 && Math.abs(knee.y[0] - 2 * fit.sMin) < 1e-9);
  assert.ok(Math.abs(fit.steps(fit.bCrit) - knee.y[0]) < 1e-9, "the knee is the point m = B_crit");
});

test("convergencePanelsFigure: one line per m on each of three log-x panels; step 0 left out", () => {
  const rows = [1, 8].flatMap((m) =>
    [0, 1, 2, 4].map((step) => ({
      m,
      lr: 0.1,
      step,
      epoch: (step * m) / 8,
      seconds: step * 1e-3,
      loss: 1 / (1 + step),
    })),
  );
  const fig = convergencePanelsFigure(rows);
  assert.equal(fig.data.length, 6);
  assert.deepEqual(
    fig.data.map((t) => t.xaxis),
    ["x", "x", "x2", "x2", "x3", "x3"],
  );
  assert.ok(
    fig.data.every((t) => (t.x as number[]).every((v) => v > 0)),
    "no zero on a log axis",
  );
  assert.deepEqual(
    fig.data.slice(0, 2).map((t) => t.showlegend),
    [true, true],
  );
  assert.ok(
    fig.data.slice(2).every((t) => t.showlegend === false),
    "one legend entry per m",
  );
  const layout = fig.layout as Record<string, { type?: string }>;
  assert.deepEqual(
    [layout.xaxis.type, layout.xaxis2.type, layout.xaxis3.type],
    ["log", "log", "log"],
  );
});

test("lrSensitivityFigure draws failed trials as crosses at their cap, apart from the valley", () => {
  const fig = lrSensitivityFigure([
    {
      m: 4,
      lr: 0.1,
      lrIndex: 0,
      status: "reached",
      steps: 900,
      examples: 3600,
      stepsMin: 900,
      stepsMax: 900,
      cap: 5000,
    },
    {
      m: 4,
      lr: 0.2,
      lrIndex: 1,
      status: "reached",
      steps: 500,
      examples: 2000,
      stepsMin: 500,
      stepsMax: 500,
      cap: 5000,
    },
    {
      m: 4,
      lr: 0.4,
      lrIndex: 2,
      status: "diverged",
      steps: null,
      examples: null,
      stepsMin: null,
      stepsMax: null,
      cap: 1250,
    },
  ]);
  const line = fig.data[0] as { x: number[]; y: number[] };
  assert.deepEqual(line.x, [0.1, 0.2]);
  const crosses = fig.data[1] as { x: number[]; y: number[]; text: string[] };
  assert.deepEqual([crosses.x, crosses.y, crosses.text], [[0.4], [1250], ["diverged"]]);
});

test("bestLrFigure and timeToLossFigure build plain figures", () => {
  const rules = lrRules([
    { m: 1, lr: 0.01 },
    { m: 16, lr: 0.16 },
    { m: 256, lr: 1 },
  ]);
  const fig = bestLrFigure(rules, { limit: 256, stabilityLimit: 1.5 });
  assert.equal(fig.data.length, 3);
  assert.equal((fig.layout as { shapes: unknown[] }).shapes.length, 2);
  const timed = timeToLossFigure([
    { label: "GD", m: 100, lr: 1, seconds: 0, loss: 1 },
    { label: "GD", m: 100, lr: 1, seconds: 0.1, loss: 0.5 },
    { label: "SGD", m: 1, lr: 0.1, seconds: 0.05, loss: 0.6 },
  ]);
  assert.deepEqual(
    timed.data.map((t) => (t.x as number[]).length),
    [1, 1],
    "t = 0 cannot sit on a log axis",
  );
});

// ---------------------------------------------------------------------------------------------
// Timing on a shared machine: interleaved repeats, a band instead of one minimum

test("timeInterleaved warms up, then times the candidates round-robin, keeping median and range", () => {
  const calls: string[] = [];
  const fake = (key: string, times: number[]) => {
    let k = 0;
    return {
      key,
      run: () => {
        calls.push(key);
        return times[k++];
      },
    };
  };
  // the first value of each list is the untimed warm-up
  const t = timeInterleaved([fake("a", [99, 3, 1, 2]), fake("b", [99, 5, 9, 4])], { repeats: 3 });
  assert.deepEqual(
    calls,
    ["a", "b", "a", "b", "a", "b", "a", "b"],
    "one round of all, then the next",
  );
  assert.deepEqual(
    t.map((x) => [x.key, x.samples, x.median, x.min, x.max]),
    [
      ["a", [3, 1, 2], 2, 1, 3],
      ["b", [5, 9, 4], 5, 4, 9],
    ],
  );
  assert.throws(() => timeInterleaved([], {}), /candidates/);
  assert.throws(() => timeInterleaved([fake("a", [1])], { repeats: 0 }), /repeats/);
});

test("the band of ch3's clock race: the neighbouring m within the tolerance of the best median; the load verdict", () => {
  const timings = [
    { m: 1, seconds: 2.0 },
    { m: 4, seconds: 1.05 },
    { m: 16, seconds: 1.0 },
    { m: 64, seconds: 1.12 },
  ];
  assert.deepEqual(
    chooseWithinBand(timings, 0.1).band.map((r) => r.m),
    [4, 16],
  );
  assert.deepEqual(
    chooseWithinBand(timings, 0).band.map((r) => r.m),
    [16],
  );
  assert.deepEqual(
    chooseWithinBand(timings, 1).band.map((r) => r.m),
    [1, 4, 16, 64],
  );
  assert.throws(() => chooseWithinBand(timings, -0.1), /tolerance/);
  const load = machineLoad();
  assert.ok(
    load.cores >= 1 &&
      load.loadAverage >= 0 &&
      load.overloaded === load.loadAverage > load.cores &&
      load.note.length > 0,
  );
});

test("timedSteps scales each run's seconds per step by its steps; timedCurves keeps the range of its repeats", () => {
  const data = airfoilLike();
  const rows = timedSteps(
    linearRegression(5),
    data,
    [
      { m: 1, lr: 0.005, steps: 300 },
      { m: 100, lr: 0.4, steps: 20 },
    ],
    { repeats: 3, examples: 200 },
  );
  for (const r of rows) {
    assert.ok(
      r.secondsPerStepMin <= r.secondsPerStep &&
        r.secondsPerStep <= r.secondsPerStepMax &&
        r.secondsPerStepMin > 0,
    );
    assert.equal(r.seconds, r.steps * r.secondsPerStep);
    assert.ok(r.secondsMin <= r.seconds && r.seconds <= r.secondsMax);
  }
  assert.throws(() => timedSteps(linearRegression(5), data, [{ m: 0, lr: 1, steps: 1 }]), /m/);
  const curves = timedCurves(linearRegression(5), data, D2L_SCHEDULES.slice(2, 4), {
    repeats: 3,
  }).objects() as { secondsMin: number; seconds: number; secondsMax: number }[];
  assert.ok(
    curves.length > 0 &&
      curves.every((r) => r.secondsMin <= r.seconds && r.seconds <= r.secondsMax),
  );
});

// ---------------------------------------------------------------------------------------------
// Exercises

test("exercise graders pass the right answers and name the slips", () => {
  const fit = { sMin: 10, bCrit: 800 };
  assert.equal(grade("1", () => gradeStepsAtFourBCrit(12.5, fit)).status, "pass");
  assert.match(grade("1", () => gradeStepsAtFourBCrit(50, fit)).message, /ratio is B_crit\/m/);
  assert.match(grade("1", () => gradeStepsAtFourBCrit(2.5, fit)).message, /the 1 is the floor/);
  assert.equal(grade("1", () => gradeStepsAtFourBCrit(undefined, fit)).status, "todo");
  const mStar = wallClockOptimalBatch(fit);
  assert.ok(Math.abs(mStar - Math.sqrt((20e-6 * 800) / 0.4e-6)) < 1e-9);
  assert.equal(grade("2", () => gradeWallClockOptimalBatch(mStar, fit)).status, "pass");
  assert.match(
    grade("2", () => gradeWallClockOptimalBatch(800, fit)).message,
    /B_crit minimises neither/,
  );
  assert.match(
    grade("2", () => gradeWallClockOptimalBatch(mStar * mStar, fit)).message,
    /take the square root/,
  );
  assert.equal(grade("3", () => gradeTenPercentOverhead(80, fit)).status, "pass");
  assert.match(
    grade("3", () => gradeTenPercentOverhead(8000, fit)).message,
    /steps\* are within 10 %/,
  );
  assert.equal(grade("3", () => gradeTenPercentOverhead(123, fit)).status, "fail");
});
