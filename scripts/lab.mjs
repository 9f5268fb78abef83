#!/usr/bin/env node
// npm run lab: JupyterLab (or, failing that, the classic Notebook) on this project, with the
// project's kernel "batchlab" found through JUPYTER_PATH=.jupyter. Without Jupyter, says how to
// get it. Extra arguments go to Jupyter: `npm run lab -- --no-browser --port 8899`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeKernelSpec } from "./install-kernel.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const jupyterDir = join(root, ".jupyter");
if (!existsSync(join(jupyterDir, "kernels", "batchlab", "kernel.json"))) writeKernelSpec(jupyterDir);

const env = {
  ...process.env,
  JUPYTER_PATH: process.env.JUPYTER_PATH ? `${jupyterDir}${delimiter}${process.env.JUPYTER_PATH}` : jupyterDir,
};

function works(args) {
  const r = spawnSync("jupyter", args, { env, stdio: "ignore", timeout: 60000 });
  return !r.error && r.status === 0;
}

let app = null;
if (works(["lab", "--version"])) app = "lab";
else if (works(["notebook", "--version"])) app = "notebook";

if (!app) {
  console.error(
    [
      "JupyterLab was not found (no working `jupyter lab`).",
      "Install it, then run `npm run lab` again:",
      "  pipx install jupyterlab           (or: python3 -m pip install --user jupyterlab)",
      "Debian/Ubuntu package the classic Notebook instead of JupyterLab (check: apt-cache policy jupyterlab):",
      "  sudo apt-get install jupyter-notebook",
      "npm run lab uses whichever it finds; the kernel is 'TypeScript (batchlab)'.",
    ].join("\n"),
  );
  process.exit(1);
}

if (app === "notebook") console.log("JupyterLab not found; starting the classic Notebook instead.");
const child = spawn("jupyter", [app, `--notebook-dir=${root}`, ...process.argv.slice(2)], { cwd: root, env, stdio: "inherit" });
// Ctrl-C reaches Jupyter directly (same terminal); stay alive until it has shut down.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(signal ? 1 : code ?? 0));
