// A job the pool can run in another thread: a named export of a module, called with a plain
// configuration. Closures cannot cross a thread boundary, so a job is named, never passed: the
// worker loads the same source file and calls the same function, which is why a job computed in a
// worker and one computed in the calling thread agree bit for bit.

import * as fs from "node:fs";
import * as path from "node:path";
import { BatchlabArgumentError } from "../util/validate";

export interface JobRef {
  /** The module: a path relative to the library's src/ folder ("sweeps/jobs"), or an absolute path. */
  module: string;
  /** The exported function's name. */
  name: string;
}

export interface JobContext {
  /** Fraction of the job done, for the progress display. */
  report(fraction: number): void;
}

/** What a job function looks like: (config, context) → a structured-cloneable result. */
export type JobFunction<C = unknown, R = unknown> = (
  config: C,
  context: JobContext,
) => R | Promise<R>;

/** The library's src/ folder, found from this file (src/pool/) or, inside the kernel, from the project root. */
export function srcDir(): string {
  const here = typeof __dirname === "string" ? __dirname : undefined;
  if (here && fs.existsSync(path.join(here, "job.ts"))) return path.resolve(here, "..");
  return path.join(process.env.BATCHLAB_ROOT ?? process.cwd(), "src");
}

/** The file a job's module names, checked. */
export function jobFile(job: JobRef): string {
  if (!job || typeof job.module !== "string" || job.module === "")
    throw new BatchlabArgumentError("job.module", job?.module, "a module path");
  if (typeof job.name !== "string" || !/^[A-Za-z_$][\w$]*$/.test(job.name))
    throw new BatchlabArgumentError("job.name", job?.name, "an exported function's name");
  return path.isAbsolute(job.module) ? job.module : path.join(srcDir(), job.module);
}

/** Loads the job's function in this thread (the serial path, and the worker's). */
export function loadJob(job: JobRef): JobFunction {
  const file = jobFile(job);
  const mod = requireTypeScript(file) as Record<string, unknown>;
  const fn = mod[job.name];
  if (typeof fn !== "function")
    throw new BatchlabArgumentError("job.name", job.name, `a function exported by ${job.module}`);
  return fn as JobFunction;
}

/**
 * require() for a TypeScript file. Under tsx (npm start's scripts, the tests, the workers) plain
 * require compiles .ts; inside the tslab kernel it does not (tslab compiles only the imports it sees
 * in a cell), so there the module is loaded through tsx's scoped require, which compiles it without
 * hooking the kernel's own module loading.
 */
function requireTypeScript(file: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (require.extensions[".ts"]) return require(file);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tsx = require("tsx/cjs/api") as { require(id: string, from: string): unknown };
  return tsx.require(file, path.join(srcDir(), "pool", "job.ts"));
}
