// The course where learners read it, in headless Chromium: the course's JupyterLab 3.6 (lab/,
// JupyterLab's own extensions and jupyterlab-plotly, served by Debian's jupyterlab_server) and the
// live classic Notebook (Debian's jupyter-notebook 6.4). Both servers run once for the suite, on one
// Jupyter home (so each trusts what the other signed), each notebook on a fresh batchlab kernel in
// quick mode.
//
// 1. Run All in JupyterLab with jupyterlab-plotly's renderer, each notebook in notebooks/: every
//    code cell ran, no error output, charts drawn = show() charts; then saved.
// 2. Run All in the classic Notebook (its own copies): the same checks; then saved.
// 3. The notebooks JupyterLab saved, opened again without a kernel (saved outputs render without
//    one) and checked on screen:
//    a. JupyterLab with the plotly renderer: every chart shown (jupyterlab-plotly 5.24.1 shows the
//       PNG snapshot it stored in the output when it drew the chart; it redraws when the cell runs);
//    b. JupyterLab without the plotly renderer (text/html path), trusted: every chart drawn;
//    c. an untrusted copy (no script runs) with the static images `npm start` adds: each chart shows
//       its image in JupyterLab without the plotly renderer;
//    d. on the notebook with the most charts only (the checks are of mechanisms the same for every
//       chart; see mechanismNotebook): the classic Notebook draws what JupyterLab saved (trusted
//       across front ends) and shows the untrusted copy's images, the plotly renderer (declared
//       safe) still shows an untrusted copy, and without the images each chart shows its fallback
//       line, in both front ends.
// The three streams, 1, 2 and 3, run side by side (3 follows 1 notebook by notebook): each Run All
// is one kernel, mostly one core, and the browser work of 3 fills the gaps. Screenshots:
// build/screenshots/lab/. The suite ends with its wall-clock seconds per phase and notebook, each
// kernel's CPU seconds, and the CPU seconds of all its processes together.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { findChromium, launch } from "../helpers/browser";
import {
  FALLBACK_LINE,
  imagePage,
  localContext,
  PhaseClock,
  readNotebook,
  savedRun,
  TreeCpu,
  untrustedCopies,
  type ShownCharts,
} from "./checks";
import { classicVersion, readSavedClassic, runAllClassic } from "./classic";
import {
  closeNotebook,
  labInfo,
  openLab,
  openNotebook,
  readSaved,
  runAll,
  type LiveRun,
} from "./jupyterlab";
import {
  courseNotebooks,
  jupyterHome,
  labMissing,
  startClassic,
  startLab,
  type JupyterServer,
} from "./server";

const RUN_TIMEOUT_MS = Number(process.env.BATCHLAB_LAB_RUN_TIMEOUT ?? 600) * 1000;
// BATCHLAB_LAB_ONLY=00,03b runs only the notebooks whose names start so (for work on the suite).
const only = process.env.BATCHLAB_LAB_ONLY?.split(",").filter(Boolean);
const notebooks = courseNotebooks().filter(
  (f) => !only || only.some((p) => path.basename(f).startsWith(p)),
);
const chromium = findChromium();
const skip = labMissing(chromium !== null) ?? false;

/**
 * Runs `fn` on each item in turn, each start waiting for the previous one to settle; the promise
 * of each item is returned at once, so other work can wait on single items.
 */
function inTurn<T>(items: string[], fn: (item: string) => Promise<T>): Map<string, Promise<T>> {
  const out = new Map<string, Promise<T>>();
  let previous: Promise<unknown> = Promise.resolve();
  for (const item of items) {
    const p = previous.then(() => fn(item));
    p.catch(() => undefined); // handled by the test that awaits it
    out.set(item, p);
    previous = p.catch(() => undefined);
  }
  return out;
}

/** What one notebook, as JupyterLab saved it, shows where it is read. */
interface Views {
  charts: number;
  labPlotly: ShownCharts & { trusted: boolean[] };
  labHtml: ShownCharts & { trusted: boolean[] };
  labHtmlImage: ShownCharts & { trusted: boolean[] };
  /** The views that check a mechanism rather than a notebook's charts: on one notebook (see MECHANISM_NOTEBOOK). */
  mechanism?: {
    labPlotlyUntrusted: ShownCharts & { trusted: boolean[] };
    labHtmlPlain: ShownCharts & { trusted: boolean[] };
    classic: ShownCharts & { trusted: boolean };
    classicImage: ShownCharts & { trusted: boolean };
    classicPlain: ShownCharts & { trusted: boolean };
  };
}

/**
 * The notebook (among those run) with the most show() calls in its source. Five views check a
 * mechanism that is the same for every chart, and are read on it alone: that a notebook signed by
 * JupyterLab's server is trusted and drawn by the classic Notebook (a signature covers the file,
 * not a chart); that jupyterlab-plotly draws untrusted outputs; that the classic Notebook shows an
 * untrusted copy's images; and that without the images each chart shows the fallback line. What is
 * a notebook's own, that every chart's output carries its image inside the fallback block that
 * show() writes, is read on every notebook (JupyterLab, text/html, untrusted copy). Reading all
 * five on every notebook took 370 s of the suite's 860 (3 classic page loads per notebook), on
 * cores the kernels needed.
 */
function mechanismNotebook(sources: string[]): string | undefined {
  const shows = (f: string) => (fs.readFileSync(f, "utf8").match(/\bshow\(/g) ?? []).length;
  const best = [...sources].sort((a, b) => shows(b) - shows(a))[0];
  return best && path.basename(best);
}

/** A chart shown by jupyterlab-plotly: drawn, or the PNG snapshot it stored when it drew it. */
const PLOTLY_SHOWN = ".js-plotly-plot .main-svg, .jp-RenderedPlotly img.plot-img";

/** Checks of a live Run All, the same in both front ends. */
function assertRun(file: string, run: LiveRun, source: string): void {
  assert.deepEqual(run.errors, [], `${file}: error outputs`);
  assert.equal(run.notRun, 0, `${file}: code cells that did not run`);
  assert.equal(run.drawn, run.charts, `${file}: charts drawn = show() charts`);
  if (/\bshow\(/.test(fs.readFileSync(source, "utf8")))
    assert.ok(run.charts > 0, `${file} calls show() but drew no chart`);
}

describe(
  "the course in JupyterLab 3.6 and the classic Notebook 6.4: Run All, saved outputs, untrusted copies",
  { skip },
  () => {
    const clock = new PhaseClock();
    const external: string[] = [];
    const files = notebooks.map((f) => path.basename(f));
    const mechanismFile = mechanismNotebook(notebooks);
    let lab: JupyterServer;
    let classic: JupyterServer;
    let browser: Browser;
    let classicContext: BrowserContext;
    let frontEnds: {
      classicVersion: string;
      lab: Array<{ plotly: boolean; info: Awaited<ReturnType<typeof labInfo>> }>;
    };
    let labRuns: Map<string, Promise<LiveRun>>;
    let classicRuns: Map<string, Promise<LiveRun>>;
    let views: Map<string, Promise<Views>>;
    let t0 = 0;
    let treeCpu: TreeCpu | undefined;
    let imagesPage: Promise<Page> | undefined;

    before(async () => {
      t0 = Date.now();
      treeCpu = new TreeCpu();
      let runPage: Page, plotlyPage: Page, htmlPage: Page;
      await clock.time(
        "start: Jupyter home, both servers, Chromium, 3 JupyterLab pages",
        "",
        async () => {
          const home = await jupyterHome("frontends");
          for (const sub of ["lab", "classic", "untrusted"])
            fs.mkdirSync(path.join(home.notebooks, sub));
          for (const f of notebooks) {
            fs.copyFileSync(f, path.join(home.notebooks, "lab", path.basename(f)));
            fs.copyFileSync(f, path.join(home.notebooks, "classic", path.basename(f)));
          }
          [lab, classic, browser] = await Promise.all([
            startLab(home),
            startClassic(home),
            launch(chromium!),
          ]);
          // One context per JupyterLab page: JupyterLab lets one browser hold one page per workspace.
          const contexts = await Promise.all(
            [0, 1, 2, 3].map(() => localContext(browser, external)),
          );
          classicContext = contexts[3];
          [runPage, plotlyPage, htmlPage] = await Promise.all([
            openLab(contexts[0], lab, true),
            openLab(contexts[1], lab, true),
            openLab(contexts[2], lab, false),
          ]);
          frontEnds = { classicVersion: await classicVersion(classic), lab: [] };
          for (const [page, plotly] of [
            [plotlyPage, true],
            [htmlPage, false],
          ] as const) {
            await openNotebook(page, `lab/${files[0]}`, false);
            frontEnds.lab.push({ plotly, info: await labInfo(page) });
            await closeNotebook(page, lab);
          }
        },
      );

      // 1. Run All in JupyterLab with the plotly renderer.
      labRuns = inTurn(files, async (file) => {
        const name = file.replace(/\.ipynb$/, "");
        const run = await clock.time(
          "1. Run All in JupyterLab (plotly renderer)",
          name,
          async () => {
            await openNotebook(runPage, `lab/${file}`, true);
            try {
              return await runAll(runPage, file, `jupyterlab-plotly-${name}`, RUN_TIMEOUT_MS);
            } finally {
              await closeNotebook(runPage, lab);
            }
          },
        );
        clock.cpu("1. its kernel's CPU", name, run.kernelCpu);
        return run;
      });
      // 2. Run All in the classic Notebook.
      classicRuns = inTurn(files, async (file) => {
        const name = file.replace(/\.ipynb$/, "");
        const run = await clock.time("2. Run All in the classic Notebook", name, () =>
          runAllClassic(
            classicContext,
            classic,
            `classic/${file}`,
            `classic-${name}`,
            RUN_TIMEOUT_MS,
          ),
        );
        clock.cpu("2. its kernel's CPU", name, run.kernelCpu);
        return run;
      });
      // 3. What JupyterLab saved, read without a kernel in both front ends, trusted and untrusted.
      views = inTurn(files, async (file) => {
        await labRuns.get(file)!.catch(() => {
          throw new Error("JupyterLab's Run All did not save it (see that test)");
        });
        const name = file.replace(/\.ipynb$/, "");
        const savedFile = `lab/${file}`;
        const n = savedRun(readNotebook(path.join(lab.home.notebooks, savedFile))).charts;
        imagesPage ??= imagePage(browser);
        const copies = await clock.time(
          "3. untrusted copies (static images drawn)",
          name,
          async () =>
            untrustedCopies(
              await imagesPage!,
              path.join(lab.home.notebooks, savedFile),
              path.join(lab.home.notebooks, "untrusted"),
            ),
        );
        const image = `untrusted/${copies.image}`;
        const plain = `untrusted/${copies.plain}`;
        const shown = (sel: string) =>
          `panel.querySelectorAll(${JSON.stringify(sel)}).length >= ${n}`;
        const onPage = (sel: string) =>
          `document.querySelectorAll(${JSON.stringify(sel)}).length >= ${n}`;
        const view = <T>(what: string, fn: () => Promise<T>) => clock.time(`3. ${what}`, name, fn);
        const labView = (what: string, page: Page, file: string, selector: string, shot: string) =>
          view(what, () => readSaved(page, lab, file, shown(selector), shot));
        const classicView = (what: string, file: string, selector: string, shot: string) =>
          view(what, () => readSavedClassic(classicContext, classic, file, onPage(selector), shot));
        const labPlotly = await labView(
          "JupyterLab, plotly renderer, reloaded",
          plotlyPage,
          savedFile,
          PLOTLY_SHOWN,
          `jupyterlab-plotly-${name}-reloaded`,
        );
        const labHtml = await labView(
          "JupyterLab, text/html, reloaded",
          htmlPage,
          savedFile,
          ".js-plotly-plot .main-svg",
          `jupyterlab-html-${name}-reloaded`,
        );
        const labHtmlImage = await labView(
          "JupyterLab, text/html, untrusted with images",
          htmlPage,
          image,
          ".batchlab-fallback img",
          `jupyterlab-html-${name}-untrusted-image`,
        );
        if (file !== mechanismFile) return { charts: n, labPlotly, labHtml, labHtmlImage };
        const mechanism = {
          labPlotlyUntrusted: await labView(
            "JupyterLab, plotly renderer, untrusted",
            plotlyPage,
            image,
            PLOTLY_SHOWN,
            `jupyterlab-plotly-${name}-untrusted-image`,
          ),
          labHtmlPlain: await labView(
            "JupyterLab, text/html, untrusted without images",
            htmlPage,
            plain,
            ".batchlab-fallback p",
            `jupyterlab-html-${name}-untrusted-plain`,
          ),
          classic: await classicView(
            "classic, reloaded",
            savedFile,
            ".js-plotly-plot .main-svg",
            `classic-${name}-reloaded`,
          ),
          classicImage: await classicView(
            "classic, untrusted with images",
            image,
            ".batchlab-fallback img",
            `classic-${name}-untrusted-image`,
          ),
          classicPlain: await classicView(
            "classic, untrusted without images",
            plain,
            ".batchlab-fallback p",
            `classic-${name}-untrusted-plain`,
          ),
        };
        return { charts: n, labPlotly, labHtml, labHtmlImage, mechanism };
      });
    });

    after(async () => {
      // Let every stream finish before the servers go (a failed test does not stop its stream).
      await Promise.allSettled([
        ...(labRuns?.values() ?? []),
        ...(classicRuns?.values() ?? []),
        ...(views?.values() ?? []),
      ]);
      await browser?.close();
      await Promise.all([lab?.stop(), classic?.stop()]);
      if (lab) fs.rmSync(lab.home.dir, { recursive: true, force: true });
      const cpu = treeCpu?.total() ?? null;
      console.log(
        `test/lab: ${((Date.now() - t0) / 1000).toFixed(0)} s wall-clock, the three streams side by side` +
          `${cpu === null ? "" : `; CPU of this process and everything under it (servers, kernels, Chromium): ${cpu.toFixed(0)} s`}.` +
          ` Wall-clock per phase and notebook (the phases overlap), kernels' CPU:\n  ${clock.report().join("\n  ")}`,
      );
    });

    test("the front ends: JupyterLab 3.6 with and without the plotly renderer, the classic Notebook 6.x", () => {
      assert.match(frontEnds.classicVersion, /^6\./);
      for (const { plotly, info } of frontEnds.lab) {
        assert.equal(info.name, "JupyterLab");
        assert.match(info.version, /^3\.6\./);
        assert.equal(info.plotlyRenderer, plotly, `plotly renderer ${plotly ? "on" : "off"}`);
      }
    });

    for (const source of notebooks) {
      const file = path.basename(source);

      test(`JupyterLab, jupyterlab-plotly renderer: Run All on ${file} runs every cell without error and draws every chart`, async () => {
        const run = await labRuns.get(file)!;
        assertRun(file, run, source);
        const after = savedRun(readNotebook(path.join(lab.home.notebooks, "lab", file)));
        assert.equal(after.notRun, 0, `${file}: saved with every code cell run`);
        assert.deepEqual(after.errors, []);
        assert.equal(after.charts, run.charts, `${file}: saved charts`);
      });

      test(`classic Notebook: Run All on ${file} runs every cell without error and draws every chart`, async () => {
        const run = await classicRuns.get(file)!;
        assertRun(file, run, source);
        const after = savedRun(readNotebook(path.join(classic.home.notebooks, "classic", file)));
        assert.equal(after.notRun, 0, `${file}: saved with every code cell run`);
        assert.equal(after.charts, run.charts, `${file}: saved charts`);
      });

      test(`${file} as saved: shown in JupyterLab with and without the plotly renderer; an untrusted copy shows its static images`, async (t) => {
        const v = await views.get(file)!;
        const n = v.charts;
        t.diagnostic(
          `${file}: ${n} charts; JupyterLab plotly renderer: ${v.labPlotly.drawn} drawn + ${v.labPlotly.snapshots} snapshots`,
        );
        assert.ok(
          v.labPlotly.trusted.every(Boolean),
          `${file}: saved on the server, so trusted in JupyterLab`,
        );
        assert.equal(
          v.labPlotly.drawn + v.labPlotly.snapshots,
          n,
          `${file}: JupyterLab (plotly renderer) shows every saved chart`,
        );
        assert.equal(v.labHtml.drawn, n, `${file}: JupyterLab (text/html) draws every saved chart`);
        assert.ok(!v.labHtmlImage.trusted.some(Boolean), `${file}: the copy is untrusted`);
        assert.equal(
          v.labHtmlImage.images,
          n,
          `${file} untrusted in JupyterLab (text/html): static images shown`,
        );
        assert.equal(
          v.labHtmlImage.drawn,
          0,
          `${file} untrusted in JupyterLab (text/html): no chart drawn by a script`,
        );
      });

      if (file === mechanismFile)
        test(`${file}, the notebook with the most charts: the classic Notebook draws what JupyterLab saved (trusted); jupyterlab-plotly shows an untrusted copy; untrusted, the classic Notebook shows the static images, and without images both front ends show the fallback line`, async (t) => {
          const v = await views.get(file)!;
          const n = v.charts;
          const m = v.mechanism!;
          t.diagnostic(
            `${file}: untrusted copy in JupyterLab's plotly renderer: ${m.labPlotlyUntrusted.drawn} drawn + ${m.labPlotlyUntrusted.snapshots} snapshots`,
          );
          assert.ok(!m.labPlotlyUntrusted.trusted.some(Boolean), `${file}: the copy is untrusted`);
          assert.equal(
            m.labPlotlyUntrusted.drawn + m.labPlotlyUntrusted.snapshots,
            n,
            `${file} untrusted: the plotly renderer shows every chart`,
          );
          assert.equal(
            m.labHtmlPlain.lines.length,
            n,
            `${file} untrusted in JupyterLab (text/html): fallback lines shown`,
          );
          for (const line of m.labHtmlPlain.lines) assert.match(line, FALLBACK_LINE);
          assert.equal(m.labHtmlPlain.drawn, 0);
          assert.equal(
            m.classic.trusted,
            true,
            `${file}: signed by JupyterLab's server on save, so trusted in the classic Notebook`,
          );
          assert.equal(m.classic.drawn, n, `${file}: the classic Notebook draws every saved chart`);
          assert.equal(m.classicImage.trusted, false);
          assert.equal(
            m.classicImage.images,
            n,
            `${file} untrusted in the classic Notebook: static images shown`,
          );
          assert.equal(m.classicImage.drawn, 0);
          assert.equal(m.classicPlain.trusted, false);
          assert.equal(
            m.classicPlain.lines.length,
            n,
            `${file} untrusted in the classic Notebook: fallback lines shown`,
          );
          for (const line of m.classicPlain.lines) assert.match(line, FALLBACK_LINE);
          assert.equal(m.classicPlain.drawn, 0);
        });
    }

    test("nothing was fetched from outside the machine", async () => {
      await Promise.allSettled([...labRuns.values(), ...classicRuns.values(), ...views.values()]);
      assert.deepEqual(external, []);
    });
  },
);
