import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import {
  MNIST_FEATURES,
  MNIST_SOURCE_COUNTS,
  MnistFileError,
  loadMnist,
  mnistFilePath,
  mnistImage,
  mnistSubset,
  stratifiedSubset,
  type MnistHeader,
} from "../src/data/mnist";
import { linearData } from "../src/data/synthetic";
import { encodeMnist, mnistSourceDir, readSourceClass } from "../scripts/build-mnist";

const TRAIN_PER_CLASS = [501, 563, 496, 516, 490, 431, 507, 535, 472, 489];
const TEST_PER_CLASS = [500, 564, 495, 516, 490, 432, 507, 535, 472, 489];

function classCounts(y: ArrayLike<number>): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts;
}

test("loadMnist returns 5,000 + 5,000 digits of 784 features and 10 classes", () => {
  const { train, test: held } = loadMnist();
  for (const data of [train, held]) {
    assert.equal(data.n, 5000);
    assert.equal(data.d, MNIST_FEATURES);
    assert.equal(data.classes, 10);
    assert.equal(data.x.length, 5000 * 784);
    assert.equal(data.y.length, 5000);
    assert.ok(data.x instanceof Float64Array);
  }
});

test("pixels are grey levels k/255 in [0, 1] and labels are digits", () => {
  const { train, test: held } = loadMnist();
  for (const data of [train, held]) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of data.x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      // 1e-9 is far below the 1/255 spacing and far above float64 rounding of k/255·255
      assert.ok(Math.abs(v * 255 - Math.round(v * 255)) < 1e-9, `pixel ${v} is not k/255`);
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    // MNIST's well-known mean grey level is 0.1307; a 5,000-digit half lands within ±0.01 of it
    const mean = sum / data.x.length;
    assert.ok(Math.abs(mean - 0.1307) < 0.01, `mean pixel ${mean}`);
    for (const label of data.y)
      assert.ok(Number.isInteger(label) && label >= 0 && label <= 9, `label ${label}`);
  }
});

test("the split is stratified: each class is halved, rounding alternating over the odd classes", () => {
  const { train, test: held, info } = loadMnist();
  assert.deepEqual(classCounts(train.y), TRAIN_PER_CLASS);
  assert.deepEqual(classCounts(held.y), TEST_PER_CLASS);
  assert.deepEqual(info.trainPerClass, TRAIN_PER_CLASS);
  assert.deepEqual(info.testPerClass, TEST_PER_CLASS);
  for (let c = 0; c < 10; c++) {
    assert.equal(TRAIN_PER_CLASS[c] + TEST_PER_CLASS[c], MNIST_SOURCE_COUNTS[c]);
    assert.ok(Math.abs(TRAIN_PER_CLASS[c] - TEST_PER_CLASS[c]) <= 1);
  }
  // stored in shuffled order: the first 500 train digits contain every class
  assert.ok(classCounts(train.y.subarray(0, 500)).every((k) => k > 20));
});

test("train and test are disjoint and together hold every source digit once", () => {
  const { train, test: held, info } = loadMnist();
  const seen = new Set<string>();
  const add = (labels: Float64Array, sources: Uint16Array) => {
    for (let i = 0; i < labels.length; i++) {
      const key = `${labels[i]}:${sources[i]}`;
      assert.ok(!seen.has(key), `digit ${key} twice`);
      seen.add(key);
    }
  };
  add(train.y, info.trainSourceIndex);
  add(held.y, info.testSourceIndex);
  assert.equal(seen.size, 10000);
  for (let c = 0; c < 10; c++)
    for (let s = 0; s < MNIST_SOURCE_COUNTS[c]; s++) assert.ok(seen.has(`${c}:${s}`));
});

test("every stored digit is pixel for pixel the package's digit, and the committed file is what the build script makes", () => {
  const { train, test: held, info } = loadMnist();
  const dir = mnistSourceDir();
  const source = Array.from({ length: 10 }, (_, c) => readSourceClass(dir, c));
  const compare = (x: Float64Array, y: Float64Array, sources: Uint16Array, name: string) => {
    for (let i = 0; i < y.length; i++) {
      const digit = source[y[i]].subarray(sources[i] * 784, (sources[i] + 1) * 784);
      for (let j = 0; j < 784; j++) {
        if (Math.round(x[i * 784 + j] * 255) !== digit[j])
          assert.fail(`${name} example ${i}, pixel ${j} differs from the source`);
      }
    }
  };
  compare(train.x, train.y, info.trainSourceIndex, "train");
  compare(held.x, held.y, info.testSourceIndex, "test");

  const committed = gunzipSync(readFileSync(mnistFilePath()));
  assert.ok(
    encodeMnist(dir).raw.equals(committed),
    "npm run build:mnist would produce a different file",
  );
});

test("loads are deterministic and do not share arrays", () => {
  const a = loadMnist();
  const b = loadMnist();
  assert.deepEqual(a.train.y, b.train.y);
  assert.deepEqual(a.test.x.subarray(0, 5000), b.test.x.subarray(0, 5000));
  a.train.x[0] = 42;
  assert.notEqual(loadMnist().train.x[0], 42, "editing one load changed the next");
});

test("mnistSubset takes k digits per class, seeded, without repeats", () => {
  const { train } = loadMnist();
  const s = mnistSubset(train, 20, 7);
  assert.equal(s.n, 200);
  assert.equal(s.d, 784);
  assert.equal(s.classes, 10);
  assert.deepEqual(classCounts(s.y), new Array(10).fill(20));
  assert.deepEqual(mnistSubset(train, 20, 7).x, s.x);
  assert.notDeepEqual(mnistSubset(train, 20, 8).y, s.y);
  // each row is a train row, and no train row is taken twice
  const rowsOf = (x: Float64Array, n: number) =>
    new Set(Array.from({ length: n }, (_, i) => x.subarray(i * 784, (i + 1) * 784).join(",")));
  const trainRows = rowsOf(train.x, train.n);
  const subsetRows = rowsOf(s.x, s.n);
  assert.equal(subsetRows.size, 200);
  for (const r of subsetRows) assert.ok(trainRows.has(r));
  // shuffled, not grouped by class
  assert.ok(new Set(Array.from(s.y.subarray(0, 30))).size >= 5);

  assert.equal(mnistSubset(train, 431, 0).n, 4310);
  assert.throws(() => mnistSubset(train, 432, 0), /perClass must be at most 431/);
  assert.throws(() => mnistSubset(train, 0, 0), /perClass must be a positive integer, got 0/);
  assert.throws(
    () => stratifiedSubset(linearData({ n: 10, d: 2 }).data, 1, 0),
    /data.classes must be set/,
  );
});

test("mnistImage returns 28 rows of 28 pixels in reading order", () => {
  const { test: held } = loadMnist();
  const image = mnistImage(held, 3);
  assert.equal(image.length, 28);
  assert.ok(image.every((r) => r.length === 28));
  assert.equal(image[5][7], held.x[3 * 784 + 5 * 28 + 7]);
  assert.throws(() => mnistImage(held, 5000), /i must be an example index in 0..4999, got 5000/);
});

// A scratch copy of the data file with its uncompressed contents edited; fixChecksum re-signs the
// body so that the loader's structural checks, not just the checksum, are exercised.
function corruptCopy(
  edit: (header: MnistHeader, body: Buffer) => void,
  fixChecksum: boolean,
): string {
  const raw = gunzipSync(readFileSync(mnistFilePath()));
  const newline = raw.indexOf(0x0a);
  const header = JSON.parse(raw.subarray(0, newline).toString("utf8")) as MnistHeader;
  const body = Buffer.from(raw.subarray(newline + 1));
  edit(header, body);
  if (fixChecksum) header.sha256 = createHash("sha256").update(body).digest("hex");
  const file = join(scratch, `corrupt-${files++}.bin.gz`);
  writeFileSync(
    file,
    gzipSync(Buffer.concat([Buffer.from(JSON.stringify(header) + "\n"), body]), { level: 1 }),
  );
  return file;
}
const scratch = mkdtempSync(join(tmpdir(), "batchlab-mnist-"));
let files = 0;
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function assertRejected(file: string, problem: RegExp): void {
  assert.throws(
    () => loadMnist({ file }),
    (e: unknown) => {
      assert.ok(e instanceof MnistFileError, `expected MnistFileError, got ${String(e)}`);
      assert.ok(e.message.includes(file), `message does not name the file: ${e.message}`);
      assert.match(e.message, problem);
      return true;
    },
  );
}

test("a corrupt or missing data file is rejected with a message naming the file and the defect", () => {
  const TRAIN_BYTES = 5000 * 784;
  assertRejected(join(scratch, "missing.bin.gz"), /cannot be read \(ENOENT\)/);

  const truncated = join(scratch, "truncated.bin.gz");
  const packed = readFileSync(mnistFilePath());
  writeFileSync(truncated, packed.subarray(0, packed.length >> 1));
  assertRejected(truncated, /not a complete gzip file/);

  assertRejected(
    corruptCopy((_, body) => (body[1000] ^= 0xff), false),
    /checksum mismatch/,
  );
  assertRejected(
    corruptCopy((h) => (h.version = 2), false),
    /version 2, expected batchlab-mnist version 1/,
  );
  assertRejected(
    corruptCopy((h) => (h.width = 32), false),
    /images are 32×28/,
  );
  assertRejected(
    corruptCopy((h) => {
      h.splits[0].perClass[0]--;
      h.splits[0].perClass[1]++;
    }, false),
    /class 0 has 1000 examples in train \+ test, the source has 1001/,
  );
  // a label byte set to 12 (train labels follow the train pixels)
  assertRejected(
    corruptCopy((_, body) => (body[TRAIN_BYTES + 9] = 12), true),
    /train example 9 has label 12/,
  );
  // relabel one train digit: the per-class counts no longer match the header
  assertRejected(
    corruptCopy((_, body) => (body[TRAIN_BYTES] = (body[TRAIN_BYTES] + 1) % 10), true),
    /train holds \d+ examples of class \d+, the header says/,
  );
  // point two train digits at the same source digit
  assertRejected(
    corruptCopy((_, body) => {
      const labels = body.subarray(TRAIN_BYTES, TRAIN_BYTES + 5000);
      const sources = TRAIN_BYTES + 5000;
      const j = labels.indexOf(labels[0], 1);
      body.writeUInt16LE(body.readUInt16LE(sources), sources + 2 * j);
    }, true),
    /appears twice/,
  );
  // a body one example short
  assertRejected(
    corruptCopy((h, body) => (h.bodyBytes = body.length - 787), false),
    /the body has \d+ bytes \(header says \d+\)/,
  );
});
