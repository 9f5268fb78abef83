import { test } from "node:test";
import assert from "node:assert/strict";
import { fixedOrder, shuffledEpochs, withReplacement } from "../src/sampling/samplers";
import { rng } from "../src/util/rng";

const sorted = (a: Iterable<number>) => [...a].sort((x, y) => x - y);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test("each epoch of the shuffled sampler visits every index exactly once (keep policy)", () => {
  const n = 103,
    m = 10;
  const s = shuffledEpochs(n, m, rng(0));
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen: number[] = [];
    const sizes: number[] = [];
    for (let b = 0; b < Math.ceil(n / m); b++) {
      const batch = s.next();
      sizes.push(batch.length);
      seen.push(...batch);
    }
    assert.deepEqual(sorted(seen), range(n), `epoch ${epoch}`);
    assert.deepEqual(sizes, [...Array(10).fill(10), 3]);
  }
});

test("the drop policy gives only full batches and no repeats within an epoch", () => {
  const n = 103,
    m = 10;
  const s = shuffledEpochs(n, m, rng(1), "drop");
  for (let epoch = 0; epoch < 3; epoch++) {
    const seen = new Set<number>();
    for (let b = 0; b < 10; b++) {
      const batch = s.next();
      assert.equal(batch.length, m);
      for (const i of batch) {
        assert.ok(!seen.has(i), `index ${i} repeated in epoch ${epoch}`);
        seen.add(i);
      }
    }
    assert.equal(seen.size, 100);
    assert.equal(s.epoch, epoch);
  }
});

test("epochs are reshuffled, and the sampler is deterministic for a seed", () => {
  const a = shuffledEpochs(50, 50, rng(5));
  const e1 = [...a.next()],
    e2 = [...a.next()];
  assert.notDeepEqual(e1, e2);
  const b = shuffledEpochs(50, 50, rng(5));
  assert.deepEqual([...b.next()], e1);
});

test("fixed order walks 0..n−1 every epoch", () => {
  const s = fixedOrder(7, 3);
  assert.deepEqual([...s.next(), ...s.next(), ...s.next()], range(7));
  assert.deepEqual([...s.next()], [0, 1, 2]);
});

test("with replacement draws uniformly: counts match n·draws within 5 standard errors", () => {
  const n = 20,
    m = 50,
    batches = 2000;
  const s = withReplacement(n, m, rng(9));
  const counts = new Array(n).fill(0);
  for (let b = 0; b < batches; b++) for (const i of s.next()) counts[i]++;
  const expected = (m * batches) / n; // 5000
  const se = Math.sqrt(expected * (1 - 1 / n));
  for (const c of counts) assert.ok(Math.abs(c - expected) < 5 * se, `count ${c} vs ${expected}`);
});

test("bad sizes are rejected naming the argument and value", () => {
  assert.throws(() => shuffledEpochs(10, 0, rng(0)), /m must be a positive integer, got 0/);
  assert.throws(() => shuffledEpochs(10, 2.5, rng(0)), /m must be a positive integer, got 2.5/);
  assert.throws(
    () => shuffledEpochs(10, 11, rng(0)),
    /m must be at most the number of examples n = 10, got 11/,
  );
  assert.throws(() => fixedOrder(0, 1), /n must be a positive integer, got 0/);
  assert.throws(
    () => shuffledEpochs(10, 2, rng(0), "partial" as never),
    /last must be "keep" or "drop", got "partial"/,
  );
  assert.doesNotThrow(() => withReplacement(10, 11, rng(0))); // m > n is fine when drawing with replacement
});
