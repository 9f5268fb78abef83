#!/usr/bin/env node
// Starts the project's own tslab kernel from the project root, whatever folder Jupyter starts it
// in. tslab compiles every cell with rootDir = the working directory, so running from the root is
// what lets a notebook in notebooks/ write `import ... from "./src"` without a build step.
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

const { startKernel } = require(path.join(root, "node_modules", "tslab", "dist", "main.js"));
startKernel({ configPath: path.resolve(configPath), enableFindLocal: false });
