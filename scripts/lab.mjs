#!/usr/bin/env node
// npm run lab: JupyterLab on this project, with the project's kernel "batchlab" found through
// JUPYTER_PATH=.jupyter. Which JupyterLab, in this order:
//   1. a `jupyter lab` on the PATH (pip's or pipx's jupyterlab);
//   2. the project's own JupyterLab 3.6 (lab/serve.py on Debian's jupyterlab_server, the one
//      `npm run test:lab` tests), when jupyterlab_server is installed and lab/ is built;
//   3. the classic Notebook (`jupyter notebook`).
// Without any of them, says how to get one. Extra arguments go to the server:
// `npm run lab -- --no-browser --port 8899`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { writeKernelSpec } from "./install-kernel.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const jupyterDir = join(root, ".jupyter");
if (!existsSync(join(jupyterDir, "kernels", "batchlab", "kernel.json")))
  writeKernelSpec(jupyterDir);

const env = {
  ...process.env,
  JUPYTER_PATH: process.env.JUPYTER_PATH
    ? `${jupyterDir}${delimiter}${process.env.JUPYTER_PATH}`
    : jupyterDir,
};

function works(command, args) {
  const r = spawnSync(command, args, { env, stdio: "ignore", timeout: 60000 });
  return !r.error && r.status === 0;
}

/** A Python 3 with jupyterlab_server and jupyter_server (Debian's /usr/bin/python3 when `python3` is another). */
function labPython() {
  return (
    ["python3", "/usr/bin/python3"].find((py) =>
      works(py, ["-c", "import jupyterlab_server, jupyter_server"]),
    ) ?? null
  );
}

const extra = process.argv.slice(2);
const labBuilt = existsSync(join(root, "lab", "build", "static", "bundle.js"));
let command = null;
let args = [];
let python;
if (works("jupyter", ["lab", "--version"])) {
  command = "jupyter";
  args = ["lab", `--notebook-dir=${root}`];
} else if ((python = labPython()) && labBuilt) {
  console.log("Starting the project's JupyterLab 3.6 (lab/serve.py).");
  command = python;
  args = [join(root, "lab", "serve.py"), `--ServerApp.root_dir=${root}`];
} else if (works("jupyter", ["notebook", "--version"])) {
  if (python && !labBuilt)
    console.log(
      "The project's JupyterLab is not built (npm ci --prefix lab && npm run build --prefix lab).",
    );
  console.log("JupyterLab not found; starting the classic Notebook instead.");
  command = "jupyter";
  args = ["notebook", `--notebook-dir=${root}`];
}

if (!command) {
  console.error(
    [
      "No JupyterLab was found (no working `jupyter lab`, and not the project's own).",
      "Either install JupyterLab, then run `npm run lab` again:",
      "  pipx install jupyterlab           (or: python3 -m pip install --user jupyterlab)",
      "or, on Debian/Ubuntu, the project's own JupyterLab 3.6 (the one its tests use):",
      "  sudo apt-get install python3-jupyterlab-server python3-jupyter-server libjs-mathjax jupyter-notebook",
      "  npm ci --prefix lab && npm run build --prefix lab",
      "npm run lab uses whichever it finds; the kernel is 'TypeScript (batchlab)'.",
    ].join("\n"),
  );
  process.exit(1);
}

const child = spawn(command, [...args, ...extra], { cwd: root, env, stdio: "inherit" });
// Ctrl-C reaches Jupyter directly (same terminal); stay alive until it has shut down.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
