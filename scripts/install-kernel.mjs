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

/**
 * What the `jupyter` on PATH can do for the kernel install:
 *  - "none":          no `jupyter` command at all;
 *  - "no-kernelspec": `jupyter` runs but has no `kernelspec` subcommand (e.g. Debian's
 *                     jupyter-notebook without jupyter-client): it cannot install kernels;
 *  - "broken":        `jupyter kernelspec` exists but fails (`detail` says how);
 *  - "ok":            `jupyter kernelspec install` can be used.
 */
export function probeJupyter(env = process.env) {
  const probe = spawnSync("jupyter", ["kernelspec", "--version"], {
    encoding: "utf8",
    timeout: 30000,
    env,
  });
  if (probe.error) {
    return probe.error.code === "ENOENT"
      ? { kind: "none" }
      : { kind: "broken", detail: probe.error.message };
  }
  if (probe.status === 0) return { kind: "ok" };
  const said = `${probe.stderr ?? ""}${probe.stdout ?? ""}`.trim();
  // jupyter_core answers an unknown subcommand with "Jupyter command `jupyter-kernelspec` not found."
  if (
    /jupyter-kernelspec\W.*not found|unknown command.*kernelspec|invalid choice.*kernelspec/i.test(
      said,
    )
  )
    return { kind: "no-kernelspec" };
  return { kind: "broken", detail: said.split("\n").pop() || `exit ${probe.status}` };
}

/** The one line the install prints for a probe that rules out the user install, or null for "ok". */
export function probeMessage(result) {
  if (result.kind === "none") {
    return `batchlab: kernel "batchlab" written to .jupyter/ (no jupyter command found; "npm run lab" uses it directly).`;
  }
  if (result.kind === "no-kernelspec") {
    return (
      `batchlab: kernel "batchlab" written to .jupyter/, but this jupyter has no "kernelspec" command, so it was not installed for the user: ` +
      `install jupyter-client (Debian/Ubuntu: sudo apt-get install jupyter-client; pip: pip install jupyter-client), then run "node scripts/install-kernel.mjs" ` +
      `("npm run lab" uses .jupyter/ directly meanwhile).`
    );
  }
  if (result.kind === "broken") {
    return `batchlab: kernel written to .jupyter/, but "jupyter kernelspec" does not work (${result.detail}); user install skipped.`;
  }
  return null;
}

function main() {
  let specDir;
  try {
    specDir = writeKernelSpec();
  } catch (e) {
    console.log(
      `batchlab: could not write the kernelspec (${e instanceof Error ? e.message : e}); run "node scripts/install-kernel.mjs" later.`,
    );
    return;
  }
  try {
    const message = probeMessage(probeJupyter());
    if (message) {
      console.log(message);
      return;
    }
    const r = spawnSync(
      "jupyter",
      ["kernelspec", "install", "--user", "--replace", "--name", "batchlab", specDir],
      {
        encoding: "utf8",
        timeout: 60000,
      },
    );
    if (r.status === 0)
      console.log(`batchlab: kernel "batchlab" installed for this user (and in .jupyter/).`);
    else
      console.log(
        `batchlab: kernel written to .jupyter/, but "jupyter kernelspec install" failed: ${(r.stderr || r.stdout || "").trim().split("\n").pop()}`,
      );
  } catch (e) {
    console.log(
      `batchlab: kernel written to .jupyter/; user install skipped (${e instanceof Error ? e.message : e}).`,
    );
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
