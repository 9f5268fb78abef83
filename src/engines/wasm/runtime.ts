// One instance of the kernel module with its own linear memory, and a bump allocator over that
// memory. Engines ask for named f32/f64/i32 regions; a region keeps its address until the engine
// asks for it again with a larger size (then it moves to the end of memory). Memory only grows:
// WebAssembly cannot shrink it, so an engine that outgrows a budget starts a fresh instance.
//
// The kernels' text is assembled by wabt, which loads asynchronously: `await loadKernels()` once
// (per process or worker thread) before anything here that builds kernels.

import { assemble, loadAssembler, requireAssembler } from "./assemble";
import { DEFAULT_SHAPES, kernelModuleText, type Arithmetic, type KernelShape } from "./kernels";

// The few WebAssembly JS API members used here, typed locally: the notebook kernel compiles with a
// library set that does not declare the WebAssembly namespace, although the runtime has it.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __brand?: "WasmModule";
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ) => { exports: unknown };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export interface KernelExports {
  memory: WasmMemory;
  gemm_nt(
    M: number,
    N: number,
    K: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    bias: number,
    relu: number,
  ): void;
  gemm_tn(
    M: number,
    N: number,
    K: number,
    a: number,
    acs: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    accumulate: number,
  ): void;
  gemm_nn(
    M: number,
    N: number,
    K: number,
    a: number,
    ars: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    accumulate: number,
  ): void;
  demote_rows(
    src: number,
    sstride: number,
    dst: number,
    dstride: number,
    rows: number,
    cols: number,
  ): void;
  promote_rows(
    src: number,
    sstride: number,
    dst: number,
    dstride: number,
    rows: number,
    cols: number,
    scale: number,
  ): void;
  /** promote_rows that adds to dst instead of overwriting it. */
  add_promoted_rows: KernelExports["promote_rows"];
  gather(
    src: number,
    rowBytes: number,
    ysrc: number,
    idx: number,
    m: number,
    dst: number,
    ydst: number,
  ): void;
  relu_mask(d: number, h: number, n: number): void;
  colsum(src: number, ld: number, rows: number, cols: number, dst: number): void;
  softmax_xent(
    z: number,
    ld: number,
    K: number,
    y: number,
    m: number,
    dz: number,
    scale: number,
  ): number;
  glm_residual(
    z: number,
    y: number,
    m: number,
    kind: number,
    scale: number,
    wantLoss: number,
  ): number;
  exp(x: number): number;
  sgd_update(w: number, g: number, n: number, lr: number): void;
  sgd_update_rows(
    theta: number,
    velocity: number,
    grad: number,
    gradStride: number,
    gradIsF64: number,
    weights: number,
    weightStride: number,
    rows: number,
    cols: number,
    lr: number,
    momentum: number,
    weightDecay: number,
  ): void;
}

/**
 * Loads what the engines' kernels are built with (wabt, which assembles their WebAssembly text).
 * Run `await loadKernels()` once per process, or per worker thread, before creating a wasm engine
 * (wasmMlp, wasmLinear) or calling kernelFeatures(); later calls return at once.
 */
export async function loadKernels(): Promise<void> {
  await loadAssembler();
}

const compiled = new Map<string, WasmModule>();

/** The compiled module for a tile shape and arithmetic (assembled and compiled once per process). */
export function kernelModule(
  arithmetic: Arithmetic = defaultArithmetic(),
  shape: KernelShape = DEFAULT_SHAPES[arithmetic],
): WasmModule {
  const key = JSON.stringify([shape, arithmetic]);
  let module = compiled.get(key);
  if (!module) {
    if (arithmetic === "fma" && !relaxedSimdAvailable())
      throw new Error(
        "FMA kernels need WebAssembly relaxed SIMD, which this JavaScript engine lacks",
      );
    module = new wasm.Module(assemble(kernelModuleText(arithmetic, shape)));
    compiled.set(key, module);
  }
  return module;
}

/** True when this JavaScript engine runs WebAssembly with 128-bit SIMD (Node ≥ 16.4, current browsers). */
export function wasmSimdAvailable(): boolean {
  requireAssembler(); // "not loaded" is an error, not a "no"
  try {
    kernelModule("mul+add");
    return true;
  } catch {
    return false;
  }
}

const RELAXED_MADD_PROBE = `(module (func (param $x v128) (result v128) (f32x4.relaxed_madd (local.get $x) (local.get $x) (local.get $x))))`;
let relaxed: boolean | undefined;

/**
 * True when WebAssembly's relaxed SIMD (hence f32x4.relaxed_madd) validates here. Node ≥ 22 and
 * current browsers have it on. Node 20 (V8 11.3) has it behind a V8 flag: the first call switches
 * that flag on for the whole process (node:v8 setFlagsFromString; it only concerns modules compiled
 * afterwards), unless BATCHLAB_WASM_FMA=0 kept the engines from asking. Anything that goes wrong on
 * the way just means no.
 */
export function relaxedSimdAvailable(): boolean {
  if (relaxed !== undefined) return relaxed;
  const probe = assemble(RELAXED_MADD_PROBE, "probe.wat");
  const valid = (): boolean => {
    try {
      return wasm.validate(probe);
    } catch {
      return false;
    }
  };
  relaxed = valid();
  if (!relaxed && typeof process !== "undefined" && process.versions?.node) {
    try {
      // getBuiltinModule (Node ≥ 20.16) works from CommonJS and ES modules alike.
      const v8 = process.getBuiltinModule?.("node:v8") as typeof import("node:v8") | undefined;
      v8?.setFlagsFromString("--experimental-wasm-relaxed-simd");
      relaxed = valid();
    } catch {
      relaxed = false;
    }
  }
  return relaxed;
}

/** BATCHLAB_WASM_FMA=0 makes the engines use mul+add even where FMA is available. */
const fmaDisabled = (): boolean =>
  typeof process !== "undefined" && process.env?.BATCHLAB_WASM_FMA === "0";

/** The arithmetic the engines' kernels use unless told otherwise: FMA where available and allowed. */
export function defaultArithmetic(): Arithmetic {
  return !fmaDisabled() && relaxedSimdAvailable() ? "fma" : "mul+add";
}

export interface KernelFeatures {
  /** 128-bit WebAssembly SIMD (required by the engines). */
  simd: boolean;
  /** The default kernels multiply-add with f32x4.relaxed_madd (one FMA instruction on x86-64 with FMA3). */
  fma: boolean;
  arithmetic: Arithmetic;
}

/** What the default kernels run on here: print it next to any timing of the engines. */
export function kernelFeatures(): KernelFeatures {
  const simd = wasmSimdAvailable();
  const arithmetic: Arithmetic = simd ? defaultArithmetic() : "mul+add";
  return { simd, fma: arithmetic === "fma", arithmetic };
}

const PAGE = 65536;
/** Regions start on 64-byte boundaries (cache lines); the first 64 bytes are never handed out. */
const ALIGN = 64;
const roundUp = (n: number, k: number): number => Math.ceil(n / k) * k;

export interface Region {
  /** Byte address in the instance's memory. */
  ptr: number;
  bytes: number;
}

export class KernelInstance {
  readonly k: KernelExports;
  private top = ALIGN;
  private readonly regions = new Map<string, Region>();

  /** Kernels with the given arithmetic (by default FMA where available) and tile shape (by default the best for it). */
  constructor(
    readonly arithmetic: Arithmetic = defaultArithmetic(),
    readonly shape: KernelShape = DEFAULT_SHAPES[arithmetic],
  ) {
    const instance = new wasm.Instance(kernelModule(arithmetic, this.shape), {
      math: { log: Math.log, log1p: Math.log1p },
      env: { scratch: (bytes: number): number => this.region("kernels.scratch", bytes).ptr },
    });
    this.k = instance.exports as unknown as KernelExports;
  }

  /** Bytes of linear memory reserved so far (what the engine's buffers occupy). */
  get allocatedBytes(): number {
    return this.top;
  }

  /** Bytes of linear memory the instance holds (reserved, rounded up to 64 KiB pages). */
  get memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  /**
   * The region called `name`, at least `bytes` long and zero-filled when it is (re)allocated.
   * Views of memory taken before this call may be detached by it: take views afterwards.
   */
  region(name: string, bytes: number): Region {
    const existing = this.regions.get(name);
    if (existing && existing.bytes >= bytes) return existing;
    const size = roundUp(Math.max(bytes, 16), ALIGN);
    const ptr = this.top;
    this.top += size;
    const missing = this.top - this.k.memory.buffer.byteLength;
    if (missing > 0) this.k.memory.grow(Math.ceil(missing / PAGE));
    new Uint8Array(this.k.memory.buffer, ptr, size).fill(0);
    const region = { ptr, bytes: size };
    this.regions.set(name, region);
    return region;
  }

  f32(region: Region, length = region.bytes / 4): Float32Array {
    return new Float32Array(this.k.memory.buffer, region.ptr, length);
  }

  f64(region: Region, length = region.bytes / 8): Float64Array {
    return new Float64Array(this.k.memory.buffer, region.ptr, length);
  }

  i32(region: Region, length = region.bytes / 4): Int32Array {
    return new Int32Array(this.k.memory.buffer, region.ptr, length);
  }
}

/** Floats per row once padded to a multiple of 4 (16 bytes), as every kernel expects. */
export function padded(n: number): number {
  return roundUp(n, 4);
}
