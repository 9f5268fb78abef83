import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  RunCache,
  stableStringify,
  defaultCacheDir,
  runSweep,
  grid,
  consoleProgress,
  trainToTarget,
  firstCrossing,
  nextEvaluation,
  cachedTargetRun,
  stepsToTarget,
  lrGridValues,
  curveRun,
  type ProgressFactory,
  type RunOutput,
} from "../src/sweeps/index";
import { linearData } from "../src/data/synthetic";
import { BatchlabArgumentError } from "../src/util/validate";
import { linearRegression } from "../src/models/linear";
import { logisticRegression } from "../src/models/logistic";
import { linearOptimum } from "../src/sweeps/optimum";
import { logisticTeacher } from "../src/data/logisticTeacher";

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-sweeps-"));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name));
}

// ---------------------------------------------------------------------------------------------
// The cache

test("stableStringify ignores key order and keeps NaN and ±Infinity", () => {
  assert.equal(
    stableStringify({ b: 1, a: { d: 2, c: 3 } }),
    stableStringify({ a: { c: 3, d: 2 }, b: 1 }),
  );
  assert.notEqual(stableStringify({ a: NaN }), stableStringify({ a: null }));
  assert.notEqual(stableStringify({ a: Infinity }), stableStringify({ a: -Infinity }));
});

test("the cache returns what was stored, NaN, Infinity and typed arrays included", () => {
  const cache = new RunCache(tempDir());
  const config = { m: 4, lr: 0.1, seed: 1 };
  assert.equal(cache.get("t", config), undefined);
  cache.set("t", config, {
    loss: NaN,
    best: Infinity,
    worst: -Infinity,
    curve: Float64Array.of(1, 2.5),
    label: "ok",
    none: null,
  });
  assert.deepEqual(cache.get("t", { seed: 1, lr: 0.1, m: 4 }), {
    loss: NaN,
    best: Infinity,
    worst: -Infinity,
    curve: [1, 2.5],
    label: "ok",
    none: null,
  });
  assert.equal(
    cache.get("t", { m: 4, lr: 0.1, seed: 2 }),
    undefined,
    "another configuration is another run",
  );
  assert.deepEqual(cache.stats, { hits: 1, misses: 2, writes: 1, corrupt: 0 });
  // atomic writes leave no temporary file behind
  assert.deepEqual(
    filesUnder(cache.dir).map((f) => path.extname(f)),
    [".json"],
  );
});

test("a corrupt cache file is detected, deleted and reported, never returned", () => {
  const cache = new RunCache(tempDir());
  const config = { m: 16 };
  const corruptions: Record<string, (text: string) => string> = {
    "half-written": (t) => t.slice(0, Math.floor(t.length / 2)),
    empty: () => "",
    "edited value": (t) => t.replace('"value":{"loss":0.25}', '"value":{"loss":0.125}'),
    "wrong format": (t) => t.replace("batchlab-sweep-run/1", "something-else/1"),
    "not an object": () => "[1, 2, 3]",
  };
  for (const [what, corrupt] of Object.entries(corruptions)) {
    cache.set("c", config, { loss: 0.25 });
    const file = cache.fileFor("c", config);
    const text = fs.readFileSync(file, "utf8");
    const damaged = corrupt(text);
    assert.notEqual(damaged, text, `${what}: the corruption changes the file`);
    fs.writeFileSync(file, damaged);
    const before = cache.stats.corrupt;
    assert.equal(cache.get("c", config), undefined, `${what}: not returned`);
    assert.equal(cache.stats.corrupt, before + 1, `${what}: counted as corrupt`);
    assert.equal(fs.existsSync(file), false, `${what}: deleted`);
  }
});

test("the default cache folder is .cache/sweeps under the project root, wherever the caller runs", () => {
  const root = path.resolve(__dirname, "..");
  assert.equal(defaultCacheDir(), path.join(root, ".cache", "sweeps"));
  const cwd = process.cwd();
  try {
    process.chdir(os.tmpdir());
    assert.equal(defaultCacheDir(), path.join(root, ".cache", "sweeps"));
  } finally {
    process.chdir(cwd);
  }
});

// ---------------------------------------------------------------------------------------------
// The sweep runner

/** A deterministic fake training run: the loss decays at rate lr; it "diverges" when lr > 1. */
function fakeRun(config: { m: number; lr: number }): RunOutput {
  const rows = [0, 1, 2, 3].map((step) => ({ step, loss: Math.exp(-config.lr * step) / config.m }));
  return { rows, diverged: config.lr > 1, summary: { finalLoss: rows[3].loss } };
}

test("grid enumerates every combination, last key fastest", () => {
  assert.deepEqual(
    grid({ m: [1, 2], lr: [0.1, 0.2, 0.3] }).map((c) => `${c.m}/${c.lr}`),
    ["1/0.1", "1/0.2", "1/0.3", "2/0.1", "2/0.2", "2/0.3"],
  );
  assert.throws(() => grid({ m: [] as number[] }), /axes.m must be a non-empty array/);
});

test("runSweep returns a tidy table and keeps diverged runs out of it", async () => {
  const configs = grid({ m: [1, 4], lr: [0.5, 2] });
  const result = await runSweep({
    name: "tidy",
    configs,
    run: fakeRun,
    cache: false,
    progress: false,
  });
  assert.equal(result.table.numRows(), 2 * 4, "two non-diverged runs × four rows");
  assert.deepEqual(result.table.columnNames(), ["m", "lr", "step", "loss"]);
  assert.ok(
    (result.table.array("lr") as number[]).every((lr) => lr === 0.5),
    "no row of a diverged run",
  );
  const runs = result.runs.objects() as {
    m: number;
    lr: number;
    status: string;
    finalLoss: number;
  }[];
  assert.deepEqual(
    runs.map((r) => r.status),
    ["ok", "diverged", "ok", "diverged"],
  );
  assert.equal(runs[0].finalLoss, Math.exp(-1.5));
});

test("a sweep killed half-way loses no finished run, and the rerun computes only the rest", async () => {
  const dir = tempDir();
  const configs = grid({ m: [1, 2, 4, 8, 16], lr: [0.5] });
  const killedAt = 3;
  let calls = 0;
  await assert.rejects(
    runSweep({
      name: "resume",
      configs,
      cache: new RunCache(dir),
      progress: false,
      run: (c) => {
        if (calls++ === killedAt) throw new Error("killed");
        return fakeRun(c);
      },
    }),
    /killed/,
  );
  assert.equal(filesUnder(dir).length, killedAt, "every run finished before the kill is on disk");

  const computed: number[] = [];
  const resumed = await runSweep({
    name: "resume",
    configs,
    cache: new RunCache(dir),
    progress: false,
    run: (c) => {
      computed.push(c.m);
      return fakeRun(c);
    },
  });
  assert.deepEqual(computed, [8, 16], "only the runs that never finished are computed again");
  assert.equal(resumed.cached, killedAt);
  assert.equal(resumed.computed, 2);
  const fresh = await runSweep({
    name: "resume",
    configs,
    run: fakeRun,
    cache: false,
    progress: false,
  });
  assert.deepEqual(
    resumed.table.objects(),
    fresh.table.objects(),
    "cached runs give the same table as fresh ones",
  );
  assert.deepEqual(resumed.runs.array("cached") as boolean[], [true, true, true, false, false]);
});

test("runSweep recomputes a run whose cache file is half-written, and reports it", async () => {
  const dir = tempDir();
  const configs = grid({ m: [1, 2], lr: [0.5] });
  await runSweep({
    name: "half",
    configs,
    run: fakeRun,
    cache: new RunCache(dir),
    progress: false,
  });
  const cache = new RunCache(dir);
  const file = cache.fileFor("half", { sweep: "half", version: 1, config: configs[1] });
  assert.ok(fs.existsSync(file), "the runner's cache key is { sweep, version, config }");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").slice(0, 40));
  const again = await runSweep({ name: "half", configs, run: fakeRun, cache, progress: false });
  assert.equal(again.corrupt, 1);
  assert.equal(again.computed, 1);
  assert.equal(again.cached, 1);
  assert.equal(again.table.numRows(), 8);
});

test("a cached run of the wrong shape is recomputed even though its hash is valid", async () => {
  const configs = grid({ m: [1, 2], lr: [0.5] });
  const fresh = await runSweep({
    name: "shape",
    configs,
    run: fakeRun,
    cache: false,
    progress: false,
  });
  const good = {
    rows: [{ step: 0, loss: 1 }],
    diverged: false,
    summary: {},
    seconds: 0,
    columns: ["step", "loss"],
    summaryColumns: [],
  };
  const wrong: [string, unknown][] = [
    ["a number", 42],
    ["null", null],
    ["rows not an array", { ...good, rows: { step: 0 } }],
    ["a row that is a number", { ...good, rows: [5] }],
    ["a row with a column the run never had", { ...good, rows: [{ step: 0, loss: 1, extra: 2 }] }],
    [
      "no column order (written by older code)",
      { rows: good.rows, diverged: false, summary: {}, seconds: 0 },
    ],
    ["diverged not a boolean", { ...good, diverged: "no" }],
    ["summary a string", { ...good, summary: "fine" }],
    ["summary keys other than recorded", { ...good, summary: { a: 1 }, summaryColumns: ["b"] }],
  ];
  for (const [what, value] of wrong) {
    const cache = new RunCache(tempDir());
    cache.set("shape", { sweep: "shape", version: 1, config: configs[0] }, value);
    const again = await runSweep({ name: "shape", configs, run: fakeRun, cache, progress: false });
    assert.equal(again.corrupt, 1, `${what}: counted as corrupt`);
    assert.equal(again.computed, 2, `${what}: recomputed`);
    assert.deepEqual(
      again.table.objects(),
      fresh.table.objects(),
      `${what}: the table is the fresh one`,
    );
    const warm = await runSweep({ name: "shape", configs, run: fakeRun, cache, progress: false });
    assert.equal(warm.cached, 2, `${what}: the recomputed run replaced the bad file`);
  }
  // A sweep that declares its columns also rejects a stored run whose rows lack one.
  const cache = new RunCache(tempDir());
  cache.set(
    "declared",
    { sweep: "declared", version: 1, config: configs[0] },
    { ...good, rows: [{ step: 0 }], columns: ["step"] },
  );
  const declared = await runSweep({
    name: "declared",
    configs,
    run: fakeRun,
    cache,
    progress: false,
    columns: ["step", "loss"],
  });
  assert.equal(declared.corrupt, 1);
  assert.deepEqual(declared.table.objects(), fresh.table.objects());
  await assert.rejects(
    runSweep({
      name: "declared2",
      configs,
      run: fakeRun,
      cache: false,
      progress: false,
      columns: ["step", "loss", "accuracy"],
    }),
    (e: Error) =>
      e instanceof BatchlabArgumentError &&
      /rows\[0\] must be a row with the columns step, loss, accuracy/.test(e.message),
  );
});

test("RunCache.get with a shape check deletes a value that fails it", () => {
  const cache = new RunCache(tempDir());
  cache.set("t", { a: 1 }, { loss: "high" });
  const isLoss = (v: unknown): v is { loss: number } =>
    typeof (v as { loss?: unknown })?.loss === "number";
  assert.equal(cache.get("t", { a: 1 }, isLoss), undefined);
  assert.equal(cache.stats.corrupt, 1);
  assert.equal(fs.existsSync(cache.fileFor("t", { a: 1 })), false);
  cache.set("t", { a: 1 }, { loss: 0.5 });
  assert.deepEqual(cache.get("t", { a: 1 }, isLoss), { loss: 0.5 });
});

test("a sweep read from the cache has the same column order as the sweep computed fresh", async () => {
  const dir = tempDir();
  const configs = grid({ seed: [3], m: [2, 1] });
  // Keys deliberately out of alphabetical order: the cache file stores them sorted.
  const run = (c: { seed: number; m: number }): RunOutput => ({
    rows: [
      { step: 0, trainLoss: 1 / c.m, accuracy: 0.5 },
      { step: 1, trainLoss: 0.5 / c.m, accuracy: 0.75 },
    ],
    summary: { steps: 1, finalLoss: 0.5 / c.m },
  });
  const cold = await runSweep({
    name: "order",
    configs,
    run,
    cache: new RunCache(dir),
    progress: false,
  });
  const warm = await runSweep({
    name: "order",
    configs,
    run,
    cache: new RunCache(dir),
    progress: false,
  });
  assert.equal(warm.cached, 2);
  assert.deepEqual(cold.table.columnNames(), ["seed", "m", "step", "trainLoss", "accuracy"]);
  assert.deepEqual(warm.table.columnNames(), cold.table.columnNames());
  assert.deepEqual(warm.runs.columnNames(), cold.runs.columnNames());
  assert.deepEqual(
    warm.table.objects().map((r) => Object.keys(r)),
    cold.table.objects().map((r) => Object.keys(r)),
  );
  assert.deepEqual(warm.table.objects(), cold.table.objects());
});

test("a failed cache write leaves no temporary file behind", () => {
  const dir = tempDir();
  const cache = new RunCache(dir);
  const file = cache.fileFor("w", { a: 1 });
  // A folder (not empty) where the cache file should be: the rename onto it fails.
  fs.mkdirSync(file, { recursive: true });
  fs.writeFileSync(path.join(file, "keep"), "x");
  assert.throws(() => cache.set("w", { a: 1 }, { loss: 1 }), /the sweep cache could not write/);
  assert.deepEqual(
    filesUnder(dir).filter((f) => f.endsWith(".tmp")),
    [],
  );
  assert.equal(cache.stats.writes, 0);
  // A folder where the namespace folder should be: the temporary file cannot even be created.
  fs.writeFileSync(path.join(dir, "blocked"), "not a folder");
  assert.throws(() => cache.set("blocked", { a: 1 }, { loss: 1 }));
  assert.deepEqual(
    filesUnder(dir).filter((f) => f.endsWith(".tmp")),
    [],
  );
});

test("changing the version invalidates the cache", async () => {
  const dir = tempDir();
  const configs = grid({ m: [1], lr: [0.5] });
  await runSweep({
    name: "v",
    configs,
    run: fakeRun,
    cache: new RunCache(dir),
    progress: false,
    version: 1,
  });
  const v2 = await runSweep({
    name: "v",
    configs,
    run: fakeRun,
    cache: new RunCache(dir),
    progress: false,
    version: 2,
  });
  assert.equal(v2.computed, 1);
});

test("progress reports every configuration and is closed even when a run throws", async () => {
  const events: string[] = [];
  const progress: ProgressFactory = (label, total) => {
    events.push(`start ${label} ${total}`);
    return {
      update: (done, extra) =>
        events.push(`${done}${extra?.includes("from cache") ? " cached" : ""}`),
      done: () => events.push("done"),
    };
  };
  await runSweep({
    name: "p",
    configs: grid({ m: [1, 2], lr: [0.5] }),
    run: fakeRun,
    cache: false,
    progress,
  });
  assert.equal(events[0], "start p 2");
  assert.ok(events.includes("1") && events.includes("2"), events.join(", "));
  assert.equal(events[events.length - 1], "done");
  events.length = 0;
  await assert.rejects(
    runSweep({
      name: "p",
      configs: grid({ m: [1], lr: [0.5] }),
      run: () => {
        throw new Error("boom");
      },
      cache: false,
      progress,
    }),
    /boom/,
  );
  assert.equal(events[events.length - 1], "done");
});

test("consoleProgress writes throttled lines and a final one", () => {
  const lines: string[] = [];
  const p = consoleProgress({ write: (l) => lines.push(l), intervalMs: 1e9 })("sweep", 3);
  p.update(1, "m = 1");
  p.update(2, "m = 2"); // within the interval: not written
  p.update(3, "m = 4"); // the last one always is
  p.done();
  assert.deepEqual(lines, [
    "sweep: 1/3 · m = 1",
    "sweep: 3/3 · m = 4",
    "sweep: finished (3/3 · m = 4)",
  ]);
});

// ---------------------------------------------------------------------------------------------
// Training to a target, divergence

const regression = linearData({ n: 400, d: 3, sigma: 0.5, seed: 3 });
const linear = linearRegression(3);
const lstar = linearOptimum(regression.data).loss;

test("the evaluation schedule is every step at first, then geometric", () => {
  const steps: number[] = [];
  for (let s = nextEvaluation(0, 1.1); s <= 100; s = nextEvaluation(s, 1.1)) steps.push(s);
  assert.deepEqual(steps.slice(0, 10), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  for (let i = 10; i < steps.length; i++)
    assert.ok(steps[i] <= Math.ceil(steps[i - 1] * 1.1) && steps[i] > steps[i - 1]);
});

test("trainToTarget reports the first evaluated step at or below the target", () => {
  const target = lstar + 0.01;
  const run = trainToTarget(linear, regression.data, {
    batchSize: 8,
    lr: 0.05,
    target,
    maxSteps: 10_000,
    seed: 2,
    keepCurve: true,
  });
  assert.equal(run.status, "reached");
  const curve = run.curve!;
  const last = curve[curve.length - 1];
  assert.equal(run.steps, last.step);
  assert.equal(run.examples, 8 * last.step);
  assert.ok(last.loss <= target);
  assert.ok(
    curve.slice(0, -1).every((p) => p.loss > target),
    "no earlier evaluation was at the target",
  );
  // the same seed gives the same run
  assert.equal(
    trainToTarget(linear, regression.data, {
      batchSize: 8,
      lr: 0.05,
      target,
      maxSteps: 10_000,
      seed: 2,
    }).steps,
    run.steps,
  );
  // too few steps: not reached, and said so
  const short = trainToTarget(linear, regression.data, {
    batchSize: 8,
    lr: 0.05,
    target,
    maxSteps: 3,
    seed: 2,
  });
  assert.equal(short.status, "not-reached");
  assert.equal(short.steps, null);
  assert.equal(short.examples, null);
});

test("a run whose loss explodes is stopped early and marked diverged", () => {
  // λ_max of this problem's Hessian is about 1 (unit-variance features): η = 5 multiplies the error by ~4 per step
  const run = trainToTarget(linear, regression.data, {
    batchSize: 400,
    lr: 5,
    sampler: "shuffled",
    target: lstar + 0.01,
    maxSteps: 1000,
  });
  assert.equal(run.status, "diverged");
  assert.equal(run.steps, null);
  assert.ok(run.stepsRun < 20, `stopped after ${run.stepsRun} steps`);
  const curve = curveRun(linear, regression.data, { batchSize: 400, lr: 5, steps: 1000 });
  assert.equal(curve.diverged, true);
  assert.equal(curve.summary?.finalLoss, null, "a diverged run has no final loss to report");
});

test("firstCrossing on a synthetic curve: exact, smoothed, never, non-finite", () => {
  const xs = [0, 10, 20, 30, 40, 50];
  const loss = [1.0, 0.6, 0.45, 0.52, 0.38, 0.3];
  assert.equal(firstCrossing(xs, loss, 0.5), 20);
  assert.equal(firstCrossing(xs, loss, 0.45), 20, "reaching the target exactly counts");
  // smoothed over 2 points: (0.6 + 0.45)/2 = 0.525, (0.45 + 0.52)/2 = 0.485 ≤ 0.5 at x = 30
  assert.equal(firstCrossing(xs, loss, 0.5, { window: 2 }), 30);
  assert.equal(firstCrossing(xs, loss, 0.1), null);
  assert.equal(
    firstCrossing(xs, [1, NaN, 0.1, 0.1, 0.1, 0.1], 0.5),
    null,
    "a run that blew up never reached it",
  );
  assert.throws(
    () => firstCrossing([0, 2, 1], [1, 1, 1], 0.5),
    /xs\[2\] must be greater than xs\[1\] = 2, got 1/,
  );
  assert.throws(
    () => firstCrossing([0, 1], [1], 0.5),
    /losses.length must be equal to xs.length = 2, got 1/,
  );
});

// ---------------------------------------------------------------------------------------------
// Steps-to-target runs and the η search

const teacher = logisticTeacher({ n: 512, d: 5, condition: 4, seed: 2 });
const logistic = logisticRegression(5);

test("cachedTargetRun answers a smaller or larger step cap from one stored run", () => {
  const cache = new RunCache(tempDir());
  const problem = { id: "tiny-logistic", model: logistic, data: teacher.data, target: 0.6 };
  const first = cachedTargetRun(problem, { m: 8, lr: 0.5, seed: 0, maxSteps: 10_000 }, {}, cache);
  assert.equal(first.status, "reached");
  assert.equal(first.cached, false);
  const S = first.steps as number;
  const same = cachedTargetRun(problem, { m: 8, lr: 0.5, seed: 0, maxSteps: S }, {}, cache);
  assert.deepEqual([same.status, same.steps, same.cached], ["reached", S, true]);
  const smaller = cachedTargetRun(problem, { m: 8, lr: 0.5, seed: 0, maxSteps: S - 1 }, {}, cache);
  assert.deepEqual([smaller.status, smaller.cached], ["not-reached", true]);
  // and that is what a fresh run with that cap finds
  const fresh = cachedTargetRun(problem, { m: 8, lr: 0.5, seed: 0, maxSteps: S - 1 }, {}, null);
  assert.equal(fresh.status, "not-reached");
  assert.equal(fresh.stepsRun, smaller.stepsRun);
});

test("cachedTargetRun recomputes a stored run of the wrong shape (valid hash)", () => {
  const dir = tempDir();
  const cache = new RunCache(dir);
  const problem = { id: "tiny-logistic-shape", model: logistic, data: teacher.data, target: 0.6 };
  const run = { m: 8, lr: 0.5, seed: 0, maxSteps: 10_000 };
  const first = cachedTargetRun(problem, run, {}, cache);
  const [file] = filesUnder(dir);
  const { config } = JSON.parse(fs.readFileSync(file, "utf8")) as { config: unknown };
  // Same key, a value of another shape (steps as a string), stored with a hash that matches it.
  cache.set("steps-to-target", config, {
    status: "reached",
    steps: String(first.steps),
    seconds: 1,
    stepsRun: 5,
    finalLoss: 0.1,
  });
  const again = cachedTargetRun(problem, run, {}, cache);
  assert.equal(again.cached, false, "not trusted");
  assert.equal(cache.stats.corrupt, 1);
  assert.deepEqual([again.status, again.steps], [first.status, first.steps]);
  assert.equal(
    cachedTargetRun(problem, run, {}, cache).cached,
    true,
    "the recomputed run is stored again",
  );
});

test("stepsToTarget marks a batch size whose best η is at the edge of the grid as invalid", async () => {
  const problem = { id: "tiny-logistic-edge", model: logistic, data: teacher.data, target: 0.6 };
  const common = {
    batchSizes: [4, 32],
    seeds: [0],
    maxSteps: 20_000,
    cache: false as const,
    progress: false as const,
  };
  // a grid of small rates only: the larger, the faster, so the best η is the grid's last one
  const narrow = await stepsToTarget(problem, {
    ...common,
    lrGrid: { min: 0.001, max: 0.004, perOctave: 1 },
  });
  const rows = narrow.best.objects() as {
    m: number;
    atEdge: boolean;
    valid: boolean;
    lr: number;
  }[];
  assert.ok(
    rows.every((r) => r.atEdge && !r.valid && r.lr === 0.004),
    JSON.stringify(rows),
  );
  // a wide grid finds an interior optimum, and the larger batch needs fewer steps
  const wide = await stepsToTarget(problem, {
    ...common,
    lrGrid: { min: 2 ** -6, max: 2 ** 8, perOctave: 2 },
    startLr: 0.5,
  });
  const best = wide.best.objects() as { m: number; steps: number; valid: boolean; lr: number }[];
  assert.ok(
    best.every((r) => r.valid),
    JSON.stringify(best),
  );
  assert.ok(best[1].steps < best[0].steps);
});

test("stepsToTarget reports a batch size that never reaches the target instead of dropping it", async () => {
  const problem = { id: "tiny-logistic-never", model: logistic, data: teacher.data, target: 0.6 };
  // η = 256 throws the weights so far that the loss stays far above the target
  const result = await stepsToTarget(problem, {
    batchSizes: [4],
    seeds: [0],
    maxSteps: 200,
    lrGrid: { min: 256, max: 256, perOctave: 1 },
    cache: false,
    progress: false,
  });
  const trial = result.trials.objects()[0] as { status: string; steps: number | null };
  assert.notEqual(trial.status, "reached");
  assert.equal(trial.steps, null);
  const best = result.best.objects()[0] as { m: number; steps: number | null; valid: boolean };
  assert.deepEqual(best.m, 4);
  assert.equal(best.steps, null);
  assert.equal(best.valid, false);
});

test("lrGridValues spaces rates evenly in log η", () => {
  assert.deepEqual(lrGridValues({ min: 0.25, max: 4, perOctave: 1 }), [0.25, 0.5, 1, 2, 4]);
  assert.equal(lrGridValues({ min: 1, max: 2, perOctave: 2 })[1], 1.41421);
  assert.throws(
    () => lrGridValues({ min: 1, max: 0.5, perOctave: 2 }),
    /grid.max must be at least grid.min = 1/,
  );
});
