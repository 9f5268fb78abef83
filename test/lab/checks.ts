// What the front-end tests check on a page and on a saved notebook, the same for the classic
// Notebook and JupyterLab, and the clock that reports where the suite's time goes.

import * as fs from "fs";
import * as path from "path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { plotlyPath } from "../../src/display/show";
import { plotlyPage } from "../../scripts/figures/render";
import { addImagesToNotebook } from "../../scripts/runner/static-images";
import { countCharts, type CodeCell, type Notebook } from "../../scripts/runner/nbformat";
import { processesNaming, root } from "./server";

export const screenshotDir = path.join(root, "build", "screenshots", "lab");

export function readNotebook(file: string): Notebook {
  return JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
}

export interface SavedRun {
  codeCells: number;
  /** Code cells without an execution count. */
  notRun: number;
  /** "cell 3: TypeError: …" for every error output. */
  errors: string[];
  /** show() charts among the outputs (outputs with the Plotly MIME type). */
  charts: number;
}

/** What a saved notebook says about its run. */
export function savedRun(nb: Notebook): SavedRun {
  const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
  const errors: string[] = [];
  code.forEach((c, i) => {
    for (const o of c.outputs)
      if (o.output_type === "error") errors.push(`code cell ${i + 1}: ${o.ename}: ${o.evalue}`);
  });
  return {
    codeCells: code.length,
    notRun: code.filter((c) => typeof c.execution_count !== "number").length,
    errors,
    charts: countCharts(nb),
  };
}

/** What a reader sees of the charts in one notebook view. */
export interface ShownCharts {
  /** Charts drawn: .js-plotly-plot elements holding a .main-svg. */
  drawn: number;
  /** Charts jupyterlab-plotly shows as the PNG snapshot it stored in the output (img.plot-img, loaded and laid out). */
  snapshots: number;
  /** Fallback pictures loaded and laid out (naturalWidth > 0 and a visible height). */
  images: number;
  /** Fallback caption lines with their text. */
  lines: string[];
}

/**
 * Counts, under the element the page expression `rootExpr` names (the whole document for the
 * classic Notebook, the notebook panel's node in JupyterLab), what a reader sees of the charts.
 */
export async function shownCharts(page: Page, rootExpr = "document"): Promise<ShownCharts> {
  return (await page.evaluate(`(() => {
    const root = ${rootExpr};
    const laidOut = (img) => img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().height > 50;
    const drawn = Array.from(root.querySelectorAll(".js-plotly-plot")).filter((el) => el.querySelector(".main-svg") !== null).length;
    const snapshots = Array.from(root.querySelectorAll(".jp-RenderedPlotly img.plot-img")).filter(laidOut).length;
    let images = 0;
    const lines = [];
    for (const box of Array.from(root.querySelectorAll(".batchlab-fallback"))) {
      const img = box.querySelector("img");
      if (img && laidOut(img)) images++;
      const p = box.querySelector("p");
      if (p && p.offsetHeight > 0) lines.push((p.textContent || "").trim());
    }
    return { drawn, snapshots, images, lines };
  })()`)) as ShownCharts;
}

/** The caption a chart's fallback shows where its script did not run. */
export const FALLBACK_LINE = /^Chart(: .+)?\. Run the cell \(or trust the notebook\) to draw it\.$/;

/** Waits for `fn` to be true in the page, polling; throws with `what` on time-out. */
export async function waitUntil(
  page: Page,
  fn: string,
  what: string,
  timeoutMs: number,
): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout: timeoutMs, polling: 250 });
  } catch (e) {
    throw new Error(
      `${what}: not within ${Math.round(timeoutMs / 1000)} s (${e instanceof Error ? e.message.split("\n")[0] : e})`,
      { cause: e },
    );
  }
}

/** Waits up to `timeoutMs` for `fn`; a time-out is not an error (the assertion that follows says what is missing). */
export async function settle(page: Page, fn: string, timeoutMs: number): Promise<void> {
  await page
    .waitForFunction(fn, undefined, { timeout: timeoutMs, polling: 250 })
    .catch(() => undefined);
}

/** A browser context that may reach only 127.0.0.1 (and data:/blob:); everything else is blocked and recorded. */
export async function localContext(browser: Browser, external: string[]): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (/^(data|blob|about):/.test(url) || /^https?:\/\/127\.0\.0\.1[:/]/.test(url))
      return route.continue();
    external.push(url);
    return route.abort("blockedbyclient");
  });
  return context;
}

/**
 * A page with the course's plotly.js, where untrustedCopies draws the static images (one for the
 * suite: loading plotly.js costs seconds of CPU).
 */
export function imagePage(browser: Browser): Promise<Page> {
  return plotlyPage(browser, plotlyPath());
}

/**
 * Writes two untrusted copies of a saved notebook into `dir`: `<name>.image.ipynb` with the static
 * images `npm start` adds (scripts/runner/static-images.ts), and `<name>.plain.ipynb` as saved with
 * one metadata key more. Neither matches the signature the server stored on save, so both open
 * untrusted. Returns their file names.
 */
export async function untrustedCopies(
  plotly: Page,
  saved: string,
  dir: string,
): Promise<{ image: string; plain: string }> {
  const base = path.join(dir, path.basename(saved).replace(/\.ipynb$/, ""));
  const withImages = readNotebook(saved);
  await addImagesToNotebook(plotly, withImages);
  fs.writeFileSync(`${base}.image.ipynb`, JSON.stringify(withImages, null, 1));
  const plain = readNotebook(saved);
  plain.metadata = { ...plain.metadata, batchlab_copy: "untrusted" };
  fs.writeFileSync(`${base}.plain.ipynb`, JSON.stringify(plain, null, 1));
  return {
    image: path.basename(`${base}.image.ipynb`),
    plain: path.basename(`${base}.plain.ipynb`),
  };
}

/** A screenshot of the viewport after scrolling the first chart (or fallback) into view. */
export async function screenshot(
  page: Page,
  name: string,
  selector = ".js-plotly-plot, .jp-RenderedPlotly, .batchlab-fallback",
): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const first = page.locator(selector).first();
  if ((await first.count()) > 0) await first.scrollIntoViewIfNeeded().catch(() => undefined);
  await page.waitForTimeout(300);
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Each process's parent and own CPU ticks (utime + stime), from /proc; null where there is none. */
function processTicks(): Map<number, { ppid: number; ticks: number }> | null {
  let names: string[];
  try {
    names = fs.readdirSync("/proc").filter((n) => /^\d+$/.test(n));
  } catch {
    return null;
  }
  const stats = new Map<number, { ppid: number; ticks: number }>();
  for (const n of names) {
    try {
      // Fields after the parenthesised command name: state ppid ... utime(14) stime.
      const text = fs.readFileSync(`/proc/${n}/stat`, "utf8");
      const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
      stats.set(Number(n), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process ended meanwhile
    }
  }
  return stats;
}

/**
 * CPU seconds of this process and every process under it (the servers, their kernels, Chromium),
 * sampled every `everyMs` while the suite runs: each process counts with the last CPU time seen
 * for it. Reading the reaped children's times at the end instead misses most of Chromium's: its
 * renderers are not reaped up the chain when the browser closes (that way counted 67 s where
 * sampling counted 142 s). Processes that live less than a sampling interval are missed. Linux
 * only (/proc): total() is null elsewhere. On a shared machine this, unlike the wall clock, does
 * not grow with the other users' load: an idle 2-core machine needs between half of it and all.
 */
export class TreeCpu {
  private readonly seen = new Map<number, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private available = true;

  constructor(everyMs = 2000) {
    this.sample();
    this.timer = setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  private sample(): void {
    const stats = processTicks();
    if (!stats) {
      this.available = false;
      return;
    }
    const inTree = new Set([process.pid]);
    let grown = true;
    while (grown) {
      grown = false;
      for (const [pid, s] of stats)
        if (!inTree.has(pid) && inTree.has(s.ppid)) {
          inTree.add(pid);
          grown = true;
        }
    }
    for (const pid of inTree) this.seen.set(pid, stats.get(pid)!.ticks);
  }

  /** Stops sampling; the CPU seconds counted, or null without /proc. */
  total(): number | null {
    this.sample();
    clearInterval(this.timer);
    if (!this.available) return null;
    let ticks = 0;
    for (const t of this.seen.values()) ticks += t;
    return ticks / 100; // USER_HZ: 100 on Linux
  }
}

/** CPU seconds of the kernel whose connection file names `kernelId` (Linux /proc), or null. */
export function kernelCpuSeconds(kernelId: string): number | null {
  const [pid] = processesNaming(`kernel-${kernelId}.json`);
  if (pid === undefined) return null;
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return null; // ended meanwhile
  }
}

/**
 * Wall-clock seconds per phase of the suite and per notebook within it, and CPU seconds where they
 * can be told apart (a kernel's own, see kernelCpuSeconds): the phases overlap in time, so the CPU
 * of the whole process tree is only reported in all (TreeCpu).
 */
export class PhaseClock {
  readonly entries: Array<{
    phase: string;
    item: string;
    seconds: number | null;
    cpu: number | null;
  }> = [];

  async time<T>(phase: string, item: string, fn: () => Promise<T>): Promise<T> {
    const t0 = Date.now();
    try {
      return await fn();
    } finally {
      this.entries.push({ phase, item, seconds: (Date.now() - t0) / 1000, cpu: null });
    }
  }

  /** Records CPU seconds measured elsewhere (e.g. a kernel's own). */
  cpu(phase: string, item: string, cpu: number | null): void {
    this.entries.push({ phase, item, seconds: null, cpu });
  }

  /** One line per phase: its total, then each item. */
  report(): string[] {
    const phases = [...new Set(this.entries.map((e) => e.phase))];
    return phases.map((phase) => {
      const rows = this.entries.filter((e) => e.phase === phase);
      const value = (e: { seconds: number | null; cpu: number | null }) => e.seconds ?? e.cpu;
      const unit = rows[0].seconds !== null ? "s" : "s CPU";
      const known = rows.filter((e) => value(e) !== null);
      const total = known.reduce((sum, e) => sum + value(e)!, 0);
      const items =
        rows.length > 1 || rows[0].item
          ? `: ${rows.map((e) => `${e.item} ${value(e) === null ? "?" : value(e)!.toFixed(0)}`).join(", ")}`
          : "";
      return `${phase}: ${total.toFixed(0)} ${unit}${known.length < rows.length ? " (some unknown)" : ""}${items}`;
    });
  }
}
