// The data-parallel MLP engine (src/engines/dataParallel): its gradient and train()'s θ agree with
// the one-worker engine to float32 rounding for batches of every shape (m < K, m not divisible by
// K, m large), a bad number of workers is named, and the worker threads shut down cleanly (close()
// stops them; a process that never calls it still exits). And the reading of its timings
// (src/compute/parallel.ts): synchronisation cost and crossover.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import type { Dataset } from "../src/data/dataset";
import {
  dataParallelMlp,
  shareSizes,
  type DataParallelModel,
} from "../src/engines/dataParallel/engine";
import { wasmMlp } from "../src/engines/wasmMlp";
import { loadKernels } from "../src/engines/wasm/runtime";
import type { FastModel } from "../src/engines/fastModel";
import type { Params } from "../src/models/model";
import { train } from "../src/update/train";
import { rng } from "../src/util/rng";
import { crossoverBatch, parallelRows } from "../src/compute/parallel";
import type { StepTimeRow } from "../src/compute/timing";
import { root } from "./helpers/run";

function syntheticData(n: number, d: number, classes: number, seed: number): Dataset {
  const random = rng(seed);
  const x = new Float64Array(n * d);
  for (let k = 0; k < x.length; k++) x[k] = random.next();
  const y = Float64Array.from({ length: n }, () => random.int(classes));
  return { name: "synthetic", n, d, x, y, classes };
}

const widths = [64, 32, 10];
const data = syntheticData(600, widths[0], widths[widths.length - 1], 5);
let single: FastModel;
let theta0: Params;
before(async () => {
  await loadKernels(); // wabt assembles the kernels; it loads asynchronously
  single = wasmMlp(widths);
  theta0 = single.init(rng(1));
});
const models = new Map<string, DataParallelModel>();
/** One model per (K, crossover), reused: starting worker threads takes a second or two. Crossover 1 splits every batch of two or more. */
const parallel = (workers: number, crossover = 1): DataParallelModel => {
  const key = `${workers}/${crossover}`;
  if (!models.has(key)) models.set(key, dataParallelMlp(widths, { workers, crossover }));
  return models.get(key) as DataParallelModel;
};
after(() => Promise.all([...models.values()].map((m) => m.close())));

const maxAbs = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s = Math.max(s, Math.abs(a[j]));
  return s;
};
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let j = 0; j < a.length; j++) s = Math.max(s, Math.abs(a[j] - b[j]));
  return s;
};

// Tolerance: both engines sum the same float32 products, grouped differently (one sum over the m
// examples against K sums over the shares, combined in float64). float32 keeps about 7 digits
// (ε = 6e-8); rounding differences of sums of a few thousand terms stay within ~1e-6 of the
// largest term, and 1e-5 leaves a factor 10 above that while catching any real error (a share
// weighted 1/K instead of n_k/m, a missing or doubled example, is off by 1e-2 or more).
const TOLERANCE = 1e-5;

describe("data-parallel MLP", () => {
  test("shares: K contiguous sizes that add up to m and differ by at most one", () => {
    assert.deepEqual(shareSizes(7, 2), [4, 3]);
    assert.deepEqual(shareSizes(2, 3), [1, 1, 0]);
    for (const [m, K] of [
      [1, 2],
      [5, 4],
      [512, 2],
      [1000, 3],
    ]) {
      const sizes = shareSizes(m, K);
      assert.equal(
        sizes.reduce((a, b) => a + b, 0),
        m,
      );
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
  });

  test("the gradient equals the one-worker engine's to float32 rounding (m < K, m not divisible by K, large m)", () => {
    const cases: [number, number][] = [
      [2, 1],
      [2, 2],
      [2, 7],
      [2, 64],
      [2, 255],
      [3, 2],
      [3, 10],
      [3, 301],
    ];
    for (const [K, m] of cases) {
      const model = parallel(K);
      const batch = Int32Array.from({ length: m }, (_, k) => (97 * k + 13) % data.n);
      const g1 = new Float64Array(single.size),
        gK = new Float64Array(single.size);
      single.batchGradient(theta0, data, batch, g1);
      model.batchGradient(theta0, data, batch, gK);
      const relative = maxDiff(g1, gK) / maxAbs(g1);
      assert.ok(
        relative <= TOLERANCE,
        `K = ${K}, m = ${m}: gradients differ by ${relative.toExponential(2)} of the largest entry`,
      );
      assert.ok(maxAbs(gK) > 0);
    }
  });

  test("a share weighted wrongly would fail the tolerance (the test can fail)", () => {
    // The equal-weight mean of the shares' means (1/K instead of n_k/m) for m = 3 on 2 workers.
    const batch = Int32Array.from([4, 90, 333]);
    const g = new Float64Array(single.size),
      a = new Float64Array(single.size),
      b = new Float64Array(single.size);
    single.batchGradient(theta0, data, batch, g);
    single.batchGradient(theta0, data, batch.subarray(0, 2), a);
    single.batchGradient(theta0, data, batch.subarray(2), b);
    const wrong = a.map((v, j) => (v + b[j]) / 2);
    assert.ok(maxDiff(g, wrong) / maxAbs(g) > 100 * TOLERANCE);
  });

  test("train(): θ agrees with the one-worker engine to float32 rounding, with and without momentum", () => {
    for (const [K, m, momentum, weightDecay] of [
      [2, 33, 0, 0],
      [3, 100, 0.9, 1e-3],
      [2, 1, 0, 0],
    ] as const) {
      const options = {
        batchSize: m,
        lr: 0.05,
        steps: 40,
        seed: 3,
        init: theta0,
        evalEvery: 40,
        evalSize: 1,
        momentum,
        weightDecay,
      };
      const a = train(single, data, options).theta;
      const b = train(parallel(K), data, options).theta;
      const moved = maxDiff(a, theta0);
      const relative = maxDiff(a, b) / moved;
      // The same tolerance, on how far θ moved: each step's difference is the gradients' rounding times η.
      assert.ok(
        relative <= TOLERANCE,
        `K = ${K}, m = ${m}: θ differs by ${relative.toExponential(2)} of the distance it moved`,
      );
    }
  });

  test("below the crossover the step is the one-worker engine's, bit for bit; θ crosses over both ways", () => {
    const model = parallel(2, 32);
    assert.deepEqual(
      [1, 31, 32, 500].map((m) => model.workersFor(m)),
      [1, 1, 2, 2],
    );
    assert.equal(parallel(3, 1).workersFor(2), 2, "m < K: only m workers have examples");
    const below = {
      batchSize: 16,
      lr: 0.05,
      steps: 30,
      seed: 4,
      init: theta0,
      evalEvery: 30,
      evalSize: 1,
    };
    const a = train(single, data, below).theta,
      b = train(model, data, below).theta;
    assert.equal(maxDiff(a, b), 0);
    // A schedule that crosses the crossover in both directions (m = 8, 64, 8, …, one epoch each).
    const crossing = {
      ...below,
      batchSize: (epoch: number) => (epoch % 2 === 0 ? 8 : 64),
      steps: undefined,
      epochs: 4,
    };
    const c = train(single, data, crossing).theta,
      d = train(model, data, crossing).theta;
    assert.ok(maxDiff(c, d) / maxDiff(c, theta0) <= TOLERANCE);
  });

  test("bad input is named: K, the crossover, a batch index", () => {
    for (const workers of [0, -1, 1.5, 65, Number.NaN]) {
      assert.throws(
        () => dataParallelMlp(widths, { workers }),
        /workers must be a whole number of workers from 1 .* to 64/,
      );
    }
    assert.throws(
      () => dataParallelMlp(widths, { crossover: 0 }),
      /crossover must be a positive integer/,
    );
    const model = parallel(2);
    assert.throws(
      () => model.batchGradient(theta0, data, [0, 1, data.n], new Float64Array(single.size)),
      /batch\[2\] must be an example index in 0\.\.599/,
    );
  });

  test("close() stops the workers; a closed model says so", async () => {
    const model = dataParallelMlp(widths, { workers: 2, crossover: 1 });
    const g = new Float64Array(single.size);
    model.batchGradient(theta0, data, [1, 2, 3], g);
    await model.close();
    assert.throws(() => model.batchGradient(theta0, data, [1, 2, 3], g), /closed/);
    await model.close(); // twice is harmless
  });

  test("a process that never closes the model still exits (its workers are unref'd)", () => {
    const script = `
      const { dataParallelMlp } = require(${JSON.stringify(path.join(root, "src/engines/dataParallel/engine.ts"))});
      const { loadKernels } = require(${JSON.stringify(path.join(root, "src/engines/wasm/runtime.ts"))});
      loadKernels().then(() => {
      const model = dataParallelMlp([8, 4, 3], { workers: 2, crossover: 1 });
      const data = { name: "d", n: 4, d: 8, x: new Float64Array(32).fill(0.5), y: Float64Array.from([0, 1, 2, 0]), classes: 3 };
      const g = new Float64Array(model.size);
      model.batchGradient(model.init({ normal: () => 0.1, next: () => 0.5 }), data, [0, 1, 2, 3], g);
      console.log("computed", g.some((v) => v !== 0));
      });`;
    const t0 = Date.now();
    const run = spawnSync(process.execPath, ["--import", "tsx", "-e", script], {
      cwd: root,
      encoding: "utf8",
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /computed true/);
    assert.ok(Date.now() - t0 < 120_000);
  });
});

describe("reading t₁(m) against t_K(m)", () => {
  const row = (engine: string, m: number, seconds: number): StepTimeRow => ({
    engine,
    m,
    secondsPerStep: seconds,
    examplesPerSecond: m / seconds,
    steps: 1,
    samples: [seconds],
  });
  // t₁ = 10 µs + 1 µs·m; t₂ = t₁/2 + 40 µs: the split pays where t₁/2 > 40 µs, i.e. from m = 71 on.
  const ms = [1, 16, 64, 128, 512];
  const one = ms.map((m) => row("1", m, 1e-5 + 1e-6 * m));
  const two = ms.map((m) => row("2", m, (1e-5 + 1e-6 * m) / 2 + 4e-5));

  test("parallelRows splits t₂ into the perfect split and the synchronisation cost", () => {
    const rows = parallelRows(one, two, 2);
    for (const r of rows) {
      assert.ok(Math.abs(r.syncSeconds - 4e-5) < 1e-12);
      assert.ok(Math.abs(r.idealSeconds + r.syncSeconds - r.parallelSeconds) < 1e-15);
      assert.ok(Math.abs(r.savedSeconds - r.oneSeconds / 2) < 1e-15);
    }
    assert.throws(() => parallelRows(one, two.slice(1), 2), /m = 1 is missing/);
  });

  test("crossoverBatch: the smallest m from which every larger m pays; none if the largest does not", () => {
    assert.equal(crossoverBatch(parallelRows(one, two, 2)), 128);
    const lucky = [...two];
    lucky[1] = row("2", 16, 1e-6); // one fast timing below the crossover does not move it
    assert.equal(crossoverBatch(parallelRows(one, lucky, 2)), 128);
    assert.equal(crossoverBatch(parallelRows(one.slice(0, 2), two.slice(0, 2), 2)), null);
  });
});
