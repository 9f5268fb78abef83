// Driving the course's JupyterLab 3.6 (lab/) in a page: one page holds the application, and each
// notebook is opened in it with JupyterLab's own commands, run or only read, and closed again, so
// the application loads once per renderer set rather than once per notebook.

import type { BrowserContext, Page } from "playwright-core";
import {
  kernelCpuSeconds,
  screenshot,
  settle,
  shownCharts,
  waitUntil,
  type ShownCharts,
} from "./checks";
import { closeSessions, type JupyterServer } from "./server";

/** The notebook panel opened last (set by openNotebook). */
const PANEL = "window.__batchlabPanel";

/**
 * Opens JupyterLab on an empty workspace (?reset: nothing restored from an earlier page), with
 * jupyterlab-plotly's renderer or without it (?plotly=off, see lab/batchlab_lab.py).
 */
export async function openLab(
  context: BrowserContext,
  server: JupyterServer,
  plotly: boolean,
): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.at(`lab?reset${plotly ? "" : "&plotly=off"}`), {
    waitUntil: "load",
    timeout: 120000,
  });
  await waitUntil(
    page,
    "!!(window.jupyterapp && window.jupyterapp.shell)",
    "JupyterLab started",
    180000,
  );
  // A notebook opened only to read its saved outputs starts no kernel: rendering them needs none,
  // and each kernel start costs seconds of CPU. The registry's kernel preference is what the
  // document manager asks; readOnly() below switches this on for one opening.
  await page.evaluate(`(() => {
    const registry = window.jupyterapp.docRegistry;
    const preference = registry.getKernelPreference.bind(registry);
    registry.getKernelPreference = (...args) => {
      const p = preference(...args);
      return p && window.__batchlabNoKernel ? { ...p, shouldStart: false } : p;
    };
  })()`);
  return page;
}

/** JupyterLab's name and version, and whether the open notebook has a renderer for the plotly MIME type. */
export async function labInfo(
  page: Page,
): Promise<{ name: string; version: string; plotlyRenderer: boolean }> {
  return (await page.evaluate(`(() => {
    const app = window.jupyterapp;
    const mimeTypes = ${PANEL}.content.rendermime.mimeTypes;
    return { name: app.name, version: app.version, plotlyRenderer: mimeTypes.includes("application/vnd.plotly.v1+json") };
  })()`)) as { name: string; version: string; plotlyRenderer: boolean };
}

/** Opens `file` (a path under the server's root) as the current notebook; with or without a kernel. */
export async function openNotebook(page: Page, file: string, kernel: boolean): Promise<void> {
  await page.evaluate(`(async () => {
    window.__batchlabNoKernel = ${!kernel};
    ${PANEL} = await window.jupyterapp.commands.execute("docmanager:open", { path: ${JSON.stringify(file)}, factory: "Notebook" });
  })()`);
  await waitUntil(
    page,
    `(() => { const w = ${PANEL}; return !!(w && w.context.isReady && w.content.widgets.length > 0 && window.jupyterapp.shell.currentWidget === w); })()`,
    `${file}: notebook open in JupyterLab`,
    120000,
  );
  await page.evaluate("window.__batchlabNoKernel = false");
  if (kernel) {
    await waitUntil(
      page,
      `(() => { const k = ${PANEL}.sessionContext.session && ${PANEL}.sessionContext.session.kernel;
        return !!(k && k.name === "batchlab" && k.status === "idle" && k.connectionStatus === "connected"); })()`,
      `${file}: batchlab kernel ready`,
      300000,
    );
  } else {
    const kernel = await page.evaluate(`!!(${PANEL}.sessionContext.session)`);
    if (kernel)
      throw new Error(`${file}: a kernel was started for a notebook opened only to read it`);
  }
}

/** Closes the current notebook (and shuts its kernel down, if it has one). */
export async function closeNotebook(page: Page, server: JupyterServer): Promise<void> {
  const file = (await page.evaluate(`(async () => {
    const w = ${PANEL};
    const path = w.context.path;
    if (w.sessionContext.session) await w.sessionContext.shutdown();
    w.dispose();
    ${PANEL} = null;
    return path;
  })()`)) as string;
  await closeSessions(server, file);
}

export interface LiveRun {
  codeCells: number;
  notRun: number;
  errors: string[];
  /** Outputs with the Plotly MIME type (one per show() chart). */
  charts: number;
  /** Charts drawn in the notebook panel. */
  drawn: number;
  /** CPU seconds the kernel used (Linux), or null. */
  kernelCpu: number | null;
}

// Polled while the kernel runs, so it reads only what it needs: outputs' types, never toJSON() (a
// deep copy of every output, charts' data and plotly.js included, which four times a second kept
// Chromium busy on a core the kernels needed).
const RUN_OVER = `(() => {
  const w = ${PANEL};
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== "idle") return false;
  const code = w.content.widgets.filter((c) => c.model.type === "code");
  const failed = code.some((c) => {
    const outputs = c.model.outputs;
    for (let i = 0; i < outputs.length; i++) if (outputs.get(i).type === "error") return true;
    return false;
  });
  return failed || code.every((c) => typeof c.model.executionCount === "number");
})()`;

/**
 * Run All on the open notebook (Run ▸ Run All Cells), until the kernel is idle and every code cell
 * has run (or one shows an error); waits for the charts to draw, takes a screenshot, and saves.
 */
export async function runAll(
  page: Page,
  file: string,
  shot: string,
  timeoutMs: number,
): Promise<LiveRun> {
  await page.evaluate(`window.jupyterapp.commands.execute("notebook:run-all-cells")`);
  await waitUntil(page, RUN_OVER, `${file}: Run All`, timeoutMs);
  // Execution counts come with the execute replies (shell channel), outputs on iopub, which can lag
  // behind (see classic.ts): a kernel_info request is done once its reply and the kernel's "idle"
  // after it (on iopub, after every earlier output) have arrived.
  await page.evaluate(`${PANEL}.sessionContext.session.kernel.requestKernelInfo()`);
  const cells =
    (await page.evaluate(`${PANEL}.content.widgets.filter((c) => c.model.type === "code")
    .map((c) => ({ count: c.model.executionCount, outputs: c.model.outputs.toJSON() }))`)) as Array<{
      count: number | null;
      outputs: Array<{
        output_type: string;
        ename?: string;
        evalue?: string;
        data?: Record<string, unknown>;
      }>;
    }>;
  const outputs = cells.flatMap((c) => c.outputs);
  const charts = outputs.filter((o) => o.data && "application/vnd.plotly.v1+json" in o.data).length;
  await settle(
    page,
    `${PANEL}.node.querySelectorAll(".js-plotly-plot .main-svg").length >= ${charts}`,
    60000,
  );
  const drawn = (await shownCharts(page, `${PANEL}.node`)).drawn;
  await screenshot(page, shot);
  await page.evaluate(`${PANEL}.context.save()`);
  await waitUntil(page, `!${PANEL}.context.model.dirty`, `${file}: saved`, 60000);
  const kernelId = (await page.evaluate(`${PANEL}.sessionContext.session.kernel.id`)) as string;
  return {
    kernelCpu: kernelCpuSeconds(kernelId),
    codeCells: cells.length,
    notRun: cells.filter((c) => typeof c.count !== "number").length,
    errors: outputs.filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`),
    charts,
    drawn,
  };
}

/**
 * Opens `file` without a kernel, waits until `ready` (a page expression over `panel`, the
 * notebook panel's node) holds or `timeoutMs` passes, and returns what it shows of its charts, the
 * trust of its code cells, and a screenshot.
 */
export async function readSaved(
  page: Page,
  server: JupyterServer,
  file: string,
  ready: string,
  shot: string,
): Promise<ShownCharts & { trusted: boolean[] }> {
  await openNotebook(page, file, false);
  try {
    await settle(page, `((panel) => ${ready})(${PANEL}.node)`, 60000);
    await page.waitForTimeout(300); // late layout of the last images
    const shown = await shownCharts(page, `${PANEL}.node`);
    const trusted = (await page.evaluate(
      `${PANEL}.content.widgets.filter((c) => c.model.type === "code").map((c) => c.model.trusted)`,
    )) as boolean[];
    await screenshot(page, shot);
    return { ...shown, trusted };
  } finally {
    await closeNotebook(page, server);
  }
}
