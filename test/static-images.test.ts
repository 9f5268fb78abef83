// Charts where scripts do not run: the figure's HTML carries a visible fallback line that the
// drawing script replaces, and the executed notebooks get a PNG of each chart in that fallback
// (not as a separate image/png, which jupyterlab-plotly would show instead of the chart). In
// Chromium: with the scripts the chart is drawn and the fallback is gone; with the scripts removed
// (what an untrusted notebook's sanitizer does) the picture and its caption show.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { FALLBACK_PATTERN, plotlyPath, renderBundle, type PlotlyFigure } from "../src/display/show";
import { plotlyPage, pngSize } from "../scripts/figures/render";
import { addImagesToNotebook, addStaticImages } from "../scripts/runner/static-images";
import {
  PLOTLY_MIME,
  splitLines,
  type DisplayDataOutput,
  type Notebook,
} from "../scripts/runner/nbformat";
import { CHROMIUM_MISSING, findChromium, launch } from "./helpers/browser";

const figures: PlotlyFigure[] = [
  {
    data: [{ type: "scatter", x: [1, 2, 3], y: [3, 1, 2], name: "m = 1" }],
    layout: { title: { text: "Loss $against$ step" } },
  },
  { data: [{ type: "bar", x: ["a", "b"], y: [2, 5] }], layout: { height: 300, width: 500 } },
];

function notebook(): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: figures.map((f, i) => ({
      cell_type: "code" as const,
      metadata: {},
      source: "show(fig)",
      execution_count: i + 1,
      outputs: [
        {
          output_type: "display_data" as const,
          data: renderBundle(f, { embedPlotly: i === 0, id: `fig-${i}` }),
          metadata: {},
        },
      ],
    })),
  };
}

const outputs = (nb: Notebook) =>
  nb.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : [])) as DisplayDataOutput[];

test("the figure's HTML says what the chart is and how to draw it, inside the box the script draws in", () => {
  const html = renderBundle(figures[0], { id: "x" })["text/html"] as string;
  const fallback = FALLBACK_PATTERN.exec(html);
  assert.ok(fallback, "one fallback element");
  assert.equal(
    fallback[0],
    '<div class="batchlab-fallback"><p>Chart: Loss $against$ step. Run the cell (or trust the notebook) to draw it.</p></div>',
  );
  assert.ok(
    html.indexOf('id="x"') < fallback.index,
    "the fallback sits inside the plot's box, which the script empties",
  );
  const untitled = renderBundle(figures[1])["text/html"] as string;
  assert.match(untitled, /<p>Chart\. Run the cell \(or trust the notebook\) to draw it\.<\/p>/);
});

describe("static images in Chromium", { skip: findChromium() ? false : CHROMIUM_MISSING }, () => {
  let browser: Browser;
  let page: Page;
  let nb: Notebook;
  let tmp: string;

  before(async () => {
    browser = await launch(findChromium()!);
    page = await plotlyPage(browser, plotlyPath());
    nb = notebook();
    assert.equal(await addImagesToNotebook(page, nb), 2);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-static-"));
  });
  after(async () => {
    await browser?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("each chart gets a PNG at its own size in its fallback, and no image/png of its own", () => {
    const sizes = [
      { width: 960, height: 420 },
      { width: 500, height: 300 },
    ];
    outputs(nb).forEach((o, i) => {
      assert.deepEqual(Object.keys(o.data).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());
      const fallback = FALLBACK_PATTERN.exec(o.data["text/html"] as string)![0];
      const src = /src="data:image\/png;base64,([^"]+)"/.exec(fallback);
      assert.ok(src, "a PNG data: URL in the fallback");
      const png = Buffer.from(src[1], "base64");
      assert.deepEqual(pngSize(png), sizes[i]);
      assert.ok(png.length > 3000, "a drawn chart, not a blank image");
      assert.match(fallback, new RegExp(`width="${sizes[i].width}" height="${sizes[i].height}"`));
      assert.match(
        fallback,
        /\(static image\)\. Run the cell \(or trust the notebook\) for the interactive chart\./,
      );
    });
  });

  async function open(html: string, name: string) {
    const file = path.join(tmp, `${name}.html`);
    fs.writeFileSync(
      file,
      `<!doctype html><html><head><meta charset="utf-8"></head><body>${html}</body></html>`,
    );
    const p = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await p.route("**/*", (r) =>
      /^(file|data|about|blob):/.test(r.request().url()) ? r.continue() : r.abort(),
    );
    await p.goto(`file://${file}`);
    return p;
  }

  test("scripts run (a trusted notebook): the chart is drawn and the fallback is gone", async () => {
    const p = await open(
      outputs(nb)
        .map((o) => o.data["text/html"])
        .join("\n"),
      "trusted",
    );
    try {
      await p.waitForFunction(
        () => document.querySelectorAll(".js-plotly-plot .main-svg").length >= 2,
        undefined,
        { timeout: 30000 },
      );
      assert.equal(await p.locator(".batchlab-fallback").count(), 0);
      assert.equal(await p.locator(".js-plotly-plot").count(), 2);
    } finally {
      await p.close();
    }
  });

  test("scripts removed (an untrusted notebook): the picture and its caption show", async () => {
    const stripped = outputs(nb)
      .map((o) => (o.data["text/html"] as string).replace(/<script\b[\s\S]*?<\/script>/g, ""))
      .join("\n");
    const p = await open(stripped, "untrusted");
    try {
      const images = await p.$$eval(".batchlab-fallback img", (els) =>
        (els as HTMLImageElement[]).map((img) => ({
          w: img.naturalWidth,
          shown: img.getBoundingClientRect().height,
        })),
      );
      assert.deepEqual(
        images.map((i) => i.w),
        [960, 500],
      );
      for (const i of images) assert.ok(i.shown > 100, "the picture is laid out, not an empty box");
      const lines = await p.$$eval(".batchlab-fallback p", (els) => els.map((e) => e.textContent));
      assert.deepEqual(lines, [
        "Chart: Loss $against$ step (static image). Run the cell (or trust the notebook) for the interactive chart.",
        "Chart (static image). Run the cell (or trust the notebook) for the interactive chart.",
      ]);
      assert.equal(await p.locator(".js-plotly-plot").count(), 0);
    } finally {
      await p.close();
    }
  });

  test("addStaticImages rewrites notebook files in place, also with the HTML saved as a list of lines (as Jupyter saves it)", async () => {
    const file = path.join(tmp, "nb.ipynb");
    const saved = notebook();
    for (const o of outputs(saved)) o.data["text/html"] = splitLines(o.data["text/html"] as string);
    fs.writeFileSync(file, JSON.stringify(saved));
    const lines: string[] = [];
    await addStaticImages([file], (l) => lines.push(l));
    assert.match(lines.join("\n"), /static images of 2 charts added/);
    const back = JSON.parse(fs.readFileSync(file, "utf8")) as Notebook;
    for (const o of outputs(back))
      assert.match(
        o.data["text/html"] as string,
        /<div class="batchlab-fallback"><img src="data:image\/png;base64,/,
      );
  });
});

test("without Chromium, addStaticImages leaves the notebooks alone and says so in one line", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-static-none-"));
  const file = path.join(tmp, "nb.ipynb");
  const text = JSON.stringify(notebook());
  fs.writeFileSync(file, text);
  const saved = process.env.BATCHLAB_CHROMIUM;
  process.env.BATCHLAB_CHROMIUM = path.join(tmp, "no-such-browser");
  try {
    const lines: string[] = [];
    await addStaticImages([file], (l) => lines.push(l));
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^static chart images skipped: no Chromium found/);
    assert.equal(fs.readFileSync(file, "utf8"), text);
  } finally {
    if (saved === undefined) delete process.env.BATCHLAB_CHROMIUM;
    else process.env.BATCHLAB_CHROMIUM = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
