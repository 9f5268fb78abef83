// WebAssembly text → binary module, by wabt (the WebAssembly Binary Toolkit, itself compiled to
// WebAssembly). The kernels stay text (kernels.ts) so that they read as the loops they are; wabt
// turns that text into bytes when the first engine starts.
//
// wabt starts asynchronously (it compiles its own WebAssembly module), so it is loaded once per
// process, or per worker thread, with `await loadAssembler()`. After that assemble() is
// synchronous, which keeps the engines' constructors synchronous too.

import loadWabt from "wabt";

type Wabt = Awaited<ReturnType<typeof loadWabt>>;

let wabt: Wabt | undefined;
let loading: Promise<Wabt> | undefined;

/** Loads wabt once; later calls return at once. */
export async function loadAssembler(): Promise<void> {
  if (wabt) return;
  loading ??= loadWabt().catch((e: unknown) => {
    loading = undefined; // a later call tries again
    throw e;
  });
  wabt = await loading;
}

/** wabt, or a clear error when loadAssembler() has not finished. */
export function requireAssembler(): Wabt {
  if (!wabt) {
    throw new Error(
      "the WebAssembly kernels are not loaded yet: run `await loadKernels()` once (per process or worker thread) before creating a wasm engine or calling kernelFeatures()",
    );
  }
  return wabt;
}

/**
 * The binary module for `(module …)` text with 128-bit SIMD and relaxed SIMD enabled, validated.
 * LEB128 numbers are written in their shortest form (wabt pads section sizes otherwise).
 */
export function assemble(text: string, name = "kernels.wat"): Uint8Array {
  const module = requireAssembler().parseWat(name, text, { simd: true, relaxed_simd: true });
  try {
    module.validate();
    return module.toBinary({ canonicalize_lebs: true }).buffer;
  } finally {
    module.destroy();
  }
}
