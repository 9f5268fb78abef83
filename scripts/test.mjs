#!/usr/bin/env node
// npm test: every test/**/*.test.ts on node's test runner (through tsx), one file at a time, in
// quick mode; then the type check (tsc --noEmit) and, for the whole suite, the lint (npm run lint:
// prettier, eslint, the notebooks' code cells). Node 20's --test takes no glob, so the files are
// listed here. Extra arguments replace the file list: `npm test -- test/display.test.ts`.
// `npm run test:lab` (--lab) runs only test/lab/: the course in the live classic Notebook and in
// the project's JupyterLab (lab/), last in plain `npm test` too (after the rest has finished).
// test/lab needs Debian's Jupyter packages and lab/ built (bash .ci/run installs and builds them);
// where these are missing it is reported as skipped, with the commands that make it run.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "fixtures" && entry.name !== "node_modules") out.push(...testFiles(p));
    } else if (entry.name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

const lab = process.argv.includes("--lab");
const args = process.argv.slice(2).filter((a) => a !== "--lab");
const labDir = join(root, "test", "lab");
const all =
  args.length > 0 ? args.map((a) => resolve(a)) : testFiles(lab ? labDir : join(root, "test"));
const relativeSorted = (list) => list.sort().map((f) => relative(root, f));
// test/lab goes last, in a node --test run of its own: node's runner orders the files it is given
// by name, which put test/lab before notebooks.test.ts. After it, the notebooks' quick runs have
// filled the sweep cache, so the front ends' Run All redraws the sweeps from it (as a learner's
// second Run All does) and the front ends' own work is what test/lab spends its time on.
const groups = [
  relativeSorted(all.filter((f) => !f.startsWith(labDir))),
  relativeSorted(all.filter((f) => f.startsWith(labDir))),
].filter((g) => g.length > 0);
const files = groups.flat();
const env = { ...process.env, BATCHLAB_QUICK: "1" };

const t0 = Date.now();
const runs = groups.map((group) =>
  spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...group], {
    cwd: root,
    env,
    stdio: "inherit",
  }),
);
const tests = { status: runs.every((r) => r.status === 0) ? 0 : 1 };
const testSeconds = ((Date.now() - t0) / 1000).toFixed(1);

const t1 = Date.now();
const tsc = spawnSync(
  process.execPath,
  [join(root, "node_modules", "typescript", "bin", "tsc"), "--noEmit", "-p", "."],
  {
    cwd: root,
    stdio: "inherit",
  },
);
const tscSeconds = ((Date.now() - t1) / 1000).toFixed(1);

// The lint runs with the whole suite (not when a few files are named: a quick loop stays quick).
const lintRun = args.length === 0 && !lab;
const t2 = Date.now();
const lint = lintRun
  ? spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "--silent", "lint"], {
      cwd: root,
      stdio: "inherit",
    })
  : null;
const lintSeconds = ((Date.now() - t2) / 1000).toFixed(1);

const testsOk = tests.status === 0;
const tscOk = tsc.status === 0;
const lintOk = lint === null || lint.status === 0;
console.log(
  `\nnpm test: ${files.length} test files ${testsOk ? "passed" : "FAILED"} (${testSeconds} s); ` +
    `tsc --noEmit ${tscOk ? "clean" : "FAILED"} (${tscSeconds} s)` +
    (lint === null
      ? ""
      : `; lint ${lintOk ? "clean" : "FAILED (npm run format fixes the formatting)"} (${lintSeconds} s)`),
);
process.exit(testsOk && tscOk && lintOk ? 0 : 1);
