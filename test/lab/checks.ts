// What the front-end tests check on a page and on a saved notebook, the same for the classic
// Notebook and JupyterLab.

import * as fs from "fs";
import * as path from "path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { plotlyPath } from "../../src/display/show";
import { plotlyPage } from "../../scripts/figures/render";
import { addImagesToNotebook } from "../../scripts/runner/static-images";
import { countCharts, type CodeCell, type Notebook } from "../../scripts/runner/nbformat";
import { root } from "./server";

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
    for (const o of c.outputs) if (o.output_type === "error") errors.push(`code cell ${i + 1}: ${o.ename}: ${o.evalue}`);
  });
  return {
    codeCells: code.length,
    notRun: code.filter((c) => typeof c.execution_count !== "number").length,
    errors,
    charts: countCharts(nb),
  };
}

/** Charts drawn on the page: .js-plotly-plot elements holding a .main-svg. */
export async function drawnCharts(page: Page): Promise<number> {
  return page.evaluate(
    () => Array.from(document.querySelectorAll(".js-plotly-plot")).filter((el) => el.querySelector(".main-svg") !== null).length,
  );
}

export interface Fallbacks {
  /** Fallback pictures loaded and laid out (naturalWidth > 0 and a visible height). */
  images: number;
  /** Fallback caption lines with their text. */
  lines: string[];
}

/** The charts' fallbacks visible on the page (what a reader sees where scripts do not run). */
export async function visibleFallbacks(page: Page): Promise<Fallbacks> {
  return page.evaluate(() => {
    const boxes = Array.from(document.querySelectorAll(".batchlab-fallback"));
    let images = 0;
    const lines: string[] = [];
    for (const box of boxes) {
      const img = box.querySelector("img") as HTMLImageElement | null;
      if (img && img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().height > 50) images++;
      const p = box.querySelector("p");
      if (p && (p as HTMLElement).offsetHeight > 0) lines.push((p.textContent ?? "").trim());
    }
    return { images, lines };
  });
}

/** Waits for `fn` to be true in the page, polling; throws with `what` on time-out. */
export async function waitUntil(page: Page, fn: string, what: string, timeoutMs: number): Promise<void> {
  try {
    await page.waitForFunction(fn, undefined, { timeout: timeoutMs, polling: 250 });
  } catch (e) {
    throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s (${e instanceof Error ? e.message.split("\n")[0] : e})`);
  }
}

/** A browser context that may reach only 127.0.0.1 (and data:/blob:); everything else is blocked and recorded. */
export async function localContext(browser: Browser, external: string[]): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (/^(data|blob|about):/.test(url) || /^https?:\/\/127\.0\.0\.1[:/]/.test(url)) return route.continue();
    external.push(url);
    return route.abort("blockedbyclient");
  });
  return context;
}

/**
 * Writes two untrusted copies of a saved notebook next to it: `<name>.image.ipynb` with the static
 * images `npm start` adds (scripts/runner/static-images.ts), and `<name>.plain.ipynb` as saved with
 * one metadata key more. Neither matches the signature the server stored on save, so both open
 * untrusted. Returns their file names.
 */
export async function untrustedCopies(browser: Browser, saved: string): Promise<{ image: string; plain: string }> {
  const base = saved.replace(/\.ipynb$/, "");
  const withImages = readNotebook(saved);
  const page = await plotlyPage(browser, plotlyPath());
  try {
    await addImagesToNotebook(page, withImages);
  } finally {
    await page.close();
  }
  fs.writeFileSync(`${base}.image.ipynb`, JSON.stringify(withImages, null, 1));
  const plain = readNotebook(saved);
  plain.metadata = { ...plain.metadata, batchlab_copy: "untrusted" };
  fs.writeFileSync(`${base}.plain.ipynb`, JSON.stringify(plain, null, 1));
  return { image: path.basename(`${base}.image.ipynb`), plain: path.basename(`${base}.plain.ipynb`) };
}

/** A screenshot of the viewport after scrolling the first chart (or fallback) into view. */
export async function screenshot(page: Page, name: string, selector = ".js-plotly-plot, .jp-RenderedPlotly, .batchlab-fallback"): Promise<string> {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const first = page.locator(selector).first();
  if ((await first.count()) > 0) await first.scrollIntoViewIfNeeded().catch(() => undefined);
  await page.waitForTimeout(300);
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
