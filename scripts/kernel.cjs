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

// tslab runs TypeScript's watch compiler with a single debounce timer and throws "Unexpected
// pending rebuildTimer" when a second one is asked for. Directory watchers (which TypeScript sets
// on the folders of failed module lookups) ask for a timer of their own when files appear or vanish
// there, and the next cell then fails instead of running. Nothing in a notebook session needs them:
// edits to existing src files still reach the kernel through the per-file watchers, and a kernel
// restart always starts from a fresh compile.
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] }));
ts.sys.watchDirectory = () => ({ close() {} });

const { startKernel } = require(path.join(tslabDir, "dist", "main.js"));
startKernel({ configPath: path.resolve(configPath), enableFindLocal: false });
