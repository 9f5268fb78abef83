// A disk cache of finished runs, so that re-running a notebook redraws its figures from disk and a
// sweep killed half-way loses only the run in progress.
//
// One file per run, named by a hash of the run's full configuration (everything that determines
// its result, including a version the code bumps when it changes what a run computes). A file is
// first written under a temporary name and then renamed, which is atomic on one file system: a
// reader sees the old file, the new file, or none, never half of one. A file is trusted only if
// it parses, has the expected format, stores exactly the configuration asked for, and its content
// hash matches, and its value has the shape the caller expects (`get`'s check: each sweep knows
// what a run of its own looks like); anything else counts as corrupt, is deleted and is recomputed.

import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { BatchlabArgumentError } from "../util/validate";

export const CACHE_FORMAT = "batchlab-sweep-run/1";

/** JSON with deterministic key order, so equal configurations give equal keys. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(encode(value));
}

// JSON has no NaN or ±Infinity (JSON.stringify writes null): they are stored as {"$number": "NaN"}.
function encode(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : { $number: String(value) };
  if (value === null || typeof value !== "object") return value;
  if (ArrayBuffer.isView(value)) return Array.from(value as unknown as ArrayLike<number>, encode);
  if (Array.isArray(value)) return value.map(encode);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = encode(v);
  }
  return out;
}

function decode(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  const keys = Object.keys(value);
  const tagged = (value as { $number?: unknown }).$number;
  if (keys.length === 1 && typeof tagged === "string") return Number(tagged);
  const out: Record<string, unknown> = {};
  for (const key of keys) out[key] = decode((value as Record<string, unknown>)[key]);
  return out;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * `.cache/sweeps` under the project root, found from this file's own location (src/sweeps/), so
 * it is the same folder whether the caller is a notebook, a test or a script, wherever it runs.
 */
export function defaultCacheDir(): string {
  const here = typeof __dirname === "string" ? __dirname : undefined;
  const root =
    here && fs.existsSync(path.join(here, "..", "..", "package.json"))
      ? path.resolve(here, "..", "..")
      : (process.env.BATCHLAB_ROOT ?? process.cwd());
  return path.join(root, ".cache", "sweeps");
}

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
  /** Files that could not be trusted (unparsable, wrong format, hash or shape): deleted and recomputed. */
  corrupt: number;
}

interface StoredRun {
  format: string;
  config: unknown;
  value: unknown;
  sha256: string;
}

export class RunCache {
  readonly dir: string;
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0, corrupt: 0 };
  private temporaryCounter = 0;

  /** A cache in `dir` (default: `.cache/sweeps` under the project root). The folder is created on first write. */
  constructor(dir: string = defaultCacheDir()) {
    if (typeof dir !== "string" || dir === "")
      throw new BatchlabArgumentError("dir", dir, "a folder path");
    this.dir = dir;
  }

  /** The file that holds the run with this configuration in this namespace. */
  fileFor(namespace: string, config: unknown): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(namespace)) {
      throw new BatchlabArgumentError("namespace", namespace, "letters, digits, '.', '_' or '-'");
    }
    return path.join(this.dir, namespace, `${sha256(stableStringify(config)).slice(0, 32)}.json`);
  }

  /**
   * The stored value of the run with this configuration, or undefined when there is none to trust.
   * `check` says whether a decoded value has the shape this caller stores: a file whose hash is
   * right but whose value is not (written by older code, or by hand) is treated as corrupt.
   */
  get<T>(
    namespace: string,
    config: unknown,
    check?: (value: unknown) => value is T,
  ): T | undefined {
    const file = this.fileFor(namespace, config);
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      this.stats.misses++;
      return undefined;
    }
    const stored = parse(text);
    if (
      stored === undefined ||
      stored.sha256 !== sha256(stableStringify({ config: stored.config, value: stored.value }))
    ) {
      this.stats.corrupt++;
      this.stats.misses++;
      fs.rmSync(file, { force: true });
      return undefined;
    }
    if (stableStringify(stored.config) !== stableStringify(config)) {
      // A hash collision, or a file copied by hand: not this run, so not a hit.
      this.stats.misses++;
      return undefined;
    }
    const value = decode(stored.value);
    if (check && !check(value)) {
      this.stats.corrupt++;
      this.stats.misses++;
      fs.rmSync(file, { force: true });
      return undefined;
    }
    this.stats.hits++;
    return value as T;
  }

  /** Stores a run's value atomically (temporary file, then rename). */
  set(namespace: string, config: unknown, value: unknown): void {
    const file = this.fileFor(namespace, config);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const body = { config: encode(config), value: encode(value) };
    const stored: StoredRun = {
      format: CACHE_FORMAT,
      ...body,
      sha256: sha256(JSON.stringify(body)),
    };
    const temporary = `${file}.${process.pid}.${++this.temporaryCounter}.tmp`;
    try {
      fs.writeFileSync(temporary, JSON.stringify(stored));
      fs.renameSync(temporary, file);
    } catch (error) {
      // Whatever failed (a folder where the file should be, a full disk), no temporary file stays behind.
      fs.rmSync(temporary, { force: true });
      throw new Error(`the sweep cache could not write ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.stats.writes++;
  }

  /** Deletes every stored run of a namespace (or of the whole cache). */
  clear(namespace?: string): void {
    fs.rmSync(namespace === undefined ? this.dir : path.join(this.dir, namespace), {
      recursive: true,
      force: true,
    });
  }
}

function parse(text: string): StoredRun | undefined {
  try {
    const stored = JSON.parse(text) as Partial<StoredRun> | null;
    if (
      !stored ||
      typeof stored !== "object" ||
      stored.format !== CACHE_FORMAT ||
      typeof stored.sha256 !== "string"
    )
      return undefined;
    if (!("config" in stored) || !("value" in stored)) return undefined;
    return stored as StoredRun;
  } catch {
    return undefined;
  }
}
