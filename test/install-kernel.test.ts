// The kernel installer (npm's postinstall) tells apart "no jupyter", "jupyter without its
// kernelspec command" (Debian's jupyter-notebook without jupyter-client) and a working jupyter,
// with a fake `jupyter` first on PATH in a temporary folder.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.resolve(__dirname, "..");
const script = path.join(root, "scripts", "install-kernel.mjs");

/** Runs the installer with only `dir` (and nothing else) on PATH. */
function install(dir: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: dir };
  const r = spawnSync(process.execPath, [script], {
    cwd: root,
    env,
    encoding: "utf8",
    timeout: 60000,
  });
  assert.equal(r.status, 0, `the installer never fails the install: ${r.stderr}`);
  return r.stdout.trim();
}

function fakeJupyter(dir: string, body: string): void {
  const file = path.join(dir, "jupyter");
  fs.writeFileSync(file, `#!/bin/sh\n${body}\n`);
  fs.chmodSync(file, 0o755);
}

describe("install-kernel.mjs: what the jupyter on PATH can do", () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-install-kernel-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  test("no jupyter at all: says so", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "none-"));
    const out = install(dir);
    assert.match(out, /no jupyter command found/);
    assert.ok(fs.existsSync(path.join(root, ".jupyter", "kernels", "batchlab", "kernel.json")));
  });

  test("jupyter without the kernelspec subcommand: names the missing piece and how to install it", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "nokernelspec-"));
    // What Debian's jupyter (jupyter_core 4.12) prints for a subcommand it does not have.
    fakeJupyter(
      dir,
      'echo "usage: jupyter [-h] [--version] [subcommand]" >&2\necho "Jupyter command \\`jupyter-$1\\` not found." >&2\nexit 1',
    );
    const out = install(dir);
    assert.doesNotMatch(out, /no jupyter command found/);
    assert.match(out, /has no "kernelspec" command/);
    assert.match(out, /apt-get install jupyter-client/);
    assert.match(out, /pip install jupyter-client/);
  });

  test("a jupyter whose kernelspec works: installs the kernel for the user with it", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "ok-"));
    const calls = path.join(dir, "calls.txt");
    fakeJupyter(dir, `echo "$@" >> ${JSON.stringify(calls)}\nexit 0`);
    const out = install(dir);
    assert.match(out, /installed for this user/);
    const lines = fs.readFileSync(calls, "utf8").trim().split("\n");
    assert.equal(lines[0], "kernelspec --version");
    assert.match(
      lines[1],
      /^kernelspec install --user --replace --name batchlab .*kernels[/\\]batchlab$/,
    );
  });

  test("a kernelspec command that fails for another reason: reports its last line", () => {
    const dir = fs.mkdtempSync(path.join(tmp, "broken-"));
    fakeJupyter(
      dir,
      'echo "Traceback (most recent call last):" >&2\necho "ImportError: cannot import name zmq" >&2\nexit 1',
    );
    const out = install(dir);
    assert.match(out, /"jupyter kernelspec" does not work \(ImportError: cannot import name zmq\)/);
  });
});
