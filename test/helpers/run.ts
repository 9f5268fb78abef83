// Runs the notebook runner CLI (scripts/run-notebooks.ts) as `npm start` would, and reads back what
// it wrote.

import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import type { Notebook } from "../../scripts/runner/nbformat";

export const root = path.resolve(__dirname, "..", "..");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const t0 = Date.now();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(root, "scripts", "run-notebooks.ts"), ...args],
      {
        cwd: root,
        env: childEnv,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 }),
    );
  });
}

export interface RunSummary {
  quick: boolean;
  seconds: number;
  notebooks: Array<{
    source: string;
    name: string;
    ok: boolean;
    charts: number;
    seconds: number;
    executed: string;
    page: string;
    failure: unknown;
    claims: { checked: number; failed: number; failures: string[] };
  }>;
}

export function readSummary(outDir: string): RunSummary {
  return JSON.parse(fs.readFileSync(path.join(outDir, "run.json"), "utf8")) as RunSummary;
}

export function readNotebook(file: string): Notebook {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
}
