// The worker pool (src/pool) and runSweep on it: results identical to the serial run bit for bit,
// a throwing job and a dying worker fail with their configuration and never hang the pool, an
// interrupted sweep resumes from the cache, and the pool works inside the tslab kernel.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  JobError,
  WorkerPool,
  sharedPool,
  whenPoolIdle,
  workerCount,
  type JobRef,
} from "../src/pool/index";
import { timeInterleaved } from "../src/compute/timing";
import { loadKernels } from "../src/engines/wasm/runtime";
import { RunCache } from "../src/sweeps/cache";
import { grid, runSweep } from "../src/sweeps/runner";
import { stepsToTarget } from "../src/sweeps/tuning";
import { tinyLogistic } from "./fixtures/jobs";
import { readNotebook, root, runCli } from "./helpers/run";
import {
  interpolationCurveOf,
  lrRuleGrid,
  measureSharpnessOfRuns,
  mnistMlpProblem,
  runFixedEpochs,
  runToEqualLoss,
} from "../src/generalization/index";
import { joinSource, type CodeCell } from "../scripts/runner/nbformat";

const jobs = path.join(root, "test", "fixtures", "jobs.ts");
const trainLinear: JobRef = { module: jobs, name: "trainLinear" };
const slow: JobRef = { module: jobs, name: "slow" };
const dies: JobRef = { module: jobs, name: "dies" };
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-pool-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("worker pool", () => {
  test("BATCHLAB_WORKERS chooses the size; unset means one per core; a bad value is named", () => {
    assert.equal(workerCount({ BATCHLAB_WORKERS: "3" }), 3);
    assert.equal(workerCount({}), os.availableParallelism());
    assert.throws(
      () => workerCount({ BATCHLAB_WORKERS: "0" }),
      /BATCHLAB_WORKERS must be a positive integer/,
    );
    assert.throws(() => workerCount({ BATCHLAB_WORKERS: "two" }), /BATCHLAB_WORKERS/);
  });

  test("a sweep on 2 workers gives the serial sweep's tables, bit for bit and in the same order", async () => {
    const configs = grid({ m: [1, 4, 16, 64], lr: [0.05, 0.2], seed: [1, 2] });
    const serialPool = new WorkerPool(1);
    const parallelPool = new WorkerPool(2);
    try {
      const serial = await runSweep({
        name: "pool-identical",
        configs,
        job: trainLinear,
        pool: serialPool,
        cache: false,
        progress: false,
      });
      const parallel = await runSweep({
        name: "pool-identical",
        configs,
        job: trainLinear,
        pool: parallelPool,
        cache: false,
        progress: false,
      });
      assert.equal(parallel.computed, configs.length);
      assert.deepEqual(parallel.table.columnNames(), serial.table.columnNames());
      assert.deepEqual(parallel.table.objects(), serial.table.objects());
      const strip = (rows: object[]) => rows.map((r) => ({ ...r, seconds: 0 }));
      assert.deepEqual(strip(parallel.runs.objects()), strip(serial.runs.objects()));
      assert.ok(serial.table.numRows() > 100, "the comparison covers many numbers");
    } finally {
      await parallelPool.close();
    }
  });

  test("a throwing job fails the sweep with its configuration and message, after the others were cached", async () => {
    const cache = new RunCache(path.join(tmp, "throwing"));
    const configs = grid({ m: [8], lr: [0.1], seed: [1, 2, 3, 4] });
    process.env.BATCHLAB_TEST_FAIL_SEED = "3";
    const pool = new WorkerPool(2);
    try {
      await assert.rejects(
        runSweep({
          name: "pool-throwing",
          configs,
          job: trainLinear,
          pool,
          cache,
          progress: false,
        }),
        (e: unknown) =>
          e instanceof JobError &&
          /"seed":3/.test(e.message) &&
          /planned failure at seed 3/.test(e.message),
      );
    } finally {
      await pool.close();
      delete process.env.BATCHLAB_TEST_FAIL_SEED;
    }
    const again = new WorkerPool(2);
    try {
      const resumed = await runSweep({
        name: "pool-throwing",
        configs,
        job: trainLinear,
        pool: again,
        cache,
        progress: false,
      });
      assert.deepEqual(
        [resumed.cached, resumed.computed],
        [3, 1],
        "only the failed run is computed again",
      );
    } finally {
      await again.close();
    }
  });

  test("a worker that dies fails its job, and the pool goes on with a fresh worker", async () => {
    const pool = new WorkerPool(2);
    try {
      await assert.rejects(
        pool.run(dies, { x: 1 }),
        (e: unknown) =>
          e instanceof JobError && /exited with code 7/.test(e.message) && /"x":1/.test(e.message),
      );
      const { value } = await pool.run<{ rows: { i: number }[] }>(slow, { ms: 1, i: 5 });
      assert.deepEqual(value.rows, [{ i: 5 }]);
      assert.equal(pool.busy, false);
    } finally {
      await pool.close();
    }
  });

  test("a sweep interrupted half-way keeps every finished run, and the next run resumes from the cache", async () => {
    const cache = new RunCache(path.join(tmp, "interrupted"));
    const configs = Array.from({ length: 8 }, (_, i) => ({ ms: 250, i }));
    const pool = new WorkerPool(2);
    // Stop the pool (what interrupting the kernel does) once two runs have finished, however slow
    // the machine is: the progress display is told each time a run finishes.
    let closing: Promise<void> | null = null;
    const progress = () => ({
      update(done: number) {
        if (done >= 2 && !closing) closing = pool.close();
      },
      done() {},
    });
    const outcome = runSweep({
      name: "pool-interrupted",
      configs,
      job: slow,
      pool,
      cache,
      progress,
    }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.match(String(await outcome), /the pool is closed/);
    await closing;
    const fresh = new WorkerPool(2);
    try {
      const resumed = await runSweep({
        name: "pool-interrupted",
        configs,
        job: slow,
        pool: fresh,
        cache,
        progress: false,
      });
      assert.ok(
        resumed.cached >= 2 && resumed.cached < configs.length,
        `cached ${resumed.cached} of ${configs.length}`,
      );
      assert.equal(resumed.cached + resumed.computed, configs.length);
      assert.deepEqual(resumed.table.array("i"), [0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await fresh.close();
    }
  });

  test("whenIdle waits for running jobs; a closed pool refuses new ones", async () => {
    const pool = new WorkerPool(2);
    const job = pool.run(slow, { ms: 200, i: 1 });
    assert.equal(pool.busy, true);
    await pool.whenIdle();
    assert.equal(pool.busy, false);
    await job;
    await pool.close();
    await assert.rejects(pool.run(slow, { ms: 1, i: 2 }), /the pool is closed/);
  });

  test("inside the tslab kernel: a sweep on 2 workers equals the serial one", async () => {
    const out = path.join(tmp, "kernel");
    const r = await runCli(
      ["--quick", "--no-sign", "--out", out, path.join(root, "test", "fixtures", "pool.ipynb")],
      { BATCHLAB_WORKERS: "2" },
    );
    assert.equal(r.code, 0, r.stderr);
    const nb = readNotebook(path.join(out, "notebooks", "pool.ipynb"));
    const text = nb.cells
      .filter((c): c is CodeCell => c.cell_type === "code")
      .flatMap((c) => c.outputs ?? [])
      .map((o) => JSON.stringify(o))
      .join("\n");
    assert.match(text, /workers: 2/);
    assert.match(text, /✓ The sweep on 2 workers equals the serial sweep/);
    assert.ok(joinSource(nb.cells[1].source).includes("job:"));
  });
});

describe("chapter 4's experiments on the pool", () => {
  // A small MNIST problem: the workers rebuild it from its spec, and their runs must be the serial ones.
  let problem: ReturnType<typeof mnistMlpProblem>;
  before(async () => {
    await loadKernels(); // wabt assembles the MLP's kernels; it loads asynchronously
    problem = mnistMlpProblem({
      train: { perClass: 6, seed: 0 },
      test: { perClass: 4, seed: 1 },
      widths: [784, 8, 10],
    });
  });
  const noSeconds = <T extends object>(rows: T[]) => rows.map((r) => ({ ...r, seconds: 0 }));

  test("fixed-epoch runs, runs to a loss and their sharpness equal the serial ones, in the same order", async () => {
    const serialPool = new WorkerPool(1);
    const pool = new WorkerPool(2);
    try {
      const configs = lrRuleGrid({
        batchSizes: [4, 12, 60],
        rules: ["same", "sqrt"],
        base: { lr: 0.1, batchSize: 12 },
        seeds: 2,
      });
      const labels: string[] = [];
      const fixed = await runFixedEpochs(problem, configs, {
        epochs: 2,
        pool,
        onRun: (done, total) => labels.push(`${done}/${total}`),
      });
      const fixedSerial = await runFixedEpochs(problem, configs, { epochs: 2, pool: serialPool });
      assert.deepEqual(noSeconds(fixed), noSeconds(fixedSerial));
      assert.equal(
        labels[labels.length - 1],
        `${configs.length}/${configs.length}`,
        "progress counts every config, shared runs included",
      );

      const equalConfigs = [
        { m: 6, lr: 0.05, warmupSteps: 0, seed: 0 },
        { m: 60, lr: 0.3, warmupSteps: 5, seed: 1 },
        { m: 20, lr: 0.1, warmupSteps: 0, seed: 2 },
      ];
      const settings = { target: 1.0, momentum: 0.9, maxEpochs: 100 };
      const equal = await runToEqualLoss(problem, equalConfigs, { ...settings, pool });
      const equalSerial = await runToEqualLoss(problem, equalConfigs, {
        ...settings,
        pool: serialPool,
      });
      assert.deepEqual(
        noSeconds(equal.map((r) => r.row)),
        noSeconds(equalSerial.map((r) => r.row)),
      );
      equal.forEach((r, i) => assert.deepEqual(r.theta, equalSerial[i].theta, "θ bit for bit"));

      const sharp = await measureSharpnessOfRuns(problem, equal, {
        pool,
        exactMlp: true,
        maxIterations: 10,
      });
      const sharpSerial = await measureSharpnessOfRuns(problem, equalSerial, {
        pool: serialPool,
        exactMlp: true,
        maxIterations: 10,
      });
      assert.deepEqual(noSeconds(sharp), noSeconds(sharpSerial));
      assert.ok(sharp.every((r) => r.lambdaMax > 0));

      const alphas = [-0.5, 0, 0.25, 0.5, 1, 1.5];
      const line = await interpolationCurveOf(problem, equal[0].theta, equal[1].theta, alphas, {
        pool,
      });
      assert.deepEqual(
        line,
        await interpolationCurveOf(problem, equal[0].theta, equal[1].theta, alphas, {
          pool: serialPool,
        }),
      );
      assert.deepEqual(
        line.map((p) => p.alpha),
        alphas.flatMap((a) => [a, a]),
        "every α on both sets, in order",
      );
    } finally {
      await pool.close();
    }
  });
});

describe("steps to target on the pool", () => {
  test("a trial's seeds side by side give the one-at-a-time search's tables, and the cache answers the rest", async () => {
    const problem = tinyLogistic({ target: 0.6 });
    const options = {
      batchSizes: [4, 32, 256],
      seeds: [0, 1, 2],
      maxSteps: 20_000,
      lrGrid: { min: 2 ** -4, max: 2 ** 8, perOctave: 1 },
      startLr: 0.5,
      progress: false as const,
    };
    const pool = new WorkerPool(2);
    try {
      const serial = await stepsToTarget(problem, {
        ...options,
        cache: false,
        pool: new WorkerPool(1),
      });
      const cache = new RunCache(path.join(tmp, "steps"));
      const parallel = await stepsToTarget(problem, { ...options, cache, pool });
      const strip = (rows: object[]) => rows.map((r) => ({ ...r, seconds: 0, cached: false }));
      assert.deepEqual(parallel.trials.objects(), serial.trials.objects());
      assert.deepEqual(parallel.best.objects(), serial.best.objects());
      assert.deepEqual(strip(parallel.runs.objects()), strip(serial.runs.objects()));
      assert.ok(
        serial.trials.numRows() >= 6 &&
          (serial.trials.objects() as { status: string }[]).some((t) => t.status !== "reached"),
        "failing trials included",
      );
      assert.ok(
        parallel.computed >= serial.computed,
        "seeds beside a failing one may be computed too",
      );
      const again = await stepsToTarget(problem, { ...options, cache, pool });
      assert.equal(again.computed, 0);
      assert.deepEqual(again.best.objects(), serial.best.objects());
    } finally {
      await pool.close();
    }
  });
});

describe("timings wait for an idle pool", () => {
  test("timeInterleaved refuses to time while the shared pool runs a job, and times once it is idle", async () => {
    const pool = sharedPool();
    const job = pool.run(slow, { ms: 300, i: 1 });
    assert.throws(
      () => timeInterleaved([{ key: 0, run: () => 0 }]),
      /worker pool is still running jobs; await whenPoolIdle\(\)/,
    );
    await whenPoolIdle();
    await job;
    assert.equal(timeInterleaved([{ key: 0, run: () => 1 }], { repeats: 1 })[0].median, 1);
  });
});
