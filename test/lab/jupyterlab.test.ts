// The course's JupyterLab 3.6 (lab/: JupyterLab's own extensions served by Debian's
// jupyterlab_server) in headless Chromium, twice: with jupyterlab-plotly's mime renderer, and
// without it, where charts draw through their text/html output. Each notebook in notebooks/ is
// opened, run with Run All on the batchlab kernel (quick mode) and saved; every code cell must have
// run, without an error output, and every show() chart must be drawn. Then the saved notebook is
// reopened and its saved outputs must show every chart: drawn from the saved HTML without the
// plotly renderer; with it, jupyterlab-plotly 5.24.1 shows the PNG snapshot it stored in the
// output when it drew the chart (it redraws only when the cell runs again). Untrusted copies: with
// the plotly renderer (declared safe) every chart still shows; without it each chart shows its
// static image, or its fallback line. Screenshots: build/screenshots/lab/jupyterlab-{plotly,html}-*.png.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_MISSING, findChromium, launch } from "../helpers/browser";
import { drawnCharts, localContext, readNotebook, savedRun, screenshot, untrustedCopies, visibleFallbacks, waitUntil } from "./checks";
import { asRoot, closeSessions, courseNotebooks, jupyterHome, labMissing, labPython, root, startServer, type JupyterServer } from "./server";

const RUN_TIMEOUT_MS = Number(process.env.BATCHLAB_LAB_RUN_TIMEOUT ?? 600) * 1000;
const notebooks = courseNotebooks();
const skip = labMissing() ?? (!findChromium() ? CHROMIUM_MISSING : false);

/** The notebook panel of `file` is the current widget and its document is loaded. */
const shown = (file: string) => `(() => {
  const app = window.jupyterapp;
  const w = app && app.shell.currentWidget;
  return !!(w && w.context && w.context.path === ${JSON.stringify(file)} && w.context.isReady && w.content && w.content.widgets.length > 0);
})()`;

const KERNEL_READY = `(() => {
  const s = window.jupyterapp.shell.currentWidget.sessionContext;
  const k = s && s.session && s.session.kernel;
  return !!(k && k.name === "batchlab" && k.status === "idle" && k.connectionStatus === "connected");
})()`;

/** Code cells of the current notebook: execution counts and outputs, from the notebook's model. */
const CELLS = `(() => {
  const w = window.jupyterapp.shell.currentWidget;
  return w.content.widgets.filter((c) => c.model.type === "code").map((c) => ({ count: c.model.executionCount, outputs: c.model.outputs.toJSON() }));
})()`;

const RUN_OVER = `(() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== "idle") return false;
  const code = w.content.widgets.filter((c) => c.model.type === "code");
  const failed = code.some((c) => c.model.outputs.toJSON().some((o) => o.output_type === "error"));
  return failed || code.every((c) => typeof c.model.executionCount === "number");
})()`;

/** Charts jupyterlab-plotly shows as its stored PNG snapshot (img.plot-img, visible and loaded). */
async function plotlySnapshots(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      (Array.from(document.querySelectorAll(".jp-RenderedPlotly img.plot-img")) as HTMLImageElement[]).filter(
        (img) => img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().height > 50,
      ).length,
  );
}

/** Charts on the page: drawn, or (with jupyterlab-plotly) shown as its snapshot. */
const SHOWN_CHARTS = `document.querySelectorAll(".js-plotly-plot .main-svg").length + Array.from(document.querySelectorAll(".jp-RenderedPlotly img.plot-img")).filter((i) => i.complete && i.naturalWidth > 0).length`;

interface Cell {
  count: number | null;
  outputs: Array<{ output_type: string; ename?: string; evalue?: string; data?: Record<string, unknown> }>;
}

// BATCHLAB_LAB_VARIANT=plotly or =html runs one of the two (for working on one of them).
const variants = (["plotly", "html"] as const).filter((v) => !process.env.BATCHLAB_LAB_VARIANT || process.env.BATCHLAB_LAB_VARIANT === v);

for (const variant of variants) {
  const title =
    variant === "plotly"
      ? "JupyterLab 3.6 with jupyterlab-plotly's renderer: Run All on each notebook, reload, untrusted copies"
      : "JupyterLab 3.6 without the plotly renderer (charts through text/html): Run All on each notebook, reload, untrusted copies";

  describe(title, { skip }, () => {
    let server: JupyterServer;
    let browser: Browser;
    const external: string[] = [];

    before(async () => {
      const home = await jupyterHome(`jupyterlab-${variant}`);
      for (const f of notebooks) fs.copyFileSync(f, path.join(home.notebooks, path.basename(f)));
      server = await startServer(home, [
        labPython()!,
        path.join(root, "lab", "serve.py"),
        "--no-browser",
        "--ip=127.0.0.1",
        "--port={port}",
        "--port-retries=0",
        "--ServerApp.token={token}",
        `--ServerApp.root_dir=${home.notebooks}`,
        ...(asRoot ? ["--allow-root"] : []),
        ...(variant === "html" ? ["--no-plotly"] : []),
      ]);
      browser = await launch(findChromium()!);
    });

    after(async () => {
      await browser?.close();
      if (server) {
        await server.stop();
        fs.rmSync(server.home.dir, { recursive: true, force: true });
      }
    });

    async function open(file: string, withKernel = false): Promise<Page> {
      const context = await localContext(browser, external);
      const page = await context.newPage();
      // ?reset: start from an empty workspace, or JupyterLab would also restore the notebooks
      // opened before on this server (and their charts would be counted too).
      await page.goto(server.at(`lab/tree/${encodeURIComponent(file)}?reset`), { waitUntil: "load", timeout: 120000 });
      await waitUntil(page, shown(file), `${file}: notebook open in JupyterLab`, 180000);
      if (withKernel) await waitUntil(page, KERNEL_READY, `${file}: batchlab kernel ready`, 300000);
      return page;
    }

    async function close(page: Page): Promise<void> {
      await page.context().close();
      await closeSessions(server);
    }

    test("the front end is JupyterLab 3.6 and the chosen renderers are registered", async () => {
      const page = await open(path.basename(notebooks[0]));
      try {
        const info = (await page.evaluate(`(() => {
          const app = window.jupyterapp;
          return { name: app.name, version: app.version };
        })()`)) as { name: string; version: string };
        assert.equal(info.name, "JupyterLab");
        assert.match(info.version, /^3\.6\./);
        const plotlyOutput = (await page.evaluate(`(() => {
          const w = window.jupyterapp.shell.currentWidget;
          return w.content.rendermime.mimeTypes.includes("application/vnd.plotly.v1+json");
        })()`)) as boolean;
        assert.equal(plotlyOutput, variant === "plotly");
      } finally {
        await close(page);
      }
    });

    for (const source of notebooks) {
      const file = path.basename(source);
      const name = file.replace(/\.ipynb$/, "");

      test(`${file}: Run All runs every cell without error and draws every chart; saved outputs draw on reload; untrusted copies`, async (t) => {
        const t0 = Date.now();
        let page = await open(file, true);
        try {
          await page.evaluate(`window.jupyterapp.commands.execute("notebook:run-all-cells")`);
          await waitUntil(page, RUN_OVER, `${file}: Run All`, RUN_TIMEOUT_MS);
          const cells = (await page.evaluate(CELLS)) as Cell[];
          const outputs = cells.flatMap((c) => c.outputs);
          const errors = outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`);
          assert.deepEqual(errors, [], `${file}: error outputs`);
          assert.equal(cells.filter((c) => typeof c.count !== "number").length, 0, `${file}: code cells that did not run`);
          const charts = outputs.filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data).length;
          await page.waitForFunction(`document.querySelectorAll(".js-plotly-plot .main-svg").length >= ${charts}`, undefined, { timeout: 60000 }).catch(() => undefined);
          assert.equal(await drawnCharts(page), charts, `${file}: charts drawn = show() charts`);
          await screenshot(page, `jupyterlab-${variant}-${name}`);
          await page.evaluate(`window.jupyterapp.commands.execute("docmanager:save")`);
          await page.waitForFunction(`!window.jupyterapp.shell.currentWidget.context.model.dirty`, undefined, { timeout: 60000 });
        } finally {
          await close(page);
        }
        const runSeconds = (Date.now() - t0) / 1000;

        const savedFile = path.join(server.home.notebooks, file);
        const saved = savedRun(readNotebook(savedFile));
        assert.equal(saved.notRun, 0, `${file}: saved with every code cell run`);
        assert.deepEqual(saved.errors, []);
        if (/\bshow\(/.test(fs.readFileSync(source, "utf8"))) assert.ok(saved.charts > 0, `${file} calls show() but saved no chart`);

        // Reopened: saved on this server, so trusted; the saved outputs show every chart.
        page = await open(file);
        try {
          await page.waitForFunction(`${SHOWN_CHARTS} >= ${saved.charts}`, undefined, { timeout: 90000 }).catch(() => undefined);
          const drawn = await drawnCharts(page);
          const snapshots = await plotlySnapshots(page);
          t.diagnostic(`${file} reloaded: ${drawn} drawn, ${snapshots} plotly snapshots`);
          if (variant === "html") assert.equal(drawn, saved.charts, `${file}: saved charts drawn on reload`);
          else assert.equal(drawn + snapshots, saved.charts, `${file}: saved charts shown on reload (drawn or plotly's snapshot)`);
          await screenshot(page, `jupyterlab-${variant}-${name}-reloaded`);
        } finally {
          await close(page);
        }

        // Untrusted copies: no scripts run. The plotly renderer is declared safe, so with it the
        // charts still draw; without it, each chart shows its static image or its fallback line.
        const copies = await untrustedCopies(browser, savedFile);
        page = await open(copies.image);
        try {
          if (variant === "plotly") {
            await page.waitForFunction(`${SHOWN_CHARTS} >= ${saved.charts}`, undefined, { timeout: 90000 }).catch(() => undefined);
            assert.equal((await drawnCharts(page)) + (await plotlySnapshots(page)), saved.charts, `${file} untrusted: the plotly renderer shows the charts`);
          } else {
            await page.waitForFunction(`document.querySelectorAll(".batchlab-fallback img").length >= ${saved.charts}`, undefined, { timeout: 30000 }).catch(() => undefined);
            await page.waitForTimeout(500);
            assert.equal((await visibleFallbacks(page)).images, saved.charts, `${file} untrusted: static images shown`);
            const trust = await page.evaluate(`JSON.stringify(window.jupyterapp.shell.currentWidget.content.widgets.filter((c) => c.model.type === "code").map((c) => c.model.trusted))`);
            assert.equal(await drawnCharts(page), 0, `${file} untrusted copy drew charts (cells trusted: ${trust})`);
            await screenshot(page, `jupyterlab-html-${name}-untrusted-image`, ".batchlab-fallback");
          }
        } finally {
          await close(page);
        }
        if (variant === "html") {
          page = await open(copies.plain);
          try {
            await page.waitForFunction(`document.querySelectorAll(".batchlab-fallback p").length >= ${saved.charts}`, undefined, { timeout: 30000 }).catch(() => undefined);
            const seen = await visibleFallbacks(page);
            assert.equal(seen.lines.length, saved.charts, `${file} untrusted: fallback lines shown`);
            for (const line of seen.lines) assert.match(line, /^Chart(: .+)?\. Run the cell \(or trust the notebook\) to draw it\.$/);
            assert.equal(await drawnCharts(page), 0);
            await screenshot(page, `jupyterlab-html-${name}-untrusted-plain`, ".batchlab-fallback");
          } finally {
            await close(page);
          }
        }
        t.diagnostic(`${file}: ${saved.charts} charts; Run All ${runSeconds.toFixed(0)} s; all checks ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      });
    }

    test("nothing was fetched from outside the machine", () => {
      assert.deepEqual(external, []);
    });
  });
}
