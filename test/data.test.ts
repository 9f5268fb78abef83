import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dataset,
  subset,
  correlatedPair,
  gaussianBlobs,
  linearData,
  trainTestSplit,
} from "../src/data";
import { leastSquares, solve } from "../src/util/linalg";
import { rng } from "../src/util/rng";

test("dataset accepts rows or a flat array and rejects bad input naming it", () => {
  const a = dataset(
    [
      [1, 2],
      [3, 4],
    ],
    [0, 1],
  );
  assert.equal(a.n, 2);
  assert.equal(a.d, 2);
  assert.deepEqual([...a.x], [1, 2, 3, 4]);
  const b = dataset(Float64Array.of(1, 2, 3, 4), [5, 6], { d: 2 });
  assert.deepEqual([...b.y], [5, 6]);
  assert.throws(() => dataset([], []), /x must be non-empty/);
  assert.throws(() => dataset([[1, 2], [3]], [0, 1]), /x\[1\].length must be 2 like x\[0\], got 1/);
  assert.throws(
    () => dataset([[1], [2]], [0]),
    /y.length must be equal to the number of rows n = 2, got 1/,
  );
  assert.throws(
    () => dataset([[1], [NaN]], [0, 1]),
    /x\[1\]\[0\] must be a finite number, got NaN \(row 1, column 0\)/,
  );
  assert.throws(
    () =>
      dataset(
        [
          [1, 2],
          [3, NaN],
        ],
        [0, 1],
      ),
    /x\[1\]\[1\] must be a finite number, got NaN \(row 1, column 1\)/,
  );
  assert.throws(
    () =>
      dataset(
        [
          [1, 2],
          [3, "4" as unknown as number],
        ],
        [0, 1],
      ),
    /x\[1\]\[1\] must be a finite number, got "4" \(row 1, column 1\)/,
  );
  assert.throws(
    () => dataset([[1], [2]], [0, Infinity]),
    /y\[1\] must be a finite number, got Infinity/,
  );
  assert.throws(
    () => dataset([[1], [2]], [0, 2], { classes: 2 }),
    /y\[1\] must be a class index in 0..1, got 2/,
  );
  assert.throws(
    () => dataset(Float64Array.of(1, 2, 3), [1], { d: 2 }),
    /x.length must be a positive multiple of d = 2, got 3/,
  );
});

test("subset copies the chosen rows and checks indices", () => {
  const a = dataset([[1], [2], [3]], [10, 20, 30]);
  const s = subset(a, [2, 0]);
  assert.deepEqual([...s.x], [3, 1]);
  assert.deepEqual([...s.y], [30, 10]);
  assert.throws(() => subset(a, [3]), /indices\[0\] must be an example index in 0..2, got 3/);
});

test("generators are deterministic for a seed", () => {
  assert.deepEqual(
    linearData({ n: 5, d: 2, seed: 4 }).data.x,
    linearData({ n: 5, d: 2, seed: 4 }).data.x,
  );
  assert.notDeepEqual(
    linearData({ n: 5, d: 2, seed: 4 }).data.x,
    linearData({ n: 5, d: 2, seed: 5 }).data.x,
  );
  assert.deepEqual(
    gaussianBlobs({ n: 9, classes: 3, d: 2, seed: 1 }).y,
    gaussianBlobs({ n: 9, classes: 3, d: 2, seed: 1 }).y,
  );
});

test("least squares on noise-free data recovers the generating weights", () => {
  const { data, thetaStar } = linearData({ n: 50, d: 4, sigma: 0, seed: 3 });
  const theta = leastSquares(data, { bias: false });
  for (let j = 0; j < 4; j++) assert.ok(Math.abs(theta[j] - thetaStar[j]) < 1e-9);
});

test("correlatedPair has the requested feature correlation", () => {
  // the sample correlation of n = 20000 normals has standard error (1 − ρ²)/√n ≈ 0.0014 at ρ = 0.8
  const { data } = correlatedPair({ n: 20000, rho: 0.8, seed: 2 });
  let sab = 0,
    saa = 0,
    sbb = 0;
  for (let i = 0; i < data.n; i++) {
    const a = data.x[2 * i],
      b = data.x[2 * i + 1];
    sab += a * b;
    saa += a * a;
    sbb += b * b;
  }
  assert.ok(Math.abs(sab / Math.sqrt(saa * sbb) - 0.8) < 0.01);
});

test("trainTestSplit partitions the examples", () => {
  const data = dataset(
    Array.from({ length: 10 }, (_, i) => [i]),
    Array.from({ length: 10 }, (_, i) => i),
  );
  const { train, test: held } = trainTestSplit(data, 0.3, rng(1));
  assert.equal(train.n, 7);
  assert.equal(held.n, 3);
  assert.deepEqual(
    [...train.y, ...held.y].sort((a, b) => a - b),
    [...data.y],
  );
});

test("solve handles pivoting and rejects singular systems", () => {
  const x = solve([0, 1, 1, 0], [2, 3]);
  assert.deepEqual([...x], [3, 2]);
  assert.throws(() => solve([1, 2, 2, 4], [1, 2]), /singular/);
});
