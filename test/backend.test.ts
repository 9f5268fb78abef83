import { test } from "node:test";
import assert from "node:assert/strict";
import { formatSeconds } from "../src/util/format";
import {
  backendName,
  formatTiming,
  loadTfjs,
  type BackendLoader,
  type BackendName,
  type Tfjs,
} from "../src/backend";

/** A loader that records its call and fails with the given reason. */
function failing(name: BackendName, reason: string, calls: string[]): BackendLoader {
  return {
    name,
    load: async () => {
      calls.push(name);
      throw new Error(reason);
    },
  };
}

/** A loader that succeeds without touching tfjs: a fake namespace reporting the backend. */
function fake(name: BackendName, calls: string[]): BackendLoader {
  return {
    name,
    load: async () => {
      calls.push(name);
      return { getBackend: () => name } as unknown as Tfjs;
    },
  };
}

test("a failing tensorflow loader falls through to wasm, and a failing wasm to cpu", async () => {
  const calls: string[] = [];
  const toWasm = await loadTfjs({
    loaders: [
      failing("tensorflow", "Cannot find module '@tensorflow/tfjs-node'", calls),
      fake("wasm", calls),
      fake("cpu", calls),
    ],
  });
  assert.equal(toWasm.backend, "wasm");
  assert.deepEqual(calls, ["tensorflow", "wasm"], "cpu must not be tried once wasm loaded");
  assert.deepEqual(toWasm.tried, [
    { name: "tensorflow", error: "Cannot find module '@tensorflow/tfjs-node'" },
    { name: "wasm" },
  ]);
  assert.equal(backendName(), "wasm");

  calls.length = 0;
  const toCpu = await loadTfjs({
    loaders: [
      failing("tensorflow", "no libtensorflow", calls),
      failing("wasm", "no wasm\nstack…", calls),
      fake("cpu", calls),
    ],
  });
  assert.equal(toCpu.backend, "cpu");
  assert.deepEqual(calls, ["tensorflow", "wasm", "cpu"]);
  assert.equal(toCpu.tried[1].error, "no wasm", "only the first line of a loader's error is kept");
  assert.equal(backendName(), "cpu");
});

test("prefer moves one backend to the front of the chain", async () => {
  const calls: string[] = [];
  const loaded = await loadTfjs({
    prefer: "cpu",
    loaders: [fake("tensorflow", calls), fake("wasm", calls), fake("cpu", calls)],
  });
  assert.equal(loaded.backend, "cpu");
  assert.deepEqual(calls, ["cpu"]);
  await assert.rejects(
    loadTfjs({ prefer: "gpu" as BackendName }),
    /prefer must be one of "tensorflow", "wasm", "cpu", got "gpu"/,
  );
});

test("when every loader fails the error lists each reason", async () => {
  const calls: string[] = [];
  await assert.rejects(
    loadTfjs({ loaders: [failing("wasm", "A", calls), failing("cpu", "B", calls)] }),
    /no TensorFlow\.js backend could be loaded: wasm: A; cpu: B/,
  );
});

test("the real chain loads a backend on this machine and names it", async () => {
  const loaded = await loadTfjs();
  assert.ok(["tensorflow", "wasm", "cpu"].includes(loaded.backend));
  assert.equal(loaded.tf.getBackend(), loaded.backend);
  assert.equal(backendName(), loaded.backend);
  // Every backend before the active one must say why it was skipped.
  for (const t of loaded.tried.slice(0, -1))
    assert.ok(t.error && t.error.length > 0, `${t.name} failed without a reason`);
  const sum = loaded.tf.tidy(() => loaded.tf.tensor1d([1, 2, 3]).sum().dataSync()[0]);
  assert.equal(sum, 6);
});

test("timings carry their unit and backend", () => {
  assert.equal(formatSeconds(0.0124), "12.4 ms");
  assert.equal(formatSeconds(8.3e-4), "830 µs");
  assert.equal(formatSeconds(3.214), "3.21 s");
  assert.equal(formatSeconds(4.2e-8), "42.0 ns");
  assert.equal(formatTiming(0.0124, "wasm"), "12.4 ms (wasm)");
  assert.throws(() => formatSeconds(NaN), /seconds must be a finite number, got NaN/);
});
