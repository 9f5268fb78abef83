// The live classic Notebook (Debian's jupyter-notebook 6.4) in headless Chromium: every notebook
// in notebooks/ is opened, run with Cell ▸ Run All on the batchlab kernel (quick mode) and saved;
// every code cell must have run, without an error output, and every show() chart must be drawn.
// Then the saved notebook is reopened (trusted: the saved outputs draw), and two untrusted copies
// show, in place of each chart, the static image `npm start` adds or the fallback line.
// Screenshots: build/screenshots/lab/classic-*.png.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_MISSING, findChromium, launch } from "../helpers/browser";
import { drawnCharts, localContext, readNotebook, savedRun, screenshot, untrustedCopies, visibleFallbacks, waitUntil } from "./checks";
import { asRoot, classicNotebookCommand, CLASSIC_MISSING, closeSessions, courseNotebooks, jupyterHome, startServer, type JupyterServer } from "./server";

const RUN_TIMEOUT_MS = Number(process.env.BATCHLAB_LAB_RUN_TIMEOUT ?? 600) * 1000;
const notebooks = courseNotebooks();
const skip = !classicNotebookCommand() ? CLASSIC_MISSING : !findChromium() ? CHROMIUM_MISSING : false;

/** The notebook is loaded and its kernel (the batchlab kernel) has answered kernel_info. */
const LOADED = `(() => {
  const nb = window.Jupyter && window.Jupyter.notebook;
  return !!(nb && nb._fully_loaded && nb.kernel && nb.kernel.name === "batchlab" && nb.kernel.info_reply && nb.kernel.info_reply.language_info);
})()`;

/** The notebook and its outputs are loaded (the kernel may still be starting). */
const SHOWN = `!!(window.Jupyter && window.Jupyter.notebook && window.Jupyter.notebook._fully_loaded)`;

/** Run All is over: kernel idle, no cell waiting ("*"), and every code cell numbered or an error shown. */
const RUN_OVER = `(() => {
  const nb = window.Jupyter.notebook;
  const icon = document.querySelector("#kernel_indicator_icon");
  if (!icon || !icon.classList.contains("kernel_idle_icon")) return false;
  const code = nb.get_cells().filter((c) => c.cell_type === "code");
  if (code.some((c) => c.input_prompt_number === "*")) return false;
  const failed = code.some((c) => c.output_area.outputs.some((o) => o.output_type === "error"));
  return failed || code.every((c) => typeof c.input_prompt_number === "number");
})()`;

describe("classic Notebook (Debian jupyter-notebook): Run All on each notebook, reload, untrusted copies", { skip }, () => {
  let server: JupyterServer;
  let browser: Browser;
  let version = "";
  const external: string[] = [];

  before(async () => {
    const home = await jupyterHome("classic");
    for (const f of notebooks) fs.copyFileSync(f, path.join(home.notebooks, path.basename(f)));
    server = await startServer(home, [
      classicNotebookCommand()!,
      "--no-browser",
      "--ip=127.0.0.1",
      "--port={port}",
      "--port-retries=0",
      "--NotebookApp.token={token}",
      `--notebook-dir=${home.notebooks}`,
      ...(asRoot ? ["--allow-root"] : []),
    ]);
    version = ((await (await fetch(server.at("api"))).json()) as { version: string }).version;
    browser = await launch(findChromium()!);
  });

  after(async () => {
    await browser?.close();
    if (server) {
      await server.stop();
      fs.rmSync(server.home.dir, { recursive: true, force: true });
    }
  });

  /** Opens a notebook; waits for its kernel only when cells are to be run (a kernel start costs CPU). */
  async function open(file: string, withKernel = false): Promise<Page> {
    const context = await localContext(browser, external);
    const page = await context.newPage();
    await page.goto(server.at(`notebooks/${encodeURIComponent(file)}`), { waitUntil: "load", timeout: 120000 });
    if (withKernel) await waitUntil(page, LOADED, `${file}: notebook loaded with the batchlab kernel`, 300000);
    else await waitUntil(page, SHOWN, `${file}: notebook loaded`, 120000);
    return page;
  }

  async function close(page: Page): Promise<void> {
    await page.context().close();
    await closeSessions(server);
  }

  test("the server is the classic Notebook 6.x", () => {
    assert.match(version, /^6\./);
  });

  for (const source of notebooks) {
    const file = path.basename(source);
    const name = file.replace(/\.ipynb$/, "");

    test(`${file}: Run All runs every cell without error and draws every chart; saved outputs draw on reload; untrusted copies show images or the fallback line`, async (t) => {
      const t0 = Date.now();
      let page = await open(file, true);
      try {
        await page.click("#celllink");
        await page.click("#run_all_cells > a");
        await waitUntil(page, RUN_OVER, `${file}: Run All`, RUN_TIMEOUT_MS);
        const live = (await page.evaluate(`(() => {
          const code = Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code");
          const outputs = code.flatMap((c) => c.output_area.outputs);
          return {
            notRun: code.filter((c) => typeof c.input_prompt_number !== "number").length,
            errors: outputs.filter((o) => o.output_type === "error").map((o) => o.ename + ": " + o.evalue),
            charts: outputs.filter((o) => o.data && o.data["application/vnd.plotly.v1+json"]).length,
          };
        })()`)) as { notRun: number; errors: string[]; charts: number };
        assert.deepEqual(live.errors, [], `${file}: error outputs`);
        assert.equal(live.notRun, 0, `${file}: code cells that did not run`);
        await page.waitForFunction(`document.querySelectorAll(".js-plotly-plot .main-svg").length >= ${live.charts}`, undefined, { timeout: 60000 }).catch(() => undefined);
        assert.equal(await drawnCharts(page), live.charts, `${file}: charts drawn = show() charts`);
        await screenshot(page, `classic-${name}`);
        await page.evaluate("Jupyter.notebook.save_notebook()");
      } finally {
        await close(page);
      }
      const runSeconds = (Date.now() - t0) / 1000;

      const savedFile = path.join(server.home.notebooks, file);
      const saved = savedRun(readNotebook(savedFile));
      assert.equal(saved.notRun, 0, `${file}: saved with every code cell run`);
      assert.deepEqual(saved.errors, []);
      if (/\bshow\(/.test(fs.readFileSync(source, "utf8"))) assert.ok(saved.charts > 0, `${file} calls show() but saved no chart`);

      // Reopened: the server signed the notebook on save, so it is trusted and its saved outputs draw.
      page = await open(file);
      try {
        assert.equal(await page.evaluate("Jupyter.notebook.trusted"), true, "the saved notebook is trusted");
        await page.waitForFunction(`document.querySelectorAll(".js-plotly-plot .main-svg").length >= ${saved.charts}`, undefined, { timeout: 60000 }).catch(() => undefined);
        assert.equal(await drawnCharts(page), saved.charts, `${file}: saved charts drawn on reload`);
      } finally {
        await close(page);
      }

      // Untrusted: scripts are sanitized away; each chart shows its static image, or its fallback line.
      const copies = await untrustedCopies(browser, savedFile);
      page = await open(copies.image);
      try {
        assert.equal(await page.evaluate("Jupyter.notebook.trusted"), false);
        await page.waitForFunction(`document.querySelectorAll(".batchlab-fallback img").length >= ${saved.charts}`, undefined, { timeout: 30000 }).catch(() => undefined);
        await page.waitForTimeout(500);
        const seen = await visibleFallbacks(page);
        assert.equal(seen.images, saved.charts, `${file} untrusted: static images shown`);
        assert.equal(await drawnCharts(page), 0);
        await screenshot(page, `classic-${name}-untrusted-image`, ".batchlab-fallback");
      } finally {
        await close(page);
      }
      page = await open(copies.plain);
      try {
        assert.equal(await page.evaluate("Jupyter.notebook.trusted"), false);
        const seen = await visibleFallbacks(page);
        assert.equal(seen.lines.length, saved.charts, `${file} untrusted: fallback lines shown`);
        for (const line of seen.lines) assert.match(line, /^Chart(: .+)?\. Run the cell \(or trust the notebook\) to draw it\.$/);
        assert.equal(await drawnCharts(page), 0);
        await screenshot(page, `classic-${name}-untrusted-plain`, ".batchlab-fallback");
      } finally {
        await close(page);
      }
      t.diagnostic(`${file}: ${saved.charts} charts; Run All ${runSeconds.toFixed(0)} s; all checks ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    });
  }

  test("nothing was fetched from outside the machine", () => {
    assert.deepEqual(external, []);
  });
});
