// Batch samplers: each returns the indices of the examples in the next batch. Indices, not data,
// so one sampler serves every model and dataset, and a test can check what was visited.

import { Rng, permutation } from "../util/rng";
import { BatchlabArgumentError, checkPositiveInteger, checkRng } from "../util/validate";

/**
 * What to do with the last n mod m examples of an epoch.
 * - "keep": serve them as a smaller final batch (every example is seen once per epoch);
 * - "drop": skip them (every batch has exactly m examples; which ones are skipped changes each epoch).
 */
export type LastBatchPolicy = "keep" | "drop";

export interface Sampler {
  readonly kind: "shuffled" | "with-replacement" | "fixed-order";
  readonly n: number;
  readonly batchSize: number;
  /** Completed passes over the data (for with-replacement: examples drawn / n, rounded down). */
  readonly epoch: number;
  /** The indices of the next batch. Never ends: epochs follow one another. */
  next(): Int32Array;
}

function checkSizes(n: number, m: number, allowLarger: boolean): void {
  checkPositiveInteger("n", n);
  checkPositiveInteger("m", m);
  if (!allowLarger && m > n)
    throw new BatchlabArgumentError("m", m, `at most the number of examples n = ${n}`);
}

function checkPolicy(last: LastBatchPolicy): void {
  if (last !== "keep" && last !== "drop")
    throw new BatchlabArgumentError("last", last, `"keep" or "drop"`);
}

/** Epoch-by-epoch batches that walk through `order(epoch)` in slices of m. */
function epochWalker(
  kind: Sampler["kind"],
  n: number,
  m: number,
  last: LastBatchPolicy,
  order: () => Int32Array,
): Sampler {
  let perm = order();
  let pos = 0;
  let epoch = 0;
  return {
    kind,
    n,
    batchSize: m,
    get epoch() {
      return epoch;
    },
    next(): Int32Array {
      const remaining = n - pos;
      if (remaining === 0 || (last === "drop" && remaining < m)) {
        perm = order();
        pos = 0;
        epoch++;
      }
      const size = Math.min(m, n - pos);
      const batch = perm.slice(pos, pos + size);
      pos += size;
      return batch;
    },
  };
}

/** Shuffle the data once per epoch and cut it into batches of m: sampling without replacement. */
export function shuffledEpochs(
  n: number,
  m: number,
  random: Rng,
  last: LastBatchPolicy = "keep",
): Sampler {
  checkSizes(n, m, false);
  checkPolicy(last);
  checkRng("random", random);
  return epochWalker("shuffled", n, m, last, () => permutation(n, random));
}

/** The same order 0, 1, …, n−1 every epoch: the deterministic baseline (and a classic mistake on sorted data). */
export function fixedOrder(n: number, m: number, last: LastBatchPolicy = "keep"): Sampler {
  checkSizes(n, m, false);
  checkPolicy(last);
  const identity = new Int32Array(n);
  for (let i = 0; i < n; i++) identity[i] = i;
  return epochWalker("fixed-order", n, m, last, () => identity);
}

/** Each batch draws m indices independently and uniformly: the i.i.d. model that theory assumes. */
export function withReplacement(n: number, m: number, random: Rng): Sampler {
  checkSizes(n, m, true);
  checkRng("random", random);
  let drawn = 0;
  return {
    kind: "with-replacement",
    n,
    batchSize: m,
    get epoch() {
      return Math.floor(drawn / n);
    },
    next(): Int32Array {
      const batch = new Int32Array(m);
      for (let k = 0; k < m; k++) batch[k] = random.int(n);
      drawn += m;
      return batch;
    },
  };
}
