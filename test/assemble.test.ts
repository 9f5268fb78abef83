// The kernels' WebAssembly text is assembled by wabt (src/engines/wasm/assemble.ts), which
// loadKernels() loads. Whether the assembled kernels compute the right thing is checked against
// float64 loops in kernels.test.ts and against the plain-JavaScript models in engines.test.ts.
// The tests here run in order: the first one needs a process where nothing has loaded wabt yet
// (node's test runner gives each test file its own process).

import { test } from "node:test";
import assert from "node:assert/strict";
import { assemble } from "../src/engines/wasm/assemble";
import { kernelFeatures, loadKernels } from "../src/engines/wasm/runtime";
import { wasmMlp } from "../src/engines/wasmMlp";

test("before loadKernels(), creating an engine or asking kernelFeatures() says how to load the kernels", () => {
  assert.throws(() => wasmMlp([3, 2, 2]), /run `await loadKernels\(\)` once/);
  assert.throws(() => kernelFeatures(), /run `await loadKernels\(\)` once/);
});

test("loadKernels() may be awaited several times, concurrently; engines work after it", async () => {
  await Promise.all([loadKernels(), loadKernels()]);
  await loadKernels();
  const model = wasmMlp([3, 2, 2]);
  assert.equal(model.size, 3 * 2 + 2 + 2 * 2 + 2);
  assert.ok(kernelFeatures().simd);
});

test("a mistake in kernel text is reported with the file, line and column, and the offending token", () => {
  assert.throws(
    () => assemble(`(module\n  (func (i32.frobnicate (i32.const 1))))`, "bad.wat"),
    /bad\.wat:2:10: error: unexpected token "i32\.frobnicate"/,
  );
  assert.throws(
    () => assemble(`(module (func (result i32) (local.get $nope)))`),
    /undefined local variable "\$nope"/,
  );
  assert.throws(() => assemble(`(module (func (result i32) (f32.const 1)))`), /type mismatch/);
});
