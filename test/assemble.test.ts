// The kernels' WebAssembly text is assembled by wabt (src/engines/wasm/assemble.ts), which
// loadKernels() loads. Whether the assembled kernels compute the right thing is checked against
// float64 loops in kernels.test.ts and against the plain-JavaScript models in engines.test.ts.
// The tests here run in order: the first one needs a process where nothing has loaded wabt yet
// (node's test runner gives each test file its own process).

import { test } from "node:test";
import assert from "node:assert/strict";
import { assemble } from "../src/engines/wasm/assemble";
import { assemble as handAssemble } from "../src/engines/wasm/wat";
import {
  DEFAULT_SHAPES,
  kernelModuleText,
  type Arithmetic,
  type KernelShape,
} from "../src/engines/wasm/kernels";
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

test("wabt's binary is byte for byte the one the hand-written assembler made, for every kernel variant", () => {
  // The hand-written assembler exported the memory implicitly, as the module's last export.
  const withoutMemoryExport = (text: string): string =>
    text.replace(`(export "memory" (memory 0))`, "");
  const shapes: [string, KernelShape][] = [
    ["fma default", DEFAULT_SHAPES.fma],
    ["mul+add default", DEFAULT_SHAPES["mul+add"]],
    // The shapes kernels.test.ts compiles besides the defaults.
    ["dot products only", { ...DEFAULT_SHAPES["mul+add"], ntTransposeRows: 1 << 30 }],
    ["transposed from row 1", { ...DEFAULT_SHAPES["mul+add"], ntTransposeRows: 1 }],
  ];
  for (const arithmetic of ["fma", "mul+add"] as Arithmetic[]) {
    for (const [name, shape] of shapes) {
      const text = kernelModuleText(arithmetic, shape);
      const ours = assemble(text);
      const theirs = handAssemble(withoutMemoryExport(text)).bytes;
      assert.ok(
        Buffer.from(ours).equals(Buffer.from(theirs)),
        `${arithmetic}, ${name}: ${ours.length} bytes by wabt, ${theirs.length} by hand`,
      );
    }
  }
  const probe = `(module (func (param $x v128) (result v128) (f32x4.relaxed_madd (local.get $x) (local.get $x) (local.get $x))))`;
  // Without exports, the hand-written assembler still wrote an empty export section (id 7, size 1,
  // no entries: 07 01 00) before the code section; wabt leaves it out. Otherwise the same bytes.
  const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
  assert.equal(
    hex(assemble(probe)).replace(/0a0d01/, "0701000a0d01"),
    hex(handAssemble(probe).bytes),
    "the relaxed-SIMD probe",
  );
});
