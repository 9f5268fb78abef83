import { before, test } from "node:test";
import { loadKernels } from "../src/engines/wasm/runtime";
import assert from "node:assert/strict";
import type { Dataset } from "../src/data/dataset";
import { rng } from "../src/util/rng";
import { wasmMlp } from "../src/engines/wasmMlp";
import {
  calibrateSteps,
  measureInterleaved,
  measureStepTimes,
  medianOf,
  relativeSpread,
  timingLoad,
  type StepRunner,
} from "../src/compute/timing";
import {
  chooseWithinBand,
  MAX_BAND_TOLERANCE,
  MIN_BAND_TOLERANCE,
  monotoneStepTimes,
  smoothStepTimes,
  toleranceFromSpread,
} from "../src/compute/band";
import {
  fitOverhead,
  linearFlopsPerExample,
  mlpFlopsPerExample,
  rooflineRows,
  wasmMatmulRate,
} from "../src/compute/roofline";
import { fitLine } from "../src/util/stats";
import { formatBytes } from "../src/util/format";
import {
  activationBytesPerExample,
  largestBatchWithin,
  measureEngineMemory,
  mlpParameterCount,
  storedWidths,
} from "../src/compute/memory";
import {
  fastestBatch,
  interpolateStepTime,
  optimalBatchModel,
  timeToTarget,
} from "../src/compute/target";
import {
  gradeMemoryBudget,
  gradeOptimalBatch,
  gradeOverheadBatch,
  MEMORY_EXERCISE,
  OPTIMUM_EXERCISE,
  OVERHEAD_EXERCISE,
} from "../src/exercises/compute";
import { getSolution, grade } from "../src/exercises/check";
import {
  epochTimeFigure,
  memoryFigure,
  rooflineFigure,
  stepTimeFigure,
  throughputFigure,
  timeToTargetFigure,
} from "../src/plots/compute";

before(() => loadKernels()); // wabt, which assembles the kernels, loads asynchronously

/** A runner whose "time" is exactly t₀ + c·m per step: what the fits must recover. */
function syntheticRunner(t0: number, c: number): StepRunner & { calls: number[][] } {
  const calls: number[][] = [];
  return {
    engine: "synthetic",
    calls,
    run: (m, steps) => {
      calls.push([m, steps]);
      return steps * (t0 + c * m);
    },
  };
}

test("fitOverhead recovers t₀ and c exactly from exact times, and closely from noisy ones", () => {
  const rows = [1, 2, 4, 16, 64, 256, 1024, 4096].map((m) => ({
    m,
    secondsPerStep: 200e-6 + 3e-6 * m,
  }));
  const fit = fitOverhead(rows);
  assert.ok(Math.abs(fit.overheadSeconds / 200e-6 - 1) < 1e-9);
  assert.ok(Math.abs(fit.secondsPerExample / 3e-6 - 1) < 1e-9);
  assert.ok(Math.abs(fit.breakEvenBatch - 200 / 3) < 1e-6);
  assert.ok(fit.rmsRelativeError < 1e-9);
  // ±5 % multiplicative noise (fixed seed): relative weighting keeps both parameters within 10 %.
  const r = rng(3);
  const noisy = rows.map((x) => ({
    m: x.m,
    secondsPerStep: x.secondsPerStep * (1 + 0.05 * (2 * r.next() - 1)),
  }));
  const f2 = fitOverhead(noisy);
  assert.ok(Math.abs(f2.overheadSeconds / 200e-6 - 1) < 0.1, `t₀ = ${f2.overheadSeconds}`);
  assert.ok(Math.abs(f2.secondsPerExample / 3e-6 - 1) < 0.1, `c = ${f2.secondsPerExample}`);
  assert.throws(
    () => fitOverhead([{ m: 4, secondsPerStep: 1 }]),
    /rows\.length must be at least 2/,
  );
});

test("measureStepTimes calibrates the step count and reports medians of the runner's times", () => {
  const runner = syntheticRunner(1e-4, 1e-6);
  const steps = calibrateSteps(runner, 100, 0.05);
  // One step takes 2e-4 s: 250 steps fill 0.05 s.
  assert.equal(steps, 250);
  // A first call that starts something (threads, compilation) is not taken for a step's time.
  let calls = 0;
  const coldStart: typeof runner = {
    ...runner,
    run: (m, n) => (calls++ === 0 ? 1 : runner.run(m, n)),
  };
  assert.equal(calibrateSteps(coldStart, 100, 0.05), 250);
  const rows = measureStepTimes(runner, [1, 100], { seconds: 0.05, repeats: 3 });
  assert.deepEqual(
    rows.map((r) => r.m),
    [1, 100],
  );
  assert.ok(Math.abs(rows[1].secondsPerStep - 2e-4) < 1e-15);
  assert.ok(Math.abs(rows[1].examplesPerSecond - 100 / 2e-4) < 1e-6);
  assert.equal(rows[1].samples.length, 3);
  assert.equal(medianOf([5, 1, 3]), 3);
  assert.equal(medianOf([4, 1, 3, 2]), 2.5);
});

test("flops per example count the three products of each layer but the first's gradient to its input", () => {
  // 784-128-10: forward 2·(784·128 + 128·10), dW 2·(784·128 + 128·10), dH only for layer 2: 2·128·10.
  assert.equal(mlpFlopsPerExample([784, 128, 10]), 2 * 2 * 784 * 128 + 3 * 2 * 128 * 10);
  assert.equal(mlpFlopsPerExample([784, 128, 10]), 409088);
  assert.equal(linearFlopsPerExample(50), 200);
  const roof = { gflops: 10, shape: [1, 1, 1] as [number, number, number], engine: "x" };
  const rows = rooflineRows([{ engine: "e", m: 10, secondsPerStep: 1e-3 }], 1e6, roof);
  assert.equal(rows[0].gflops, 10);
  assert.equal(rows[0].fractionOfRoof, 1);
});

test("the wasm matmul rate is a positive rate for the shape asked", () => {
  const rate = wasmMatmulRate({ shape: [32, 16, 64], seconds: 0.01, repeats: 2 });
  assert.deepEqual(rate.shape, [32, 16, 64]);
  assert.ok(rate.gflops > 0 && Number.isFinite(rate.gflops));
});

test("memory: stored widths, parameter count, budget and the measured slope within ±10 % of 4·Σ widths", () => {
  assert.deepEqual(
    storedWidths([784, 128, 10]).map((w) => w.floats),
    [784, 128, 128, 10, 10],
  );
  assert.equal(activationBytesPerExample([784, 128, 10]), 4 * 1060);
  assert.equal(mlpParameterCount([784, 128, 10]), 101770);
  assert.equal(largestBatchWithin(1000, 100, 90), 10);
  assert.equal(largestBatchWithin(50, 100, 90), 0);
  assert.equal(formatBytes(64 * 2 ** 20), "64.0 MiB");
  assert.equal(formatBytes(512), "512 B");

  const widths = [100, 64, 10];
  const r = rng(2);
  const n = 300;
  const data: Dataset = {
    name: "mem",
    n,
    d: 100,
    classes: 10,
    x: Float64Array.from({ length: n * 100 }, () => r.next()),
    y: Float64Array.from({ length: n }, () => r.int(10)),
  };
  const sizes = [64, 256, 1024];
  const { engine, rss } = measureEngineMemory(() => wasmMlp(widths), data, sizes);
  assert.equal(rss.length, sizes.length);
  const slope = fitLine(
    engine.map((x) => x.m),
    engine.map((x) => x.bytes),
  ).slope;
  const analytic = activationBytesPerExample(widths);
  // The engine also stores each example's index and label and pads 10 logits to 12 floats: +32 of 1,156 bytes here.
  assert.ok(
    Math.abs(slope / analytic - 1) < 0.1,
    `measured ${slope.toFixed(1)} bytes per example, analytic ${analytic}`,
  );
  assert.deepEqual(fitLine([1, 2, 3], [3, 5, 7]), { slope: 2, intercept: 1 });
});

test("time to target multiplies steps by interpolated step times and finds the fastest m", () => {
  const times = [
    { m: 1, secondsPerStep: 1e-3 },
    { m: 4, secondsPerStep: 4e-3 },
    { m: 16, secondsPerStep: 64e-3 },
  ];
  // Log-log interpolation: between (1, 1e-3) and (4, 4e-3) the law is t = 1e-3·m, so t(2) = 2e-3.
  assert.ok(Math.abs(interpolateStepTime(times, 2) - 2e-3) < 1e-15);
  assert.throws(
    () => interpolateStepTime(times, 32),
    /m must be within the measured range 1\.\.16, got 32/,
  );
  const rows = timeToTarget(
    [
      { m: 1, steps: 1000 },
      { m: 2, steps: 400 },
      { m: 4, steps: 300 },
      { m: 16, steps: null },
    ],
    times,
  );
  assert.deepEqual(
    rows.map((x) => x.m),
    [1, 2, 4],
  );
  assert.ok(Math.abs(rows[1].seconds - 0.8) < 1e-12);
  assert.equal(fastestBatch(rows).m, 2);
  // m* = √(B·t₀/c) minimises (1 + B/m)(t₀ + c·m): check against a fine grid.
  const [B, t0, c] = [440, 2e-4, 2e-6];
  const mStar = optimalBatchModel(B, t0, c);
  const cost = (m: number) => (1 + B / m) * (t0 + c * m);
  for (const f of [0.9, 0.99, 1.01, 1.1]) assert.ok(cost(mStar) < cost(mStar * f));
});

test("chapter 5 graders pass the reference solutions and name the classic mistakes", () => {
  const { overheadSeconds: t0, secondsPerExample: c } = OVERHEAD_EXERCISE;
  assert.equal(grade("1", () => gradeOverheadBatch(Math.ceil((9 * t0) / c))).status, "pass");
  assert.match(grade("1", () => gradeOverheadBatch(Math.ceil(t0 / c))).message, /50 %/);
  assert.match(grade("1", () => gradeOverheadBatch(Math.floor((9 * t0) / c))).message, /round up/);
  assert.equal(grade("1", () => gradeOverheadBatch(undefined)).status, "todo");

  const { widths, budgetBytes } = MEMORY_EXERCISE;
  const layers = widths.slice(1).reduce((s, w) => s + w, 0);
  assert.equal(
    grade("2", () => gradeMemoryBudget(Math.floor(budgetBytes / (4 * (widths[0] + 2 * layers)))))
      .status,
    "pass",
  );
  assert.match(
    grade("2", () => gradeMemoryBudget(Math.floor(budgetBytes / (4 * (widths[0] + layers)))))
      .message,
    /gradient/,
  );
  assert.match(
    grade("2", () => gradeMemoryBudget(Math.floor(budgetBytes / (4 * 2 * layers)))).message,
    /input rows/,
  );
  assert.match(
    grade("2", () => gradeMemoryBudget(Math.floor(64e6 / (4 * (widths[0] + 2 * layers))))).message,
    /2²⁰/,
  );

  const { bNoise, overheadSeconds, secondsPerExample } = OPTIMUM_EXERCISE;
  assert.equal(
    grade("3", () => gradeOptimalBatch(Math.sqrt((bNoise * overheadSeconds) / secondsPerExample)))
      .status,
    "pass",
  );
  assert.match(grade("3", () => gradeOptimalBatch(bNoise)).message, /B_noise minimises neither/);
  assert.match(
    grade("3", () => gradeOptimalBatch((bNoise * overheadSeconds) / secondsPerExample)).message,
    /square root/,
  );
  assert.equal(grade("3", () => gradeOptimalBatch(17)).status, "fail");

  for (const name of ["ch5-ex1", "ch5-ex2", "ch5-ex3"])
    assert.ok(getSolution(name)?.code.includes("_EXERCISE"), `${name} has a solution`);
});

test("chapter 5 figures: log axes, one trace per engine, titles and units", () => {
  const rows = ["a", "b"].flatMap((engine, k) =>
    [1, 10, 100].map((m) => ({
      engine,
      m,
      secondsPerStep: (k + 1) * (1e-4 + 1e-6 * m),
      examplesPerSecond: m / ((k + 1) * (1e-4 + 1e-6 * m)),
      steps: 10,
      samples: [(k + 1) * (1e-4 + 1e-6 * m)],
    })),
  );
  const fit = fitOverhead(rows.filter((r) => r.engine === "a"));
  const st = stepTimeFigure(rows, { title: "T", fits: { a: fit } });
  assert.equal(st.data.length, 3);
  assert.equal((st.layout?.xaxis as { type: string }).type, "log");
  assert.match(
    JSON.stringify((st.layout?.yaxis as { title: unknown }).title),
    /time per step \(ms\)/,
  );
  const tp = throughputFigure(rows, { title: "T" });
  assert.deepEqual(
    tp.data.map((t) => t.name),
    ["a", "b"],
  );
  assert.match(JSON.stringify((tp.layout?.yaxis as { title: unknown }).title), /examples \/ s/);
  const roof = { gflops: 5, shape: [512, 128, 784] as [number, number, number], engine: "a" };
  const rf = rooflineFigure(rooflineRows(rows, 1e6, roof), {
    title: "R",
    roofs: [roof],
    fits: { a: fit },
    flopsPerExample: 1e6,
  });
  assert.ok(rf.data.some((t) => String(t.name).startsWith("roof:")));
  const ep = epochTimeFigure(rows, { title: "E", n: 50 });
  assert.deepEqual(ep.data[0].x as number[], [1, 10], "m above n is left out of the epoch figure");
  const tt = timeToTargetFigure(
    timeToTarget(
      [
        { m: 1, steps: 100 },
        { m: 10, steps: 20 },
        { m: 100, steps: 15 },
      ],
      rows.filter((r) => r.engine === "a"),
    ),
    { title: "TT", engine: "a" },
  );
  assert.equal(tt.data.length, 3);
  assert.match(String(tt.data[2].name), /fastest: m = 10/);
  const mem = memoryFigure(
    [
      { source: "s", m: 10, bytes: 1000 },
      { source: "s", m: 100, bytes: 10000 },
      { source: "r", m: 100, bytes: -5 },
    ],
    { title: "M", bytesPerExample: 100, budgetBytes: 5000 },
  );
  assert.ok(mem.data.some((t) => String(t.name).includes("m ≤ 50")));
  assert.deepEqual(
    mem.data.find((t) => t.name === "r")?.x,
    [],
    "non-positive growth readings are left off the log axis",
  );
});

test("measureInterleaved times every (runner, m) once per round and records the spread and the load", () => {
  const order: string[] = [];
  const runner = (name: string, t: number): StepRunner => ({
    engine: name,
    run: (m, steps) => {
      order.push(`${name}${m}`);
      return steps * t * m;
    },
  });
  const [a, b] = measureInterleaved([runner("a", 1e-4), runner("b", 2e-4)], [1, 2], {
    seconds: 0.01,
    repeats: 2,
  });
  assert.deepEqual(
    a.map((r) => r.m),
    [1, 2],
  );
  assert.ok(Math.abs(b[1].secondsPerStep - 4e-4) < 1e-15);
  // After the calibration runs: round 0 forward, round 1 backward.
  assert.deepEqual(order.slice(-8), ["a1", "a2", "b1", "b2", "b2", "b1", "a2", "a1"]);
  assert.equal(a[0].spread, 0);
  assert.ok(typeof a[0].loadAverage === "number");
  assert.ok(Math.abs(relativeSpread([0.9, 1, 1.1]) - 0.1) < 1e-12);
  const busy = timingLoad([{ ...a[0], loadAverage: 5 }], 2);
  assert.ok(busy.overloaded && /load average reached 5\.0 on 2 cores/.test(busy.note));
  assert.equal(timingLoad([{ ...a[0], loadAverage: 1 }], 2).overloaded, false);
});

test("smoothStepTimes removes a lone outlier and any dip as m grows, and keeps a smooth trend", () => {
  const trend = [1, 2, 4, 8, 16, 32, 64, 128].map((m) => ({ m, secondsPerStep: 50e-6 + 2e-6 * m }));
  const kept = smoothStepTimes(trend);
  kept.forEach((r, k) =>
    assert.ok(Math.abs(r.secondsPerStep / trend[k].secondsPerStep - 1) < 1e-9),
  );
  const dip = trend.map((r) => (r.m === 16 ? { ...r, secondsPerStep: 0.5 * r.secondsPerStep } : r));
  const spike = trend.map((r) => (r.m === 1 ? { ...r, secondsPerStep: 3 * r.secondsPerStep } : r));
  for (const rows of [dip, spike]) {
    const s = smoothStepTimes(rows);
    s.forEach((r, k) =>
      assert.ok(
        Math.abs(r.secondsPerStep / trend[k].secondsPerStep - 1) < 0.1,
        `m = ${r.m}: ${r.secondsPerStep}`,
      ),
    );
  }
  // Isotonic: a falling run is pooled to its geometric mean.
  const pooled = monotoneStepTimes([
    { m: 1, secondsPerStep: 4 },
    { m: 2, secondsPerStep: 1 },
    { m: 4, secondsPerStep: 8 },
  ]).map((r) => r.secondsPerStep);
  [2, 2, 8].forEach((want, k) => assert.ok(Math.abs(pooled[k] - want) < 1e-12, `${pooled}`));
});

test("chooseWithinBand takes the smallest m within the tolerance of the fastest; the tolerance follows the spread", () => {
  const rows = [
    { m: 8, seconds: 1.3 },
    { m: 16, seconds: 1.15 },
    { m: 32, seconds: 1.0 },
    { m: 64, seconds: 1.05 },
  ];
  const c = chooseWithinBand(rows, 0.2);
  assert.equal(c.best.m, 32);
  assert.deepEqual(
    c.band.map((r) => r.m),
    [16, 32, 64],
  );
  assert.equal(c.choice.m, 16);
  assert.equal(chooseWithinBand(rows, 0.1).choice.m, 32);
  // An m cut off from the fastest by a slower one is not in the band.
  const gap = [
    { m: 4, seconds: 1.1 },
    { m: 8, seconds: 1.5 },
    { m: 16, seconds: 1.0 },
    { m: 32, seconds: 1.1 },
  ];
  assert.deepEqual(
    chooseWithinBand(gap, 0.2).band.map((r) => r.m),
    [16, 32],
  );
  assert.equal(toleranceFromSpread([{ samples: [1, 1, 1] }]), MIN_BAND_TOLERANCE);
  assert.ok(
    Math.abs(
      toleranceFromSpread([{ samples: [0.8, 1, 1.2] }, { samples: [0.85, 1, 1.15] }]) - 0.35,
    ) < 1e-12,
  );
  assert.equal(toleranceFromSpread([{ samples: [0.1, 1, 5] }]), MAX_BAND_TOLERANCE);
  assert.throws(() => chooseWithinBand([], 0.1), /at least one candidate/);
});
