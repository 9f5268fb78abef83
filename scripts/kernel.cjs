#!/usr/bin/env node
// Starts the project's own tslab kernel from the project root, whatever folder Jupyter starts it
// in. tslab compiles every cell with rootDir = the working directory, so running from the root is
// what lets a notebook in notebooks/ write `import ... from "./src/index"` without a build step.
"use strict";
const path = require("path");

const root = path.resolve(__dirname, "..");
const configPath = process.argv[2];
if (!configPath) {
  console.error("usage: node scripts/kernel.cjs <jupyter-connection-file>");
  process.exit(2);
}
process.chdir(root);
process.env.BATCHLAB_ROOT = root;

const tslabDir = path.join(root, "node_modules", "tslab");

// tslab runs TypeScript's watch compiler with a single debounce timer that only tslab itself fires
// (when a cell is compiled), and throws "Unexpected pending rebuildTimer" when a second one is
// asked for. Any watcher of a real file or folder that reports a change asks for one and then waits
// for it, so the next cell fails instead of running, and tslab reports that failure on the
// process's stderr only. Watching the disk from a kernel is therefore switched off: cells (tslab's
// in-memory files) are unaffected, and edits to src/ take effect on a kernel restart, which starts
// from a fresh compile (the README says so).
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] }));
const noWatcher = () => ({ close() {} });
ts.sys.watchDirectory = noWatcher;
ts.sys.watchFile = noWatcher;

const { startKernel } = require(path.join(tslabDir, "dist", "main.js"));
startKernel({ configPath: path.resolve(configPath), enableFindLocal: false });
