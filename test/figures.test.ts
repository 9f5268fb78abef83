// npm run figures: the pieces (collecting figures from executed notebooks, the gallery, the
// options), the message when no browser is found, and a real quick-mode run on two notebooks whose
// files must all exist and be valid images, drawn deterministically.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import type { Browser } from "playwright-core";
import { collectFigures, dataHash, specTitle, uniqueIds } from "../scripts/figures/collect";
import { renderFigurePage, renderGallery, type GalleryFigure } from "../scripts/figures/gallery";
import { CHROMIUM_MISSING, findChromium, launchChromium, pngSize } from "../scripts/figures/render";
import { parseArgs, README_THUMBNAILS, type Manifest } from "../scripts/figures";
import { PLOTLY_MIME, type CodeCell, type Notebook } from "../scripts/runner/nbformat";
import { show } from "../src/display/show";

const root = path.resolve(__dirname, "..");

function figureOutput(
  title: string,
  y: number[],
  meta?: Record<string, unknown>,
): CodeCell["outputs"][number] {
  return {
    output_type: "display_data",
    data: {
      [PLOTLY_MIME]: {
        data: [{ type: "scatter", x: y.map((_, i) => i), y }],
        layout: { title: { text: title } },
      },
      "text/plain": `Figure: ${title}`,
    },
    metadata: meta ? { batchlab: meta } : {},
  };
}

function notebook(cells: Array<CodeCell["outputs"]>): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [
      { cell_type: "markdown", id: "m0", metadata: {}, source: "# Title" },
      ...cells.map((outputs, k): CodeCell => ({
        cell_type: "code",
        id: `c${k}`,
        metadata: {},
        source: "show(f)",
        outputs,
        execution_count: k + 1,
      })),
    ],
  };
}

describe("collecting figures", () => {
  const nb = notebook([
    [
      figureOutput("First <b>one</b>", [1, 2], {
        id: "my-fig",
        claim: "It rises.",
        source: "Paper 2020, Fig. 2",
        config: { seed: 3 },
      }),
    ],
    [{ output_type: "stream", name: "stdout", text: "hello" }, figureOutput("Second", [3, 4])],
  ]);

  test("meta from show() names the figure; others are named by position", () => {
    const figs = collectFigures(nb, "07-demo");
    assert.equal(figs.length, 2);
    assert.deepEqual(
      figs.map((f) => [f.id, f.namedInNotebook, f.cellNumber, f.executionCount, f.source]),
      [
        ["my-fig", true, 2, 1, "Paper 2020, Fig. 2"],
        ["07-demo-fig2", false, 3, 2, "course"],
      ],
    );
    assert.equal(figs[0].title, "First one");
    assert.equal(figs[0].claim, "It rises.");
    assert.deepEqual(figs[0].config, { seed: 3 });
  });

  test("the fallback table fills in meta for positional ids only", () => {
    const figs = collectFigures(nb, "07-demo", {
      "07-demo-fig2": { id: "second", claim: "from the table" },
      "07-demo-fig1": { id: "ignored" },
    });
    assert.deepEqual(
      figs.map((f) => f.id),
      ["my-fig", "second"],
    );
    assert.equal(figs[1].claim, "from the table");
  });

  test("ids are made unique across notebooks; the data hash ignores the layout", () => {
    const a = collectFigures(nb, "07-demo");
    const ids = uniqueIds([...a, ...a]).map((f) => f.id);
    assert.deepEqual(ids, ["my-fig", "07-demo-fig2", "my-fig-2", "07-demo-fig2-2"]);
    const spec = { data: [{ x: [1], y: [2] }], layout: { title: "a" } };
    assert.equal(dataHash(spec), dataHash({ ...spec, layout: { title: "b" } }));
    assert.notEqual(dataHash(spec), dataHash({ data: [{ x: [1], y: [3] }] }));
    assert.equal(specTitle({ data: [], layout: { title: "A<br>B" } }), "A B");
  });

  test("the gallery escapes text and links every file; figure pages load plotly.js locally", () => {
    const [f] = collectFigures(
      notebook([[figureOutput("<script>x</script>", [1], { id: "x", claim: "a < b & c" })]]),
      "00-x",
    );
    const g: GalleryFigure = {
      ...f,
      files: { png: "png/x.png", svg: "svg/x.svg", html: "html/x.html", thumbnail: "thumbs/x.png" },
      bookHref: "book/00-x.html#cell-2",
      sameAsPrevious: true,
    };
    const html = renderGallery([g], {
      quick: true,
      generated: new Date(0),
      notebooks: [{ name: "00-x", title: "00 · X", ok: true, seconds: 1 }],
    });
    assert.ok(!html.includes("<script>x</script>"));
    assert.ok(html.includes("a &lt; b &amp; c"));
    for (const href of [
      "png/x.png",
      "svg/x.svg",
      "html/x.html",
      "thumbs/x.png",
      "book/00-x.html#cell-2",
    ])
      assert.ok(html.includes(`"${href}"`), href);
    assert.match(html, /identical to the previous run/);
    const page = renderFigurePage(f, "../assets/plotly.min.js");
    assert.ok(!/https?:\/\//.test(page), "no URL leaves the machine");
    assert.equal(
      page.split("</script>").length - 1,
      2,
      "only the two script elements end a script",
    );
  });

  test("show() records { id, claim, source, config } in the output's metadata and rejects ids that cannot name a file", () => {
    const id = require.resolve("tslab/dist/jupyter");
    const saved = require.cache[id];
    const sent: Array<{ metadata: Record<string, unknown> }> = [];
    require.cache[id] = {
      id,
      filename: id,
      loaded: true,
      exports: { lastWriteDisplayData: (m: { metadata: Record<string, unknown> }) => sent.push(m) },
    } as unknown as NodeJS.Module;
    try {
      show({ data: [] }, { id: "ch9-x", claim: "c", source: "s", config: { seed: 1 } });
      show({ data: [] });
      assert.deepEqual(sent[0].metadata, {
        batchlab: { id: "ch9-x", claim: "c", source: "s", config: { seed: 1 } },
      });
      assert.deepEqual(sent[1].metadata, {});
      assert.throws(() => show({ data: [] }, { claim: "no id" }), /needs an id/);
      assert.throws(() => show({ data: [] }, { id: "../x" }), /needs an id/);
    } finally {
      if (saved) require.cache[id] = saved;
      else delete require.cache[id];
    }
  });

  test("options: full mode unless asked, prefixes, and conflicting flags", () => {
    const opts = parseArgs(["--only", "02, 03", "--fresh"], {});
    assert.ok(!("help" in opts));
    if ("help" in opts) return;
    assert.equal(opts.quick, false);
    assert.deepEqual(opts.only, ["02", "03"]);
    assert.equal(opts.fresh, true);
    assert.equal((parseArgs(["--quick"], {}) as { quick: boolean }).quick, true);
    assert.equal((parseArgs([], { BATCHLAB_QUICK: "1" }) as { quick: boolean }).quick, true);
    assert.throws(() => parseArgs(["--from", "build", "--fresh"], {}), /one of them/);
    assert.throws(() => parseArgs(["--from", "build", "--rerun"], {}), /one of them/);
    assert.throws(() => parseArgs(["--bogus"], {}), /unknown option/);
    assert.throws(() => parseArgs(["--only"], {}), /needs a value/);
    const notebooks = fs
      .readdirSync(path.join(root, "notebooks"))
      .map((f) => path.basename(f, ".ipynb"));
    for (const name of Object.keys(README_THUMBNAILS))
      assert.ok(notebooks.includes(name), `README thumbnail for a notebook that exists: ${name}`);
  });

  test("pngSize reads the header and rejects other bytes", () => {
    const header = Buffer.alloc(24);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
    header.write("IHDR", 12, "ascii");
    header.writeUInt32BE(640, 16);
    header.writeUInt32BE(480, 20);
    assert.deepEqual(pngSize(header), { width: 640, height: 480 });
    assert.equal(pngSize(Buffer.from("<svg></svg>")), null);
  });
});

function runFigures(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete childEnv.NODE_TEST_CONTEXT;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(root, "scripts", "figures.ts"), ...args],
      { cwd: root, env: childEnv, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

test("without Chromium: a clear message and exit status 2, before any notebook runs", async () => {
  const r = await runFigures(
    ["--quick", "--only", "00", "--out", path.join(os.tmpdir(), "batchlab-no-browser")],
    { BATCHLAB_CHROMIUM: path.join(os.tmpdir(), "no-such-browser") },
  );
  assert.equal(r.code, 2);
  assert.ok(r.stderr.includes(CHROMIUM_MISSING), r.stderr);
  assert.ok(!r.stdout.includes("▶"), "no notebook was started");
});

const chromium = findChromium({ ...process.env, BATCHLAB_CHROMIUM: "" });

describe(
  "npm run figures --quick on notebooks 00 and 01",
  { skip: chromium ? false : CHROMIUM_MISSING },
  () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-figures-"));
    let first: { code: number | null; stdout: string; stderr: string };
    let manifest: Manifest;
    let browser: Browser;

    before(async () => {
      first = await runFigures(["--quick", "--only", "00,01", "--out", out], {
        BATCHLAB_CHROMIUM: "",
      });
      manifest = JSON.parse(fs.readFileSync(path.join(out, "figures.json"), "utf8")) as Manifest;
      browser = await launchChromium(chromium!);
    });

    after(async () => {
      if (browser) await browser.close();
      fs.rmSync(out, { recursive: true, force: true });
    });

    test("it succeeds and draws every figure of the executed notebooks, under the ids show() recorded", () => {
      assert.equal(first.code, 0, first.stderr);
      assert.equal(manifest.quick, true);
      assert.deepEqual(
        manifest.notebooks.map((n) => n.name),
        ["00-start-here", "01-update-rule"],
      );
      const expected: string[] = [];
      for (const name of ["00-start-here", "01-update-rule"]) {
        const nb = JSON.parse(
          fs.readFileSync(path.join(out, "book", "notebooks", `${name}.ipynb`), "utf8"),
        ) as Notebook;
        nb.cells.forEach((cell) => {
          if (cell.cell_type !== "code") return;
          for (const o of (cell as CodeCell).outputs) {
            if (o.output_type !== "display_data" || !(PLOTLY_MIME in o.data)) continue;
            const meta = (o.metadata as { batchlab?: { id?: string } }).batchlab;
            expected.push(
              meta?.id ?? `${name}-fig${expected.filter((e) => e.startsWith(name)).length + 1}`,
            );
          }
        });
      }
      assert.ok(
        expected.length >= 4,
        `00 and 01 have at least 4 figures, found ${expected.length}`,
      );
      assert.deepEqual(
        manifest.figures.map((f) => f.id),
        expected,
      );
      for (const f of manifest.figures) {
        assert.ok(f.title.length > 0, `${f.id} has a title`);
        assert.ok(f.source.length > 0, `${f.id} names what it reproduces`);
        assert.ok(f.cell >= 1 && /^0[01]-/.test(f.notebook));
      }
    });

    test("every PNG and thumbnail is a valid image of the right size, and every SVG parses as an <svg> document", async () => {
      const page = await browser.newPage();
      try {
        for (const f of manifest.figures) {
          const png = fs.readFileSync(path.join(out, f.files.png));
          assert.deepEqual(
            pngSize(png),
            { width: 2 * f.width, height: 2 * f.height },
            `${f.files.png}: a PNG at twice the figure's size`,
          );
          assert.ok(png.length > 5000, `${f.files.png} is not blank (${png.length} bytes)`);
          const thumb = pngSize(fs.readFileSync(path.join(out, f.files.thumbnail)));
          assert.ok(thumb && thumb.width === 480, `${f.files.thumbnail} is a 480-pixel-wide PNG`);
          const svg = fs.readFileSync(path.join(out, f.files.svg), "utf8");
          const parsed = (await page.evaluate((text) => {
            const doc = new DOMParser().parseFromString(text, "image/svg+xml");
            return {
              root: doc.documentElement.nodeName,
              errors: doc.getElementsByTagName("parsererror").length,
              paths: doc.getElementsByTagName("path").length,
            };
          }, svg)) as { root: string; errors: number; paths: number };
          assert.deepEqual([parsed.root, parsed.errors], ["svg", 0], `${f.files.svg} parses`);
          assert.ok(parsed.paths > 0, `${f.files.svg} has drawn paths`);
          assert.ok(fs.existsSync(path.join(out, f.files.html)), f.files.html);
        }
      } finally {
        await page.close();
      }
    });

    test("the gallery and the interactive pages draw offline", async () => {
      const context = await browser.newContext();
      const external: string[] = [];
      await context.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:") || url.startsWith("data:")) return route.continue();
        external.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      try {
        await page.goto(pathToFileURL(path.join(out, "index.html")).href, { waitUntil: "load" });
        const images = (await page.evaluate(() =>
          Array.from(document.images).map((img) => img.naturalWidth),
        )) as number[];
        assert.equal(images.length, manifest.figures.length);
        assert.ok(
          images.every((w) => w > 0),
          "every thumbnail loaded",
        );
        const text = (await page.evaluate(() => document.body.innerText)) as string;
        for (const f of manifest.figures)
          if (f.claim) assert.ok(text.includes(f.claim), `the gallery shows the claim of ${f.id}`);
        const first = manifest.figures[0];
        await page.goto(pathToFileURL(path.join(out, first.files.html)).href, {
          waitUntil: "load",
        });
        await page.waitForFunction(() => document.querySelector(".main-svg") !== null, undefined, {
          timeout: 20000,
        });
        assert.deepEqual(external, []);
      } finally {
        await context.close();
      }
    });

    test("a re-run draws the same data, and the folder then holds only that run's figures", async () => {
      const again = await runFigures(["--quick", "--rerun", "--only", "00", "--out", out], {
        BATCHLAB_CHROMIUM: "",
      });
      assert.equal(again.code, 0, again.stderr);
      assert.match(
        again.stdout,
        /▶ \[1\/1\] notebooks\/00-start-here\.ipynb/,
        "--rerun executed the notebook again",
      );
      const second = JSON.parse(
        fs.readFileSync(path.join(out, "figures.json"), "utf8"),
      ) as Manifest;
      const before00 = manifest.figures.filter((f) => f.notebook === "00-start-here");
      assert.deepEqual(
        second.figures.map((f) => [f.id, f.dataHash]),
        before00.map((f) => [f.id, f.dataHash]),
        "same seeds, same data",
      );
      assert.match(again.stdout, /data identical to the previous run for \d+ of \d+ figures/);
      const pngs = fs.readdirSync(path.join(out, "png"));
      assert.deepEqual(pngs.sort(), second.figures.map((f) => `${f.id}.png`).sort());
    });

    test("without --rerun, notebooks unchanged since the last run are only redrawn", async () => {
      const redraw = await runFigures(["--quick", "--only", "00,01", "--out", out], {
        BATCHLAB_CHROMIUM: "",
      });
      assert.equal(redraw.code, 0, redraw.stderr);
      assert.match(redraw.stdout, /only redrawn .*: 00-start-here, 01-update-rule/);
      assert.ok(!redraw.stdout.includes("▶"), "no notebook was executed");
      const third = JSON.parse(fs.readFileSync(path.join(out, "figures.json"), "utf8")) as Manifest;
      assert.deepEqual(
        third.figures.map((f) => f.dataHash),
        manifest.figures.map((f) => f.dataHash),
      );
    });
  },
);
