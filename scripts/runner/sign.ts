// Signing executed notebooks makes Jupyter trust them, so classic Notebook and JupyterLab run the
// HTML/JavaScript of their outputs (the charts) when the file is opened. Signing needs Python's
// nbformat (`python3 -m nbformat.sign`, what `jupyter trust` runs); without it, say so.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The first executable called `cmd` on PATH, or null. */
export function which(cmd: string): string | null {
  const exts =
    process.platform === "win32" ? (process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";") : [""];
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const file = path.join(dir, cmd + ext);
      try {
        fs.accessSync(file, fs.constants.X_OK);
        if (fs.statSync(file).isFile()) return file;
      } catch {
        // not here
      }
    }
  }
  return null;
}

/** A Python that can import nbformat: the one running `jupyter` first, then python3/python. */
export function findNbformatPython(): string | null {
  const candidates: string[] = [];
  const jupyter = which("jupyter");
  if (jupyter) {
    try {
      const first = fs.readFileSync(jupyter, "utf8").slice(0, 300).split("\n")[0];
      const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
      if (m) candidates.push(m[1].endsWith("/env") && m[2] ? m[2] : m[1]);
    } catch {
      // not a script
    }
  }
  candidates.push("python3", "python");
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import nbformat.sign"], { stdio: "ignore", timeout: 30000 });
    if (r.status === 0) return py;
  }
  return null;
}

/** Signs the notebooks; returns a one-line report. */
export function signNotebooks(files: string[]): { ok: boolean; message: string } {
  if (files.length === 0) return { ok: true, message: "no notebooks to sign" };
  const py = findNbformatPython();
  if (!py) {
    return {
      ok: false,
      message:
        "executed notebooks are NOT signed (no Python with nbformat found; apt-get install python3-nbformat, or pip install nbformat): " +
        "Jupyter will not draw their charts until you re-run them or choose 'Trust Notebook'.",
    };
  }
  const r = spawnSync(py, ["-m", "nbformat.sign", ...files], { encoding: "utf8", timeout: 120000 });
  if (r.status === 0)
    return {
      ok: true,
      message: `signed ${files.length} executed notebook(s): Jupyter trusts and draws their charts`,
    };
  const why =
    `${r.stderr ?? ""}${r.stdout ?? ""}`.trim().split("\n").filter(Boolean).pop() ??
    (r.error ? r.error.message : `exit ${r.status}`);
  return { ok: false, message: `signing the executed notebooks failed (${why})` };
}
