// A small seeded generator so that the same seed gives the same numbers on every platform.
// Math.random cannot be seeded, and a course whose figures change on every run cannot be checked.
// The core is sfc32 seeded through splitmix32: 32-bit integer arithmetic only, hence identical
// results in every JavaScript engine.

import {
  BatchlabArgumentError,
  checkNonNegativeInteger,
  checkPositiveInteger,
  checkRng,
} from "./validate";

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** A new generator whose stream does not overlap this one's in practice. */
  fork(): Rng;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    const mix = splitmix32(seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = 1;
    for (let i = 0; i < 12; i++) this.u32(); // discard the first outputs, which still echo the seed
  }

  private u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  next(): number {
    // 53 random bits, the full precision of a double
    const hi = this.u32() >>> 5;
    const lo = this.u32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  int(n: number): number {
    checkPositiveInteger("n", n);
    return Math.floor(this.next() * n);
  }

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    // Box–Muller; 1 - next() keeps the logarithm's argument in (0, 1]
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  fork(): Rng {
    return new Sfc32(this.u32());
  }
}

/** A seeded random generator. Seeds are non-negative integers below 2^32. */
export function rng(seed: number): Rng {
  checkNonNegativeInteger("seed", seed);
  if (seed >= 2 ** 32) throw new BatchlabArgumentError("seed", seed, "below 2^32");
  return new Sfc32(seed);
}

/** Fisher–Yates shuffle of 0..n-1. */
export function permutation(n: number, random: Rng): Int32Array {
  checkNonNegativeInteger("n", n);
  checkRng("random", random);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}
