#!/usr/bin/env node
// postinstall: registers the project's tslab kernel as the Jupyter kernel "batchlab".
// Writes .jupyter/kernels/batchlab/kernel.json (git-ignored; absolute paths of this checkout and of
// the node that ran the install), and, when a `jupyter` command exists, also installs it for the
// user so any Jupyter finds it. Never fails the install: problems are reported in one line.
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Writes the kernelspec into `<dir>/kernels/batchlab` and returns that folder. */
export function writeKernelSpec(dir = join(root, ".jupyter")) {
  const specDir = join(dir, "kernels", "batchlab");
  mkdirSync(specDir, { recursive: true });
  const spec = {
    argv: [process.execPath, join(root, "scripts", "kernel.cjs"), "{connection_file}"],
    display_name: "TypeScript (batchlab)",
    language: "typescript",
    metadata: { debugger: false },
  };
  writeFileSync(join(specDir, "kernel.json"), JSON.stringify(spec, null, 2) + "\n");
  return specDir;
}

function main() {
  let specDir;
  try {
    specDir = writeKernelSpec();
  } catch (e) {
    console.log(`batchlab: could not write the kernelspec (${e instanceof Error ? e.message : e}); run "node scripts/install-kernel.mjs" later.`);
    return;
  }
  try {
    const probe = spawnSync("jupyter", ["kernelspec", "--version"], { encoding: "utf8", timeout: 30000 });
    if (probe.error || probe.status !== 0) {
      console.log(`batchlab: kernel "batchlab" written to .jupyter/ (no jupyter command found; "npm run lab" uses it directly).`);
      return;
    }
    const r = spawnSync("jupyter", ["kernelspec", "install", "--user", "--replace", "--name", "batchlab", specDir], {
      encoding: "utf8",
      timeout: 60000,
    });
    if (r.status === 0) console.log(`batchlab: kernel "batchlab" installed for this user (and in .jupyter/).`);
    else console.log(`batchlab: kernel written to .jupyter/, but "jupyter kernelspec install" failed: ${(r.stderr || r.stdout || "").trim().split("\n").pop()}`);
  } catch (e) {
    console.log(`batchlab: kernel written to .jupyter/; user install skipped (${e instanceof Error ? e.message : e}).`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
