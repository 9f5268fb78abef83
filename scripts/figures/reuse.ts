// When a notebook need not run again: its executed copy from the last `npm run figures` is reused
// as long as nothing it depends on changed. The key hashes the notebook file, every file under src/
// (the library it imports) and the mode; anything else that changes a result (the machine, for
// measured times) is not in it, which is what --rerun is for.

import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface ExecutedRecord {
  key: string;
  ok: boolean;
  seconds: number;
  title: string;
  charts: number;
}

export type ExecutedState = Record<string, ExecutedRecord>;

export const STATE_FILE = "figures-inputs.json";

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(p));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

/** A hash of every file under `dir`, names and contents. */
export function treeHash(dir: string): string {
  const hash = createHash("sha256");
  for (const file of filesUnder(dir)) {
    hash.update(path.relative(dir, file).split(path.sep).join("/"));
    hash.update("\0");
    hash.update(fs.readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}

/** The key of one notebook's execution: its file, the library's hash and the mode. */
export function executionKey(notebookFile: string, libraryHash: string, quick: boolean): string {
  return createHash("sha256")
    .update(fs.readFileSync(notebookFile))
    .update(libraryHash)
    .update(quick ? "quick" : "full")
    .digest("hex");
}

export function readState(bookDir: string): ExecutedState {
  try {
    return JSON.parse(fs.readFileSync(path.join(bookDir, STATE_FILE), "utf8")) as ExecutedState;
  } catch {
    return {};
  }
}

export function writeState(bookDir: string, state: ExecutedState): void {
  fs.mkdirSync(bookDir, { recursive: true });
  fs.writeFileSync(path.join(bookDir, STATE_FILE), JSON.stringify(state, null, 2) + "\n");
}

/** Whether the executed copy of `name` in bookDir can stand in for running it with this key. */
export function canReuse(
  state: ExecutedState,
  bookDir: string,
  name: string,
  key: string,
): boolean {
  const record = state[name];
  return (
    record !== undefined &&
    record.ok &&
    record.key === key &&
    fs.existsSync(path.join(bookDir, "notebooks", `${name}.ipynb`))
  );
}
