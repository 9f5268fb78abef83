// Driving the live classic Notebook (Debian's jupyter-notebook 6.4) in a page: one page per
// notebook, as the classic Notebook has it.

import type { BrowserContext } from "playwright-core";
import {
  kernelCpuSeconds,
  screenshot,
  settle,
  shownCharts,
  waitUntil,
  type ShownCharts,
} from "./checks";
import { closeSessions, type JupyterServer } from "./server";
import type { LiveRun } from "./jupyterlab";

/** The notebook is loaded and its kernel (the batchlab kernel) has answered kernel_info. */
const LOADED = `(() => {
  const nb = window.Jupyter && window.Jupyter.notebook;
  return !!(nb && nb._fully_loaded && nb.kernel && nb.kernel.name === "batchlab" && nb.kernel.info_reply && nb.kernel.info_reply.language_info);
})()`;

/** The notebook and its outputs are loaded. */
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

/**
 * Opens `file` on the batchlab kernel, runs Cell ▸ Run All until the kernel is idle and every code
 * cell has run (or one shows an error), waits for the charts, takes a screenshot and saves.
 */
export async function runAllClassic(
  context: BrowserContext,
  server: JupyterServer,
  file: string,
  shot: string,
  timeoutMs: number,
): Promise<LiveRun> {
  const page = await context.newPage();
  try {
    await page.goto(server.at(`notebooks/${file.split("/").map(encodeURIComponent).join("/")}`), {
      waitUntil: "load",
      timeout: 120000,
    });
    await waitUntil(page, LOADED, `${file}: notebook loaded with the batchlab kernel`, 300000);
    await page.click("#celllink");
    await page.click("#run_all_cells > a");
    await waitUntil(page, RUN_OVER, `${file}: Run All`, timeoutMs);
    // The prompt numbers come with the execute replies (shell channel), the outputs on the iopub
    // channel, which can lag behind: a large output (the first chart carries plotly.js) was once
    // still on its way when the last prompt was numbered. The kernel publishes "idle" on iopub
    // after answering any request, so once the idle of a kernel_info request has arrived, every
    // output sent before it has too.
    await page.evaluate(`new Promise((resolve) => {
      let reply = false, idle = false;
      const done = () => { if (reply && idle) resolve(true); };
      Jupyter.notebook.kernel.send_shell_message("kernel_info_request", {}, {
        shell: { reply: () => { reply = true; done(); } },
        iopub: { status: (m) => { if (m.content.execution_state === "idle") { idle = true; done(); } } },
      });
    })`);
    const live = (await page.evaluate(`(() => {
      const code = Jupyter.notebook.get_cells().filter((c) => c.cell_type === "code");
      const outputs = code.flatMap((c) => c.output_area.outputs);
      return {
        codeCells: code.length,
        notRun: code.filter((c) => typeof c.input_prompt_number !== "number").length,
        errors: outputs.filter((o) => o.output_type === "error").map((o) => o.ename + ": " + o.evalue),
        charts: outputs.filter((o) => o.data && o.data["application/vnd.plotly.v1+json"]).length,
      };
    })()`)) as Omit<LiveRun, "drawn" | "kernelCpu">;
    await settle(
      page,
      `document.querySelectorAll(".js-plotly-plot .main-svg").length >= ${live.charts}`,
      60000,
    );
    const drawn = (await shownCharts(page)).drawn;
    await screenshot(page, shot);
    await page.evaluate("Jupyter.notebook.save_notebook()");
    const kernelCpu = kernelCpuSeconds(
      (await page.evaluate("Jupyter.notebook.kernel.id")) as string,
    );
    return { ...live, drawn, kernelCpu };
  } finally {
    await page.close();
    await closeSessions(server, file);
  }
}

/**
 * Opens `file` only to read it: the server's answer to the page's request for a kernel session is
 * replaced by a refusal (the page then shows "No kernel" in its notification area), since saved
 * outputs render without a kernel and each kernel start costs seconds of CPU. Waits until `ready`
 * (a page expression) holds or `timeoutMs` passes; returns what the page shows of its charts and
 * whether the notebook is trusted.
 */
export async function readSavedClassic(
  context: BrowserContext,
  server: JupyterServer,
  file: string,
  ready: string,
  shot: string,
): Promise<ShownCharts & { trusted: boolean }> {
  const page = await context.newPage();
  await page.route("**/api/sessions", (route) => {
    if (route.request().method() !== "POST") return route.continue();
    return route.fulfill({
      status: 503,
      contentType: "application/json",
      body: JSON.stringify({
        message: "Opened to read its saved outputs: no kernel.",
        short_message: "No kernel",
      }),
    });
  });
  try {
    await page.goto(server.at(`notebooks/${file.split("/").map(encodeURIComponent).join("/")}`), {
      waitUntil: "load",
      timeout: 120000,
    });
    await waitUntil(page, SHOWN, `${file}: notebook loaded`, 120000);
    await settle(page, ready, 60000);
    await page.waitForTimeout(300); // late layout of the last images
    const shown = await shownCharts(page);
    const trusted = (await page.evaluate("Jupyter.notebook.trusted")) as boolean;
    await screenshot(page, shot);
    return { ...shown, trusted };
  } finally {
    await page.close();
  }
}

/** The classic Notebook's version, from its REST API. */
export async function classicVersion(server: JupyterServer): Promise<string> {
  return ((await (await fetch(server.at("api"))).json()) as { version: string }).version;
}
