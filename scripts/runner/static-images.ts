// Static pictures of the charts in executed notebooks, for readers whose viewer runs no scripts.
//
// Which part of a chart's output a front end shows (the MIME bundle show() writes):
//   JupyterLab 3.6 (rendermime): the renderer of lowest rank that may render; an untrusted output
//     may use only renderers declared safe. jupyterlab-plotly 5.24.1's renderer (rank 0, declared
//     safe) draws the figure JSON, trusted or not; text/html (rank 50, safe: sanitized, scripts
//     removed, when untrusted) comes next; image/png (rank 90) after it.
//   Classic Notebook 6.4 (outputarea.js display_order): text/html before image/png; untrusted,
//     text/html is still chosen, sanitized.
//   nbconvert 6.5 HTML export (display_data_priority): text/html first.
// So where scripts do not run, the reader sees the sanitized HTML: the figure's fallback element,
// which this module fills with a PNG of the chart (a data: URL) above its one-line caption.
// The PNG is deliberately NOT added as a separate image/png: jupyterlab-plotly shows an output's
// image/png instead of drawing the chart, so trusted JupyterLab readers would lose the interactive
// chart. Trusted, nothing changes: the plotly renderer or the HTML's script draws the chart and
// removes the fallback.
//
// Drawn in headless Chromium with the course's own plotly.js; without Chromium, the notebooks keep
// their fallback line and the run says so in one line.

import * as fs from "fs";
import type { Browser } from "playwright-core";
import {
  fallbackHtml,
  FALLBACK_PATTERN,
  plotlyPath,
  type PlotlyFigure,
} from "../../src/display/show";
import {
  drawFigure,
  findChromium,
  launchChromium,
  plotlyPage,
  renderSize,
  type FigureSpec,
} from "../figures/render";
import { joinSource, PLOTLY_MIME, type MultilineString, type Notebook } from "./nbformat";

/** Draws the figure at its own size (scale 1) and returns the PNG as base64. */
async function drawPng(
  page: import("playwright-core").Page,
  spec: FigureSpec,
): Promise<{ base64: string; width: number; height: number }> {
  const size = renderSize(spec);
  const { png: url } = await drawFigure(page, spec, { png: { format: "png", scale: 1 } });
  const prefix = "data:image/png;base64,";
  if (!url.startsWith(prefix)) throw new Error(`Plotly.toImage gave no PNG (${url.slice(0, 30)}…)`);
  return { base64: url.slice(prefix.length), width: size.width, height: size.height };
}

/** Puts a PNG of every chart of one notebook into its HTML fallback; returns how many. */
export async function addImagesToNotebook(
  page: import("playwright-core").Page,
  nb: Notebook,
): Promise<number> {
  let n = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs) {
      if (
        (o.output_type !== "display_data" && o.output_type !== "execute_result") ||
        !(PLOTLY_MIME in o.data)
      )
        continue;
      const spec = o.data[PLOTLY_MIME] as FigureSpec;
      // A notebook saved by Jupyter holds the HTML as a list of lines.
      const raw = o.data["text/html"];
      const html =
        typeof raw === "string" || Array.isArray(raw) ? joinSource(raw as MultilineString) : null;
      if (html !== null && FALLBACK_PATTERN.test(html)) {
        const png = await drawPng(page, spec);
        const fallback = fallbackHtml(spec as PlotlyFigure, {
          src: `data:image/png;base64,${png.base64}`,
          width: png.width,
          height: png.height,
        });
        // A function replacement: "$" in the base64-free caption must not be read as a pattern.
        o.data["text/html"] = html.replace(FALLBACK_PATTERN, () => fallback);
        n++;
      }
    }
  }
  return n;
}

/**
 * Adds static images to the charts of the executed notebooks (files rewritten in place). Never
 * fails the run: without Chromium, or on an error, it logs one line and leaves the files as they are.
 */
export async function addStaticImages(files: string[], log: (line: string) => void): Promise<void> {
  if (files.length === 0) return;
  const chromium = findChromium();
  if (!chromium) {
    log(
      "static chart images skipped: no Chromium found (apt-get install chromium); untrusted viewers show each chart's fallback line",
    );
    return;
  }
  let browser: Browser | null = null;
  const t0 = Date.now();
  let charts = 0;
  try {
    browser = await launchChromium(chromium);
    const page = await plotlyPage(browser, plotlyPath());
    for (const file of files) {
      const nb = JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
      const n = await addImagesToNotebook(page, nb);
      if (n > 0) fs.writeFileSync(file, JSON.stringify(nb, null, 1) + "\n");
      charts += n;
    }
    log(
      `static images of ${charts} ${charts === 1 ? "chart" : "charts"} added to the executed notebooks (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  } catch (e) {
    log(`static chart images skipped: ${e instanceof Error ? e.message.split("\n")[0] : e}`);
  } finally {
    if (browser) await browser.close();
  }
}
