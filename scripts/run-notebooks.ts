// npm start: executes every notebooks/*.ipynb (sorted) on the project's tslab kernel, headless and
// without Python, and writes
//   build/notebooks/<name>.ipynb   the executed notebooks (signed when Python's nbformat is around)
//   build/<name>.html              one static page per notebook (charts drawn offline)
//   build/index.html               the HTML book's front page
//   build/run.json                 what ran, how long, what failed, the claims checked per notebook
// A failing cell stops its notebook (reported with the cell and the real error message); the other
// notebooks still run, and the exit status is 1 if any failed. A failed claim (src/claims) does not
// stop its notebook, but it fails the run the same way: every claim is listed at the end.
//
// Usage: npm start [-- --quick] [--out DIR] [--timeout SECONDS] [--no-sign] [notebook.ipynb ...]

import * as fs from "fs";
import * as path from "path";
import { renderIndex, renderNotebookPage, type IndexEntry } from "./runner/book";
import { formatSeconds, keyLine, runNotebook, type CellFailure } from "./runner/execute";
import { countClaims, type ClaimCount } from "./runner/claims";
import { countCharts, notebookTitle, type Notebook } from "./runner/nbformat";
import { signNotebooks } from "./runner/sign";
import { lastOf, parseCommandLine, UsageError } from "./args";
import { isQuick } from "../src/util/mode";
import { addStaticImages } from "./runner/static-images";

const root = path.resolve(__dirname, "..");

export interface RunAllOptions {
  notebooks: string[];
  outDir: string;
  quick: boolean;
  cellTimeoutMs: number;
  sign: boolean;
  log?: (line: string) => void;
}

export interface NotebookResult {
  source: string;
  name: string;
  title: string;
  ok: boolean;
  seconds: number;
  charts: number;
  executed: string;
  page: string;
  failure: CellFailure | null;
  claims: ClaimCount;
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
}

/** "notebooks/x.ipynb, cell 3 (In [2])": where a failure happened. */
export function describeFailure(source: string, f: CellFailure): string {
  if (f.kind === "startup") return `${source}: the kernel did not start`;
  const where = `${source}, cell ${f.cellNumber}${f.executionCount !== null ? ` (In [${f.executionCount}])` : ""}`;
  const what = {
    error: "failed",
    async: "raised an asynchronous error",
    timeout: "timed out",
    dead: "killed the kernel",
    startup: "",
  }[f.kind];
  return `${where} ${what}`;
}

export async function runAll(options: RunAllOptions): Promise<NotebookResult[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const out = path.resolve(options.outDir);
  fs.mkdirSync(path.join(out, "notebooks"), { recursive: true });
  fs.mkdirSync(path.join(out, "assets"), { recursive: true });
  fs.copyFileSync(
    require.resolve("plotly.js-dist-min/plotly.min.js"),
    path.join(out, "assets", "plotly.min.js"),
  );
  // KaTeX's stylesheet and fonts for the math typeset into the pages (fonts are referenced as fonts/…).
  const katexDist = path.dirname(require.resolve("katex/dist/katex.min.css"));
  fs.mkdirSync(path.join(out, "assets", "katex"), { recursive: true });
  fs.copyFileSync(
    path.join(katexDist, "katex.min.css"),
    path.join(out, "assets", "katex", "katex.min.css"),
  );
  fs.cpSync(path.join(katexDist, "fonts"), path.join(out, "assets", "katex", "fonts"), {
    recursive: true,
  });

  const env: NodeJS.ProcessEnv = { ...process.env, BATCHLAB_RUNNER: "1" };
  delete env.NODE_TEST_CONTEXT;
  if (options.quick) env.BATCHLAB_QUICK = "1";
  else delete env.BATCHLAB_QUICK;

  const names = options.notebooks.map((f) => path.basename(f, ".ipynb"));
  const titles: string[] = [];
  const sources: Notebook[] = options.notebooks.map(
    (f) => JSON.parse(fs.readFileSync(f, "utf8")) as Notebook,
  );
  sources.forEach((nb, i) => titles.push(notebookTitle(nb, names[i])));

  const results: NotebookResult[] = [];
  const t0 = Date.now();
  for (let k = 0; k < options.notebooks.length; k++) {
    const file = options.notebooks[k];
    const source = rel(file);
    log(
      `▶ [${k + 1}/${options.notebooks.length}] ${source}${options.quick ? " (quick mode)" : ""} · cell limit ${options.cellTimeoutMs / 1000} s`,
    );
    const run = await runNotebook(sources[k], {
      kernelArgv: [process.execPath, path.join(root, "scripts", "kernel.cjs"), "{connection_file}"],
      cwd: root,
      env,
      cellTimeoutMs: options.cellTimeoutMs,
      log,
      label: names[k],
    });
    const claims = countClaims(run.notebook);
    const executed = path.join(out, "notebooks", `${names[k]}.ipynb`);
    fs.writeFileSync(executed, JSON.stringify(run.notebook, null, 1) + "\n");
    const pageFile = path.join(out, `${names[k]}.html`);
    fs.writeFileSync(
      pageFile,
      renderNotebookPage(run.notebook, {
        title: titles[k],
        source,
        ipynbHref: `notebooks/${names[k]}.ipynb`,
        prev: k > 0 ? { href: `${names[k - 1]}.html`, title: titles[k - 1] } : undefined,
        next:
          k + 1 < names.length ? { href: `${names[k + 1]}.html`, title: titles[k + 1] } : undefined,
        failure: run.failure,
        claims,
        seconds: run.seconds,
        quick: options.quick,
        notebookDir: path.dirname(path.resolve(file)),
      }),
    );
    const result: NotebookResult = {
      source,
      name: names[k],
      title: titles[k],
      ok: run.failure === null,
      seconds: run.seconds,
      charts: countCharts(run.notebook),
      executed,
      page: pageFile,
      failure: run.failure,
      claims,
    };
    results.push(result);
    if (run.failure) {
      console.error(
        `✗ ${describeFailure(source, run.failure)}:\n${run.failure.message.replace(/^/gm, "    ")}`,
      );
    } else {
      log(
        `✓ ${source} · ${result.charts} ${result.charts === 1 ? "chart" : "charts"} · ${claimSummary(result.claims)} · ${formatSeconds(run.seconds)}`,
      );
    }
    for (const line of result.claims.failures) console.error(`  ${source}: ${line}`);
  }

  const entries: IndexEntry[] = results.map((r) => ({
    title: r.title,
    href: `${r.name}.html`,
    ipynbHref: `notebooks/${r.name}.ipynb`,
    source: r.source,
    failure: r.failure,
    seconds: r.seconds,
    charts: r.charts,
    claims: r.claims,
  }));
  fs.writeFileSync(
    path.join(out, "index.html"),
    renderIndex(entries, { quick: options.quick, generated: new Date() }),
  );
  fs.writeFileSync(
    path.join(out, "run.json"),
    JSON.stringify(
      {
        quick: options.quick,
        seconds: (Date.now() - t0) / 1000,
        notebooks: results.map((r) => ({
          ...r,
          executed: path.relative(out, r.executed),
          page: path.relative(out, r.page),
        })),
      },
      null,
      2,
    ) + "\n",
  );
  await addStaticImages(
    results.map((r) => r.executed),
    log,
  );
  if (options.sign) log(signNotebooks(results.map((r) => r.executed)).message);
  return results;
}

/** "12 claims ✓" or "12 claims, 2 failed". */
export function claimSummary(c: ClaimCount): string {
  const n = `${c.checked} ${c.checked === 1 ? "claim" : "claims"}`;
  return c.failed === 0 ? `${n} ✓` : `${n}, ${c.failed} failed`;
}

/** The end-of-run summary of a set of results, and whether the run passed (no failed cell, no failed claim). */
export function summarizeRun(results: NotebookResult[]): { ok: boolean; lines: string[] } {
  const failed = results.filter((r) => !r.ok);
  const checked = results.reduce((s, r) => s + r.claims.checked, 0);
  const failedClaims = results.reduce((s, r) => s + r.claims.failed, 0);
  const lines = [`claims: ${checked} checked, ${failedClaims} failed`];
  for (const r of failed)
    lines.push(`  FAILED ${describeFailure(r.source, r.failure!)}: ${keyLine(r.failure!.message)}`);
  for (const r of results)
    for (const f of r.claims.failures) lines.push(`  CLAIM FAILED ${r.source}: ${f}`);
  return { ok: failed.length === 0 && failedClaims === 0, lines };
}

function usage(): string {
  return [
    "usage: npm start -- [options] [notebook.ipynb ...]",
    "  --quick            quick mode: small budgets (sets BATCHLAB_QUICK=1 for the kernel)",
    "  --out DIR          output folder (default: build)",
    "  --timeout SECONDS  time limit per cell (default: 600, or BATCHLAB_CELL_TIMEOUT)",
    "  --no-sign          do not sign the executed notebooks",
    "Without notebook arguments, runs notebooks/*.ipynb in name order.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  let quick = isQuick();
  let outDir = path.join(root, "build");
  // The per-cell limit: --timeout, else BATCHLAB_CELL_TIMEOUT, else 600 s (named in errors by where it came from).
  let timeoutS = Number(process.env.BATCHLAB_CELL_TIMEOUT ?? 600);
  let timeoutFrom =
    process.env.BATCHLAB_CELL_TIMEOUT !== undefined ? "BATCHLAB_CELL_TIMEOUT" : "the default";
  let timeoutText = process.env.BATCHLAB_CELL_TIMEOUT ?? "600";
  let args;
  try {
    args = parseCommandLine(
      argv,
      {
        quick: { type: "boolean" },
        full: { type: "boolean" },
        "no-sign": { type: "boolean" },
        out: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      true,
    );
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n${usage()}`);
    return 2;
  }
  if (args.values.help) {
    console.log(usage());
    return 0;
  }
  quick = lastOf(args.order, "quick", "full") ?? quick;
  const sign = !args.values["no-sign"];
  if (args.values.out !== undefined) outDir = path.resolve(args.values.out);
  if (args.values.timeout !== undefined) {
    timeoutText = args.values.timeout;
    timeoutS = Number(timeoutText);
    timeoutFrom = "--timeout";
  }
  const files = args.positionals.map((f) => path.resolve(f));
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    console.error(
      `${timeoutFrom} needs a positive number of seconds, got ${JSON.stringify(timeoutText)}\n${usage()}`,
    );
    return 2;
  }
  let notebooks = files;
  if (notebooks.length === 0) {
    const dir = path.join(root, "notebooks");
    notebooks = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => f.endsWith(".ipynb"))
          .sort()
          .map((f) => path.join(dir, f))
      : [];
  }
  for (const f of notebooks) {
    if (!fs.existsSync(f)) {
      console.error(`no such notebook: ${f}`);
      return 2;
    }
  }
  if (notebooks.length === 0) {
    console.log("no notebooks to run (notebooks/*.ipynb is empty)");
    return 0;
  }
  const t0 = Date.now();
  const results = await runAll({ notebooks, outDir, quick, cellTimeoutMs: timeoutS * 1000, sign });
  const failed = results.filter((r) => !r.ok);
  const summary = `${results.length} ${results.length === 1 ? "notebook" : "notebooks"}, ${results.length - failed.length} ok, ${failed.length} failed, ${formatSeconds((Date.now() - t0) / 1000)}${quick ? " (quick mode)" : ""} → ${rel(path.join(outDir, "index.html"))}`;
  const verdict = summarizeRun(results);
  const print = verdict.ok ? console.log : console.error;
  print(`batchlab: ${summary}`);
  for (const line of verdict.lines) print(line);
  return verdict.ok ? 0 : 1;
}

/** Runs a command's main on the process's arguments and exits with its code; an unexpected error prints its stack and exits 1. */
export function runCommand(main: (args: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : e);
      process.exit(1);
    },
  );
}

if (require.main === module) runCommand(main);
