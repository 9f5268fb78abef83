// `npm run bench`: examples per second of minibatch SGD for every engine the project has, with
// PyTorch as the reference when it is installed, measured interleaved in one run.
//
//   MLP 784-128-10 (ReLU, softmax cross-entropy) and logistic regression (50 features), plain SGD,
//   m ∈ {1, 8, 32, 128, 512, 2048}. For each m: a warm-up window per engine, then R rounds in
//   which every engine (PyTorch included) runs one timed window in turn (A, B, C, A, B, C, …).
//   Reported: the median examples/s over the rounds, and the median over rounds of the ratio
//   engine/PyTorch within the same round, so a slow spell of a shared machine hits both sides.
//
// Options: --quick (3 rounds of 0.1 s), --rounds R, --seconds S (window), --threads T (PyTorch
// and its BLAS; the project's engines are single-threaded, so the fair default is 1), --workers K
// (adds the MLP's data-parallel engine on K workers, and runs PyTorch on K threads unless --threads
// says otherwise),
// --models mlp,logistic, --batch-sizes 1,8,32, --engines name,name (substring match), --no-torch,
// --out FILE (JSON, default bench/results.json).

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "child_process";
import { createInterface } from "readline";
import type { Dataset } from "../src/data/dataset";
import { mlp } from "../src/models/mlp";
import { logisticRegression } from "../src/models/logistic";
import { rng } from "../src/util/rng";
import {
  calibrateSteps,
  fusedRunner,
  trainRunner,
  tfjsRunner,
  type StepRunner,
} from "../src/compute/timing";
import { wasmMlp } from "../src/engines/wasmMlp";
import {
  dataParallelMlp,
  MAX_WORKERS,
  type DataParallelModel,
} from "../src/engines/dataParallel/engine";
import { wasmLinear } from "../src/engines/wasmLinear";
import { kernelFeatures, loadKernels } from "../src/engines/wasm/runtime";
import type { FastModel } from "../src/engines/fastModel";
import { tfjsTrainer, type TfjsTrainer } from "../src/engines/tfjsNetwork";
import { loadTfjs, type Tfjs } from "../src/backend/tfjs";
import { median } from "../src/util/stats";
import { parseCommandLine } from "../scripts/args";

// ---------------------------------------------------------------------------------------------
// Options.

interface Options {
  rounds: number;
  seconds: number;
  threads: number;
  workers: number;
  models: ModelKind[];
  batchSizes: number[];
  engines: string[] | null;
  torch: boolean;
  out: string;
}

type ModelKind = "mlp" | "logistic";

function parseOptions(argv: string[]): Options {
  const { values } = parseCommandLine(argv, {
    quick: { type: "boolean" },
    rounds: { type: "string" },
    seconds: { type: "string" },
    threads: { type: "string" },
    workers: { type: "string" },
    models: { type: "string" },
    "batch-sizes": { type: "string" },
    engines: { type: "string" },
    "no-torch": { type: "boolean" },
    out: { type: "string" },
  });
  const quick = values.quick ?? false;
  const list = (value: string | undefined): string[] | undefined =>
    value
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  const options: Options = {
    rounds: Number(values.rounds ?? (quick ? 3 : 5)),
    seconds: Number(values.seconds ?? (quick ? 0.1 : 0.25)),
    threads: Number(values.threads ?? values.workers ?? 1),
    workers: Number(values.workers ?? 1),
    models: (list(values.models) ?? ["mlp", "logistic"]) as ModelKind[],
    batchSizes: (list(values["batch-sizes"]) ?? ["1", "8", "32", "128", "512", "2048"]).map(Number),
    engines: list(values.engines) ?? null,
    torch: !values["no-torch"],
    out: values.out ?? path.join(__dirname, "results.json"),
  };
  if (!(options.rounds >= 1) || !(options.seconds > 0) || !(options.threads >= 1))
    throw new Error("--rounds, --seconds and --threads must be positive");
  if (!Number.isInteger(options.workers) || options.workers < 1 || options.workers > MAX_WORKERS)
    throw new Error(`--workers must be a whole number from 1 to ${MAX_WORKERS}`);
  for (const m of options.models)
    if (m !== "mlp" && m !== "logistic") throw new Error(`unknown model ${m} (mlp, logistic)`);
  for (const m of options.batchSizes)
    if (!Number.isInteger(m) || m < 1) throw new Error(`bad batch size ${m}`);
  return options;
}

// ---------------------------------------------------------------------------------------------
// Data: synthetic, of the benchmark's shapes (timings do not depend on the values).

const N = 8192;

function syntheticData(kind: ModelKind): Dataset {
  const random = rng(7);
  const d = kind === "mlp" ? 784 : 50;
  const x = new Float64Array(N * d);
  const y = new Float64Array(N);
  for (let k = 0; k < x.length; k++) x[k] = kind === "mlp" ? random.next() : random.normal();
  for (let i = 0; i < N; i++) y[i] = random.int(kind === "mlp" ? 10 : 2);
  return { name: `synthetic ${kind}`, n: N, d, x, y, classes: kind === "mlp" ? 10 : 2 };
}

/** Multiply-adds ×2 per example for one SGD step (forward + both backward products). */
function flopsPerExample(kind: ModelKind): number {
  return kind === "mlp" ? 2 * (784 * 128 + 128 * 10) + 2 * (784 * 128 + 2 * 128 * 10) : 4 * 50;
}

// ---------------------------------------------------------------------------------------------
// Process peak memory: Linux lets a process reset its own high-water mark.

function resetPeakRss(): void {
  try {
    fs.writeFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux, or not allowed: the peak then covers the whole run.
  }
}

function peakRssBytes(): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Engines.

interface Window {
  steps: number;
  seconds: number;
  /** Bytes the engine itself holds for this m (its own accounting), when it can tell. */
  engineBytes?: number;
  peakRssBytes?: number | null;
}

interface Engine {
  name: string;
  /** Runs steps of batch size m for about `seconds` (at least one step). */
  run(m: number, seconds: number): Promise<Window>;
  close?(): Promise<void> | void;
}

/**
 * An engine driven by one of the course's step runners (src/compute/timing.ts): the step count is
 * calibrated once per m (which also warms the engine up), then every window runs that many steps.
 */
function runnerEngine(
  name: string,
  makeRunner: (m: number) => StepRunner,
  engineBytes?: (m: number) => Promise<number | undefined> | number | undefined,
): Engine {
  const calibrated = new Map<number, { runner: StepRunner; steps: number; bytes?: number }>();
  return {
    name,
    async run(m, seconds) {
      let entry = calibrated.get(m);
      if (!entry) {
        const runner = makeRunner(m);
        const steps = calibrateSteps(runner, m, seconds);
        entry = { runner, steps, bytes: await engineBytes?.(m) };
        calibrated.set(m, entry);
      }
      resetPeakRss();
      const took = entry.runner.run(m, entry.steps);
      return {
        steps: entry.steps,
        seconds: took,
        engineBytes: entry.bytes,
        peakRssBytes: peakRssBytes(),
      };
    },
  };
}

/** The batchlab engine through train() (the loop every notebook uses) or through its fused loop; a fresh model per m. */
function wasmEngine(
  name: string,
  make: () => FastModel,
  data: Dataset,
  loop: "train" | "fused",
): Engine {
  const models = new Map<number, FastModel>();
  const model = (m: number): FastModel => {
    if (!models.has(m)) models.set(m, make());
    return models.get(m) as FastModel;
  };
  const options = { engine: name, sampler: "shuffled" as const, lr: 1e-3 };
  return runnerEngine(
    name,
    (m) =>
      loop === "train"
        ? trainRunner(model(m), data, options)
        : fusedRunner(model(m), data, options),
    (m) => model(m).memory().allocatedBytes,
  );
}

/**
 * The MLP's data-parallel engine on K workers (src/engines/dataParallel) through train(), as a user
 * gets it: its default crossover keeps small batches on one worker. One model for every m.
 */
function dataParallelEngine(name: string, workers: number, data: Dataset): Engine {
  let model: DataParallelModel | null = null;
  const get = (): DataParallelModel => (model ??= dataParallelMlp([784, 128, 10], { workers }));
  const inner = runnerEngine(name, () =>
    trainRunner(get(), data, { engine: name, sampler: "shuffled", lr: 1e-3 }),
  );
  return { name, run: (m, seconds) => inner.run(m, seconds), close: () => model?.close() };
}

function tfjsEngine(tf: Tfjs, backend: string, kind: ModelKind, data: Dataset): Engine {
  let trainer: TfjsTrainer | null = null;
  const get = (): TfjsTrainer => {
    if (!trainer)
      trainer = tfjsTrainer(tf, kind === "mlp" ? [784, 128, 10] : [50, 1], data, {
        output: kind === "mlp" ? "softmax" : "logistic",
        seed: 1,
      });
    return trainer;
  };
  const inner = runnerEngine(
    `tfjs ${backend}`,
    () => tfjsRunner(get(), data.n, { engine: `tfjs ${backend}` }),
    async (m) => {
      const batch = Int32Array.from({ length: m }, (_, k) => k);
      const p = await get().profileStep(batch, 1e-3);
      return p.peakBytes;
    },
  );
  return {
    name: inner.name,
    async run(m, seconds) {
      // The trainer's weights follow the active backend; switching moves them (tfjsRunner's first step is unmeasured).
      await tf.setBackend(backend);
      return inner.run(m, seconds);
    },
    close() {
      trainer?.dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// PyTorch, in a child process that answers one JSON request per line.

interface TorchInfo {
  torch: string;
  python: string;
  threads: number;
  blas: { kind: string; libraries: string[] };
  gemmGflops1024: number;
}

class TorchReference {
  private readonly lines: AsyncIterableIterator<string>;

  private constructor(
    readonly python: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** Starts the reference with the first interpreter that can import torch, or returns why none could. */
  static start(threads: number): TorchReference | string {
    const candidates = [process.env.BATCHLAB_PYTHON, "python3", "/usr/bin/python3"].filter(
      (p): p is string => !!p,
    );
    const env = {
      ...process.env,
      BATCHLAB_THREADS: String(threads),
      OMP_NUM_THREADS: String(threads),
      OPENBLAS_NUM_THREADS: String(threads),
      MKL_NUM_THREADS: String(threads),
      // Threads that wait sleep instead of spinning. On 2 cores with 2 threads, PyTorch's OpenMP
      // threads spun while OpenBLAS's own threads needed the cores: MLP m = 512 ran at 93k
      // examples/s against 179k on one thread; with PASSIVE, 248k (the 1024² product 98 → 200 GFLOP/s).
      OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? "PASSIVE",
    };
    for (const python of candidates) {
      const probe = spawnSync(python, ["-c", "import torch"], { encoding: "utf8", env });
      if (probe.status === 0) {
        const child = spawn(python, [path.join(__dirname, "torch_reference.py")], {
          env,
          stdio: ["pipe", "pipe", "pipe"],
        });
        return new TorchReference(python, child);
      }
    }
    return `no Python with torch found (tried ${candidates.join(", ")}; set BATCHLAB_PYTHON to choose one)`;
  }

  async request<T>(message: Record<string, unknown>): Promise<T> {
    this.child.stdin.write(JSON.stringify(message) + "\n");
    const { value, done } = await this.lines.next();
    if (done) throw new Error("the PyTorch reference exited");
    const reply = JSON.parse(value);
    if (reply.error) throw new Error(`PyTorch reference: ${reply.error}`);
    return reply as T;
  }

  engine(): Engine {
    return {
      name: "PyTorch",
      run: async (m, seconds) => {
        const r = await this.request<{ steps: number; seconds: number; peakRssBytes: number }>({
          cmd: "measure",
          m,
          seconds,
          warmup: 2,
        });
        return { steps: r.steps, seconds: r.seconds, peakRssBytes: r.peakRssBytes };
      },
    };
  }

  close(): void {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Measurement and report.

interface Cell {
  engine: string;
  m: number;
  examplesPerSecond: number[];
  median: number;
  ratioToTorch: number | null;
  /** For the K-worker engine: the median over rounds of its rate ÷ the one-worker engine's in the same round. */
  ratioToOneWorker: number | null;
  engineBytes: number | null;
  peakRssBytes: number | null;
}

async function measureModel(
  kind: ModelKind,
  engines: Engine[],
  options: Options,
  log: (s: string) => void,
): Promise<Cell[]> {
  const cells: Cell[] = [];
  for (const m of options.batchSizes) {
    const active = engines;
    for (const e of active) await e.run(m, options.seconds); // calibration and warm-up, not recorded
    const rates = new Map<string, number[]>(active.map((e) => [e.name, []]));
    const last = new Map<string, Window>();
    for (let round = 0; round < options.rounds; round++) {
      for (const e of active) {
        const w = await e.run(m, options.seconds);
        rates.get(e.name)?.push((w.steps * m) / w.seconds);
        last.set(e.name, w);
      }
    }
    const torchRates = rates.get("PyTorch");
    const oneWorkerRates = rates.get(ONE_WORKER);
    for (const e of active) {
      const r = rates.get(e.name) as number[];
      const paired = torchRates ? r.map((v, k) => v / torchRates[k]) : null;
      const w = last.get(e.name);
      cells.push({
        engine: e.name,
        m,
        examplesPerSecond: r,
        median: median(r),
        ratioToTorch: paired && e.name !== "PyTorch" ? median(paired) : null,
        ratioToOneWorker:
          oneWorkerRates && e.name.startsWith(`${ONE_WORKER} ×`)
            ? median(r.map((v, k) => v / oneWorkerRates[k]))
            : null,
        engineBytes: w?.engineBytes ?? null,
        peakRssBytes: w?.peakRssBytes ?? null,
      });
    }
    log(
      `  ${kind} m=${m}: ${active.map((e) => `${e.name} ${format(median(rates.get(e.name) as number[]))}`).join(", ")}`,
    );
  }
  return cells;
}

/** The one-worker engine that the K-worker engine is compared with, round by round. */
const ONE_WORKER = "batchlab wasm";

function format(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toPrecision(3)}M`;
  if (rate >= 1e3) return `${(rate / 1e3).toPrecision(3)}k`;
  return rate.toPrecision(3);
}

function table(
  kind: ModelKind,
  cells: Cell[],
  engines: string[],
  batchSizes: number[],
  ratios: boolean,
): string {
  const header = [
    "m",
    ...engines.map((e) => (e === "PyTorch" || !ratios ? e : `${e} (× PyTorch)`)),
  ];
  const rows = batchSizes.map((m) => [
    String(m),
    ...engines.map((e) => {
      const c = cells.find((x) => x.engine === e && x.m === m);
      if (!c) return "–";
      const text =
        c.ratioToTorch !== null && ratios
          ? `${format(c.median)} (${c.ratioToTorch.toFixed(2)}×)`
          : format(c.median);
      return c.ratioToOneWorker !== null
        ? `${text} [${c.ratioToOneWorker.toFixed(2)}× 1 worker]`
        : text;
    }),
  ]);
  const lines = [header, header.map(() => "---"), ...rows].map((r) => `| ${r.join(" | ")} |`);
  return `${kind === "mlp" ? "MLP 784-128-10" : "Logistic regression, 50 features"}: examples/s (median of rounds)\n\n${lines.join("\n")}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const log = (s: string): void => console.log(s);
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  log(
    `batchlab bench: ${cpu}, ${os.cpus().length} cores, Node ${process.version} (V8 ${process.versions.v8}), PyTorch on ${options.threads} thread(s), ` +
      `the batchlab engines on one${options.workers > 1 ? ` (and the MLP's data-parallel engine on ${options.workers} workers)` : ""}`,
  );
  log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  await loadKernels();
  const kernels = kernelFeatures();
  const kernelNote = `batchlab kernels: WebAssembly 128-bit SIMD, ${kernels.fma ? "fused multiply-add (relaxed SIMD)" : "multiply then add (no relaxed SIMD here, or BATCHLAB_WASM_FMA=0)"}`;
  log(kernelNote);

  // tfjs: every backend that loads here.
  const loaded = await loadTfjs();
  // Production mode mutes the cpu backend's advert for tfjs-node; loadTfjs has already said why that backend is missing.
  loaded.tf.enableProdMode();
  const tfBackends: string[] = [];
  for (const t of loaded.tried) if (!t.error) tfBackends.push(t.name);
  for (const b of ["wasm", "cpu"]) {
    if (!tfBackends.includes(b)) {
      try {
        if (await loaded.tf.setBackend(b)) tfBackends.push(b);
      } catch {
        // Not available: left out of the table.
      }
    }
  }
  log(
    `tfjs backends: ${tfBackends.join(", ")}${loaded.tried
      .filter((t) => t.error)
      .map((t) => `; ${t.name} unavailable (${t.error})`)
      .join("")}`,
  );

  let torch: TorchReference | null = null;
  let torchInfo: TorchInfo | null = null;
  let ratios = false;
  let ratioNote = "";
  if (options.torch) {
    const started = TorchReference.start(options.threads);
    if (typeof started === "string") {
      ratioNote = `PyTorch reference not run: ${started}. On Debian: apt-get install python3-torch libopenblas0-openmp.`;
    } else {
      torch = started;
      torchInfo = await torch.request<TorchInfo>({ cmd: "info" });
      const blas = torchInfo.blas.kind;
      ratios = blas !== "netlib";
      ratioNote = ratios
        ? `PyTorch ${torchInfo.torch} (${torch.python}), ${torchInfo.threads} thread(s), BLAS: ${blas} (${torchInfo.blas.libraries.map((l) => path.basename(l)).join(", ") || "built in"}), 1024² matmul ${torchInfo.gemmGflops1024.toFixed(0)} GFLOP/s`
        : `PyTorch ${torchInfo.torch} links the reference (netlib) BLAS (${torchInfo.gemmGflops1024.toFixed(1)} GFLOP/s on a 1024² matmul): ` +
          "no ratio is printed against it. Select OpenBLAS: apt-get install libopenblas0-openmp, then " +
          "update-alternatives --config libblas.so.3-x86_64-linux-gnu.";
    }
  }
  log(ratioNote);

  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    machine: {
      cpu,
      cores: os.cpus().length,
      node: process.version,
      v8: process.versions.v8,
      loadAverageStart: os.loadavg(),
    },
    options: { ...options, out: undefined },
    kernels,
    tfjsBackends: tfBackends,
    torch: torchInfo ? { ...torchInfo, python: torch?.python, ratiosPrinted: ratios } : null,
    note: ratioNote,
    models: {} as Record<string, unknown>,
  };
  const tables: string[] = [];

  for (const kind of options.models) {
    const data = syntheticData(kind);
    const fast = (): FastModel =>
      kind === "mlp" ? wasmMlp([784, 128, 10]) : wasmLinear(50, { kind: "logistic" });
    const referenceModel = kind === "mlp" ? mlp([784, 128, 10]) : logisticRegression(50);
    let engines: Engine[] = [
      wasmEngine("batchlab wasm", fast, data, "train"),
      wasmEngine("batchlab wasm fused", fast, data, "fused"),
      ...tfBackends.map((b) => tfjsEngine(loaded.tf, b, kind, data)),
      runnerEngine("reference f64", () =>
        trainRunner(referenceModel, data, {
          engine: "reference f64",
          sampler: "shuffled",
          lr: 1e-3,
        }),
      ),
    ];
    if (kind === "mlp" && options.workers > 1)
      engines.splice(
        1,
        0,
        dataParallelEngine(`${ONE_WORKER} ×${options.workers}`, options.workers, data),
      );
    if (torch) {
      await torch.request({ cmd: "setup", model: kind, n: N, seed: 7 });
      engines.push(torch.engine());
    }
    if (options.engines)
      engines = engines.filter(
        (e) => e.name === "PyTorch" || options.engines?.some((f) => e.name.includes(f)),
      );
    log(`${kind}: ${engines.map((e) => e.name).join(", ")}`);
    const cells = await measureModel(kind, engines, options, log);
    for (const e of engines) await e.close?.();
    (report.models as Record<string, unknown>)[kind] = {
      flopsPerExample: flopsPerExample(kind),
      cells: cells.map((c) => ({ ...c, gflops: (c.median * flopsPerExample(kind)) / 1e9 })),
    };
    tables.push(
      table(
        kind,
        cells,
        engines.map((e) => e.name),
        options.batchSizes,
        ratios,
      ),
    );
  }
  torch?.close();
  report.machine = { ...(report.machine as object), loadAverageEnd: os.loadavg() };
  log("");
  log(tables.join("\n\n"));
  log("");
  log(kernelNote);
  log(ratioNote);
  fs.writeFileSync(options.out, JSON.stringify(report, null, 2) + "\n");
  log(`JSON: ${path.relative(process.cwd(), options.out)}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
