// npm run figures: regenerates every figure of the course as files a lecturer can use.
//
//   1. executes the notebooks with the project's runner (full mode unless --quick), into
//      <out>/book/ (executed .ipynb files and the HTML book). A notebook that, like the library in
//      src/, has not changed since the last run is not run again: its figures are only redrawn
//      (--rerun runs it anyway). Sweeps read and fill the run cache in .cache/sweeps, so a re-run
//      retrains only what is missing; --fresh empties that cache and re-runs everything;
//   2. collects every Plotly output with its notebook, cell and the meta that show() recorded;
//   3. draws each in headless Chromium with the course's own plotly.js:
//        <out>/png/<id>.png     at twice the figure's size
//        <out>/svg/<id>.svg     Plotly's own SVG
//        <out>/html/<id>.html   interactive, offline (plotly.js copied to <out>/assets/)
//        <out>/thumbs/<id>.png  a small PNG for the gallery
//   4. writes the gallery <out>/index.html and the manifest <out>/figures.json.
//
// Usage: npm run figures -- [--quick] [--rerun] [--fresh] [--only 02,03] [--from DIR] [--out DIR]
//                           [--timeout SECONDS] [--thumbnails DIR]

import * as fs from "fs";
import * as path from "path";
import { RunCache } from "../src/sweeps/cache";
import { isQuick } from "../src/util/mode";
import { runAll, runCommand } from "./run-notebooks";
import { lastOf, parseCommandLine, UsageError } from "./args";
import { renderIndex } from "./runner/book";
import { countClaims, type ClaimCount } from "./runner/claims";
import { countCharts, notebookTitle, type Notebook } from "./runner/nbformat";
import { formatSeconds } from "./runner/execute";
import { collectFigures, uniqueIds, type CollectedFigure } from "./figures/collect";
import { renderFigurePage, renderGallery, type GalleryFigure } from "./figures/gallery";
import {
  CHROMIUM_MISSING,
  findChromium,
  launchChromium,
  plotlyPage,
  renderFigure,
  pngSize,
} from "./figures/render";
import { canReuse, executionKey, readState, treeHash, writeState } from "./figures/reuse";

const root = path.resolve(__dirname, "..");

/**
 * The figure of each chapter that stands for it in the README's table of contents; `--thumbnails
 * DIR` writes these as DIR/<notebook>.png.
 */
export const README_THUMBNAILS: Readonly<Record<string, string>> = {
  "00-start-here": "ch0-first-run",
  "01-update-rule": "ch1-paths",
  "02-gradient-noise": "ch2-variance-synthetic",
  "02b-rugged-landscape": "ch2b-cloud",
  "03-convergence": "ch3-steps-to-target",
  "03b-taming-the-noise": "ch3b-decay-vs-growth",
  "04-generalization": "ch4-budget-comparison",
  "05-compute": "ch5-time-to-target",
  "06-choosing-a-batch-size": "ch6-time-model",
};

export interface FiguresOptions {
  quick: boolean;
  /** Run every notebook even when it has not changed since the last run. */
  rerun: boolean;
  /** Empty the sweep cache first (implies rerun). */
  fresh: boolean;
  /** Notebook name prefixes ("02", "03-convergence"); empty: all. */
  only: string[];
  outDir: string;
  /** Use the executed notebooks in this folder (its notebooks/ subfolder) instead of running them. */
  from: string | null;
  cellTimeoutMs: number;
  thumbnailsDir: string | null;
  log: (line: string) => void;
}

export interface ManifestEntry {
  id: string;
  title: string;
  claim: string;
  source: string;
  notebook: string;
  cell: number;
  cellId: string | null;
  executionCount: number | null;
  config: Record<string, unknown>;
  dataHash: string;
  files: GalleryFigure["files"];
  width: number;
  height: number;
}

export interface Manifest {
  quick: boolean;
  generated: string;
  notebooks: Array<{
    name: string;
    title: string;
    ok: boolean;
    seconds: number;
    claims: ClaimCount;
  }>;
  figures: ManifestEntry[];
}

function rel(p: string): string {
  const r = path.relative(process.cwd(), p);
  return r && !r.startsWith("..") ? r : p;
}

function notebookFiles(only: string[]): string[] {
  const dir = path.join(root, "notebooks");
  const all = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort();
  if (only.length === 0) return all.map((f) => path.join(dir, f));
  const picked = all.filter((f) => only.some((o) => f.startsWith(o)));
  const unmatched = only.filter((o) => !all.some((f) => f.startsWith(o)));
  if (unmatched.length > 0)
    throw new UsageError(
      `--only: no notebook starts with ${unmatched.map((u) => JSON.stringify(u)).join(", ")} (have ${all.join(", ")})`,
    );
  return picked.map((f) => path.join(dir, f));
}

function readPrevious(file: string): Map<string, string> {
  try {
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
    return new Map(manifest.figures.map((f) => [f.id, f.dataHash]));
  } catch {
    return new Map();
  }
}

/** An executed notebook, as the figures and the book need it. */
interface ExecutedNotebook {
  name: string;
  title: string;
  ok: boolean;
  seconds: number;
  claims: ClaimCount;
  nb: Notebook;
  /** Its page in the HTML book, when there is one. */
  page: string | null;
}

/** Step 1 with --from: the notebooks that `npm start` executed into dir; null (after saying why) when one is missing. */
function readExecuted(from: string, sources: string[]): ExecutedNotebook[] | null {
  const dir = path.resolve(from);
  const notebooks: ExecutedNotebook[] = [];
  for (const file of sources) {
    const name = path.basename(file, ".ipynb");
    const executed = path.join(dir, "notebooks", `${name}.ipynb`);
    if (!fs.existsSync(executed)) {
      console.error(
        `--from ${rel(dir)}: ${rel(executed)} does not exist (run \`npm start\` first, or leave out --from)`,
      );
      return null;
    }
    const nb = JSON.parse(fs.readFileSync(executed, "utf8")) as Notebook;
    const page = path.join(dir, `${name}.html`);
    notebooks.push({
      name,
      title: notebookTitle(nb, name),
      ok: true,
      seconds: 0,
      claims: countClaims(nb),
      nb,
      page: fs.existsSync(page) ? page : null,
    });
  }
  return notebooks;
}

/**
 * Step 1: executes into <out>/book the notebooks that changed since the last run (all of them with
 * --rerun or --fresh), reads the others from there, and rewrites the book's front page for all.
 */
async function runOrReuse(
  options: FiguresOptions,
  sources: string[],
  out: string,
): Promise<ExecutedNotebook[]> {
  const log = options.log;
  const book = path.join(out, "book");
  const state = readState(book);
  const libraryHash = treeHash(path.join(root, "src"));
  const keys = new Map(
    sources.map((file) => [file, executionKey(file, libraryHash, options.quick)]),
  );
  const rerun = options.rerun || options.fresh;
  const toRun = sources.filter(
    (file) => rerun || !canReuse(state, book, path.basename(file, ".ipynb"), keys.get(file)!),
  );
  const reused = sources
    .filter((file) => !toRun.includes(file))
    .map((file) => path.basename(file, ".ipynb"));
  if (reused.length > 0)
    log(
      `unchanged since the last run, only redrawn (--rerun runs them again): ${reused.join(", ")}`,
    );
  const results =
    toRun.length > 0
      ? await runAll({
          notebooks: toRun,
          outDir: book,
          quick: options.quick,
          cellTimeoutMs: options.cellTimeoutMs,
          sign: false,
          log,
        })
      : [];
  const notebooks: ExecutedNotebook[] = [];
  for (const file of sources) {
    const name = path.basename(file, ".ipynb");
    const r = results.find((x) => x.name === name);
    const executed = path.join(book, "notebooks", `${name}.ipynb`);
    const nb = JSON.parse(fs.readFileSync(executed, "utf8")) as Notebook;
    if (r)
      state[name] = {
        key: keys.get(file)!,
        ok: r.ok,
        seconds: r.seconds,
        title: r.title,
        charts: r.charts,
      };
    const record = state[name];
    notebooks.push({
      name,
      title: record.title,
      ok: record.ok,
      seconds: record.seconds,
      claims: countClaims(nb),
      nb,
      page: path.join(book, `${name}.html`),
    });
  }
  writeState(book, state);
  // runAll's front page lists only what it ran; the book holds every notebook.
  fs.writeFileSync(
    path.join(book, "index.html"),
    renderIndex(
      notebooks.map((n) => ({
        title: n.title,
        href: `${n.name}.html`,
        ipynbHref: `notebooks/${n.name}.ipynb`,
        source: `notebooks/${n.name}.ipynb`,
        failure: n.ok ? null : (results.find((r) => r.name === n.name)?.failure ?? null),
        seconds: n.seconds,
        charts: countCharts(n.nb),
        claims: n.claims,
      })),
      { quick: options.quick, generated: new Date() },
    ),
  );
  return notebooks;
}

/** Empties the figure folders (so they hold exactly this run's figures) and copies plotly.js beside them; its source file. */
function prepareFolders(out: string): string {
  for (const sub of ["png", "svg", "html", "thumbs"]) {
    fs.rmSync(path.join(out, sub), { recursive: true, force: true });
    fs.mkdirSync(path.join(out, sub), { recursive: true });
  }
  fs.mkdirSync(path.join(out, "assets"), { recursive: true });
  const plotlyFile = require.resolve("plotly.js-dist-min/plotly.min.js");
  fs.copyFileSync(plotlyFile, path.join(out, "assets", "plotly.min.js"));
  return plotlyFile;
}

interface Drawn {
  gallery: GalleryFigure[];
  entries: ManifestEntry[];
  renderFailures: number;
}

/** Step 3: draws every figure in Chromium into its PNG, SVG, HTML and thumbnail files. */
async function drawFigures(
  chromium: string,
  plotlyFile: string,
  figures: CollectedFigure[],
  notebooks: ExecutedNotebook[],
  out: string,
  previous: Map<string, string>,
  log: (line: string) => void,
): Promise<Drawn> {
  const browser = await launchChromium(chromium);
  const drawn: Drawn = { gallery: [], entries: [], renderFailures: 0 };
  try {
    const page = await plotlyPage(browser, plotlyFile);
    for (const [k, f] of figures.entries()) {
      const files = {
        png: `png/${f.id}.png`,
        svg: `svg/${f.id}.svg`,
        html: `html/${f.id}.html`,
        thumbnail: `thumbs/${f.id}.png`,
      };
      try {
        const image = await renderFigure(page, f.spec, { thumbnailWidth: 480 });
        fs.writeFileSync(path.join(out, files.png), image.png);
        fs.writeFileSync(path.join(out, files.svg), image.svg);
        fs.writeFileSync(path.join(out, files.thumbnail), image.thumbnail);
        fs.writeFileSync(
          path.join(out, files.html),
          renderFigurePage(f, "../assets/plotly.min.js"),
        );
        const nb = notebooks.find((n) => n.name === f.notebook);
        const bookHref =
          nb && nb.page
            ? `${path.relative(out, nb.page).split(path.sep).join("/")}#cell-${f.cellNumber}`
            : null;
        const old = previous.get(f.id);
        drawn.gallery.push({
          ...f,
          files,
          bookHref,
          sameAsPrevious: old === undefined ? null : old === f.dataHash,
        });
        drawn.entries.push({
          id: f.id,
          title: f.title,
          claim: f.claim,
          source: f.source,
          notebook: f.notebook,
          cell: f.cellNumber,
          cellId: f.cellId,
          executionCount: f.executionCount,
          config: f.config,
          dataHash: f.dataHash,
          files,
          width: image.size.width,
          height: image.size.height,
        });
        log(`  [${k + 1}/${figures.length}] ${f.id}`);
      } catch (e) {
        drawn.renderFailures++;
        console.error(
          `✗ could not draw ${f.id} (${f.notebook}, cell ${f.cellNumber}): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    }
  } finally {
    await browser.close();
  }
  return drawn;
}

/** --thumbnails: copies each chapter's README figure to dir/<notebook>.png, checking size and format. */
function writeThumbnails(
  dir: string,
  entries: ManifestEntry[],
  notebooks: ExecutedNotebook[],
  out: string,
  log: (line: string) => void,
): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [notebook, id] of Object.entries(README_THUMBNAILS)) {
    const entry = entries.find((e) => e.id === id);
    if (!entry) {
      if (notebooks.some((n) => n.name === notebook))
        console.error(`thumbnail: no figure "${id}" in ${notebook}`);
      continue;
    }
    const target = path.join(dir, `${notebook}.png`);
    fs.copyFileSync(path.join(out, entry.files.thumbnail), target);
    const bytes = fs.statSync(target).size;
    if (bytes > 60 * 1024)
      console.error(
        `thumbnail ${rel(target)} is ${Math.round(bytes / 1024)} KB, over the 60 KB the README's images should stay under`,
      );
    if (!pngSize(fs.readFileSync(target))) console.error(`thumbnail ${rel(target)} is not a PNG`);
  }
  log(`README thumbnails → ${rel(dir)}`);
}

/** The closing lines (claims, figures compared with the previous run, failures); the exit status. */
function report(
  options: FiguresOptions,
  notebooks: ExecutedNotebook[],
  drawn: Drawn,
  out: string,
  t0: number,
): number {
  const log = options.log;
  const failed = notebooks.filter((n) => !n.ok);
  const failedClaims = notebooks.flatMap((n) => n.claims.failures.map((f) => `${n.name}: ${f}`));
  log(
    `claims: ${notebooks.reduce((s, n) => s + n.claims.checked, 0)} checked, ${failedClaims.length} failed`,
  );
  for (const f of failedClaims) console.error(`  CLAIM FAILED ${f}`);
  const changed = drawn.gallery.filter((g) => g.sameAsPrevious === false).map((g) => g.id);
  const compared = drawn.gallery.filter((g) => g.sameAsPrevious !== null).length;
  const summary =
    `${drawn.entries.length} figures from ${notebooks.length} notebooks` +
    `${options.quick ? " (quick mode)" : ""} in ${formatSeconds((Date.now() - t0) / 1000)} → ${rel(path.join(out, "index.html"))}`;
  log(
    compared > 0
      ? `data identical to the previous run for ${compared - changed.length} of ${compared} figures${changed.length ? `; changed: ${changed.join(", ")}` : ""}`
      : "",
  );
  if (failed.length > 0 || drawn.renderFailures > 0 || failedClaims.length > 0) {
    console.error(
      `npm run figures: ${summary}; ${failed.length} notebooks failed (${failed.map((n) => n.name).join(", ") || "none"}), ${failedClaims.length} claims failed, ${drawn.renderFailures} figures could not be drawn`,
    );
    return 1;
  }
  console.log(`npm run figures: ${summary}`);
  return 0;
}

/** Runs everything; returns the exit status. */
export async function makeFigures(options: FiguresOptions): Promise<number> {
  const log = options.log;
  const chromium = findChromium();
  if (!chromium) {
    console.error(CHROMIUM_MISSING);
    return 2;
  }
  const sources = notebookFiles(options.only);
  if (sources.length === 0) {
    console.error("no notebooks to draw (notebooks/*.ipynb is empty)");
    return 2;
  }
  const out = path.resolve(options.outDir);
  const t0 = Date.now();

  if (options.fresh) {
    const cache = new RunCache();
    cache.clear();
    log(`--fresh: emptied the run cache ${rel(cache.dir)}`);
  }

  // 1. Executed notebooks: run them, or read them from --from.
  const notebooks = options.from
    ? readExecuted(options.from, sources)
    : await runOrReuse(options, sources, out);
  if (!notebooks) return 2;

  // 2. Figures.
  const figures: CollectedFigure[] = uniqueIds(
    notebooks.flatMap((n) => collectFigures(n.nb, n.name)),
  );
  const unnamed = figures.filter((f) => !f.namedInNotebook);
  if (unnamed.length > 0)
    log(
      `note: ${unnamed.length} figures have no meta in show() and were named by position: ${unnamed.map((f) => f.id).join(", ")}`,
    );

  // 3. Files. Old figure files go first, so that the folder holds exactly this run's figures.
  const manifestFile = path.join(out, "figures.json");
  const previous = readPrevious(manifestFile);
  const plotlyFile = prepareFolders(out);
  const drawn = await drawFigures(chromium, plotlyFile, figures, notebooks, out, previous, log);

  // 4. Gallery and manifest.
  const info = {
    quick: options.quick,
    generated: new Date(),
    notebooks: notebooks.map(({ name, title, ok, seconds, claims }) => ({
      name,
      title,
      ok,
      seconds,
      claims,
    })),
  };
  fs.writeFileSync(path.join(out, "index.html"), renderGallery(drawn.gallery, info));
  const manifest: Manifest = {
    quick: info.quick,
    generated: info.generated.toISOString(),
    notebooks: info.notebooks,
    figures: drawn.entries,
  };
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + "\n");

  if (options.thumbnailsDir)
    writeThumbnails(path.resolve(options.thumbnailsDir), drawn.entries, notebooks, out, log);
  return report(options, notebooks, drawn, out, t0);
}

function usage(): string {
  return [
    "usage: npm run figures -- [options]",
    "  --quick            quick mode (small budgets; for tests, not for slides). Default: full mode",
    "  --rerun            run every notebook, also those unchanged since the last run (which are otherwise only redrawn)",
    "  --fresh            empty the run cache (.cache/sweeps) first and re-run everything, so every sweep is recomputed",
    "  --only 02,03       only the notebooks whose names start with these prefixes",
    "  --from DIR         draw from already executed notebooks in DIR/notebooks (e.g. --from build after npm start)",
    "  --out DIR          output folder (default: build/figures)",
    "  --timeout SECONDS  time limit per cell (default: 600, or BATCHLAB_CELL_TIMEOUT)",
    "  --thumbnails DIR   also write the README's chapter thumbnails into DIR (the project uses docs/thumbnails)",
  ].join("\n");
}

export function parseArgs(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): FiguresOptions | { help: true } {
  const options: FiguresOptions = {
    quick: isQuick(env),
    rerun: false,
    fresh: false,
    only: [],
    outDir: path.join(root, "build", "figures"),
    from: null,
    cellTimeoutMs: Number(env.BATCHLAB_CELL_TIMEOUT ?? 600) * 1000,
    thumbnailsDir: null,
    log: (line) => {
      if (line) console.log(line);
    },
  };
  const { values, order } = parseCommandLine(argv, {
    quick: { type: "boolean" },
    full: { type: "boolean" },
    fresh: { type: "boolean" },
    rerun: { type: "boolean" },
    only: { type: "string" },
    from: { type: "string" },
    out: { type: "string" },
    thumbnails: { type: "string" },
    timeout: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { help: true };
  options.quick = lastOf(order, "quick", "full") ?? options.quick;
  options.fresh = values.fresh ?? false;
  options.rerun = values.rerun ?? false;
  if (values.only !== undefined)
    options.only = values.only
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  if (values.from !== undefined) options.from = values.from;
  if (values.out !== undefined) options.outDir = path.resolve(values.out);
  if (values.thumbnails !== undefined) options.thumbnailsDir = values.thumbnails;
  if (values.timeout !== undefined) {
    const s = Number(values.timeout);
    if (!Number.isFinite(s) || s <= 0)
      throw new UsageError("--timeout needs a positive number of seconds");
    options.cellTimeoutMs = s * 1000;
  }
  if (options.from && (options.fresh || options.rerun))
    throw new UsageError("--fresh and --rerun run notebooks, --from runs nothing: use one of them");
  return options;
}

async function main(argv: string[]): Promise<number> {
  let options: FiguresOptions | { help: true };
  try {
    options = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${usage()}`);
      return 2;
    }
    throw e;
  }
  if ("help" in options) {
    console.log(usage());
    return 0;
  }
  try {
    return await makeFigures(options);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n${usage()}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) runCommand(main);
