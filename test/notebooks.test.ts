// The course notebooks themselves, in quick mode, three ways:
//  1. the runner (npm start) executes every notebooks/*.ipynb once, into a temporary build folder;
//  2. a real Jupyter client (nbconvert + nbclient) executes each on the project kernel, found
//     through JUPYTER_PATH, and exports the result to HTML as `jupyter nbconvert --to html` does;
//     every claim its run checked must hold, as in the runner's;
//  3. a real browser (headless Chromium) opens the runner's pages and nbconvert's HTML: every chart
//     must be drawn, nothing may be fetched from outside the machine, and a screenshot of each page
//     is saved to build/screenshots/.
// Tools that are missing (jupyter, chromium) make their tests SKIPPED with the install command.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pathToFileURL } from "url";
import type { Browser } from "playwright-core";
import { countCharts, type CodeCell, type Notebook } from "../scripts/runner/nbformat";
import { countClaims } from "../scripts/runner/claims";
import { findNbformatPython, which } from "../scripts/runner/sign";
import {
  checkPage,
  CHROMIUM_MISSING,
  findChromium,
  launch,
  nbconvertTemplateStub,
} from "./helpers/browser";
import { notebookProblems } from "./helpers/readability";
import {
  readNotebook,
  readSummary,
  root,
  runCli,
  type CliResult,
  type RunSummary,
} from "./helpers/run";

const notebookDir = path.join(root, "notebooks");
const notebooks = fs.existsSync(notebookDir)
  ? fs
      .readdirSync(notebookDir)
      .filter((f) => f.endsWith(".ipynb"))
      .sort()
  : [];
const names = notebooks.map((f) => path.basename(f, ".ipynb"));
const screenshots = path.join(root, "build", "screenshots");

function jupyterMissing(): string | false {
  if (!which("jupyter"))
    return "jupyter not found on PATH: install it with `apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel` (or `pip install nbconvert nbclient`)";
  const r = spawnSync("jupyter", ["nbconvert", "--version"], { encoding: "utf8", timeout: 60000 });
  if (r.status !== 0)
    return "`jupyter nbconvert` does not run: install it with `apt-get install jupyter-nbconvert python3-nbclient` (or `pip install nbconvert nbclient`)";
  return false;
}
const skipJupyter = jupyterMissing();
const chromiumPath = findChromium();
const skipChromium = chromiumPath ? false : CHROMIUM_MISSING;

describe("notebooks/ as committed", () => {
  test("there are notebooks", () => assert.ok(notebooks.length > 0, "notebooks/*.ipynb"));
  for (const file of notebooks) {
    test(`${file}: nbformat 4.5, kernel batchlab, cell ids, no outputs`, () => {
      const nb = JSON.parse(fs.readFileSync(path.join(notebookDir, file), "utf8")) as Notebook;
      assert.equal(nb.nbformat, 4);
      assert.ok(nb.nbformat_minor >= 5, "nbformat_minor ≥ 5 (cell ids)");
      assert.equal((nb.metadata.kernelspec as { name?: string } | undefined)?.name, "batchlab");
      assert.equal(
        (nb.metadata.language_info as { name?: string } | undefined)?.name,
        "typescript",
      );
      const ids = nb.cells.map((c) => c.id);
      assert.ok(
        ids.every((id) => typeof id === "string" && id.length > 0),
        "every cell has an id",
      );
      assert.equal(new Set(ids).size, ids.length, "cell ids are unique");
      for (const c of nb.cells.filter((c): c is CodeCell => c.cell_type === "code")) {
        assert.deepEqual(c.outputs, [], "committed without outputs");
        assert.equal(c.execution_count, null);
      }
    });
  }
});

describe("notebooks/ through the runner, a Jupyter client and a browser (quick mode)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-notebooks-"));
  const book = path.join(tmp, "book");
  const nbconvertOut = path.join(tmp, "nbconvert");
  let run: CliResult;
  let summary: RunSummary;
  let browser: Browser | null = null;

  before(async () => {
    // The same list as the tests below (notebooks/*.ipynb in name order, read when this file loads).
    run = await runCli([
      "--quick",
      "--out",
      book,
      ...notebooks.map((f) => path.join(notebookDir, f)),
    ]);
    summary = readSummary(book);
  });

  after(async () => {
    if (browser) await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test("the runner executes every notebook without error", () => {
    assert.equal(run.code, 0, `runner failed:\n${run.stderr}`);
    assert.deepEqual(
      summary.notebooks.map((n) => n.name),
      names,
    );
    for (const n of summary.notebooks) assert.ok(n.ok, `${n.source} failed`);
    assert.match(
      run.stdout,
      /signed \d+ executed notebook|NOT signed|signing the executed notebooks failed/,
      "says whether the notebooks were signed",
    );
  });

  test("every figure's log axes label decades or explicit ticks, every legend fits, no table prints NaN", () => {
    const problems = summary.notebooks.flatMap((n) =>
      notebookProblems(n.name, readNotebook(path.join(book, n.executed)) as never),
    );
    assert.deepEqual(
      problems.map((p) => `${p.where}: ${p.problem}`),
      [],
    );
  });

  // Skips are set on each test (not on the suite) so that the summary counts them as skipped.
  test(
    "the executed notebooks are valid nbformat and signed (trusted, so Jupyter draws their charts)",
    {
      skip: findNbformatPython()
        ? false
        : "no Python with nbformat: install it with `apt-get install python3-nbformat`",
    },
    () => {
      const py = findNbformatPython()!;
      const files = summary.notebooks.map((n) => path.join(book, n.executed));
      const script = [
        "import sys, nbformat",
        "from nbformat.sign import NotebookNotary",
        "notary = NotebookNotary()",
        "for f in sys.argv[1:]:",
        "    nb = nbformat.read(f, as_version=4)",
        "    nbformat.validate(nb)",
        "    print(f, notary.check_signature(nb))",
      ].join("\n");
      const r = spawnSync(py, ["-c", script, ...files], { encoding: "utf8", timeout: 120000 });
      assert.equal(r.status, 0, r.stderr);
      if (/signed \d+ executed notebook/.test(run.stdout)) {
        for (const line of r.stdout.trim().split("\n"))
          assert.match(line, / True$/, `not trusted: ${line}`);
      }
    },
  );

  describe("a real Jupyter client: nbconvert on the project kernel", () => {
    const specRoot = path.join(tmp, "jupyter");
    before(() => {
      if (skipJupyter) return;
      fs.mkdirSync(path.join(specRoot, "kernels", "batchlab"), { recursive: true });
      fs.writeFileSync(
        path.join(specRoot, "kernels", "batchlab", "kernel.json"),
        JSON.stringify({
          argv: [process.execPath, path.join(root, "scripts", "kernel.cjs"), "{connection_file}"],
          display_name: "TypeScript (batchlab)",
          language: "typescript",
        }),
      );
      // A stand-in for require.js (nbconvert's template loads it): an AMD `define`, the trap that
      // plotly.js's UMD header falls into unless the embedding hides it.
      fs.mkdirSync(nbconvertOut, { recursive: true });
      fs.writeFileSync(
        path.join(nbconvertOut, "require-stub.js"),
        nbconvertTemplateStub("require.min.js")!,
      );
    });

    test(
      "nbconvert's executed notebook records the claims, so a false one fails the test",
      { skip: skipJupyter },
      () => {
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          JUPYTER_PATH: specRoot,
          BATCHLAB_QUICK: "1",
        };
        delete env.NODE_TEST_CONTEXT;
        const fixture = path.join(root, "test", "fixtures", "false-claim.ipynb");
        const exec = spawnSync(
          "jupyter",
          ["nbconvert", "--to", "notebook", "--execute", "--output-dir", nbconvertOut, fixture],
          { env, encoding: "utf8", timeout: 300000 },
        );
        assert.equal(exec.status, 0, exec.stderr);
        const claims = countClaims(readNotebook(path.join(nbconvertOut, "false-claim.ipynb")));
        assert.deepEqual(claims, {
          checked: 3,
          failed: 1,
          failures: ["✗ A deliberately false claim: ratio 0.3333 (want ≥ 0.5)"],
        });
      },
    );

    for (const file of notebooks) {
      const name = path.basename(file, ".ipynb");
      test(`nbconvert --execute ${file}, then --to html`, { skip: skipJupyter }, () => {
        const env: NodeJS.ProcessEnv = {
          ...process.env,
          JUPYTER_PATH: specRoot,
          BATCHLAB_QUICK: "1",
        };
        delete env.NODE_TEST_CONTEXT;
        const exec = spawnSync(
          "jupyter",
          [
            "nbconvert",
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=600",
            "--output-dir",
            nbconvertOut,
            path.join(notebookDir, file),
          ],
          { env, encoding: "utf8", timeout: 900000 },
        );
        if (exec.status !== 0) {
          // tslab replies to a failing cell with an empty ename/evalue, so nbconvert's message is
          // just "<Error>:". Run once more with --allow-errors to show the cells' stderr.
          const again = spawnSync(
            "jupyter",
            [
              "nbconvert",
              "--to",
              "notebook",
              "--execute",
              "--allow-errors",
              "--output",
              `${name}.diagnose`,
              "--output-dir",
              nbconvertOut,
              path.join(notebookDir, file),
            ],
            { env, encoding: "utf8", timeout: 900000 },
          );
          let stderrs = "";
          try {
            const diag = readNotebook(path.join(nbconvertOut, `${name}.diagnose.ipynb`));
            diag.cells.forEach((c, i) => {
              if (c.cell_type !== "code") return;
              const text = c.outputs
                .map((o) =>
                  o.output_type === "stream" && o.name === "stderr" ? [o.text].flat().join("") : "",
                )
                .join("");
              if (text.trim())
                stderrs += `--- cell ${i + 1} stderr ---\n${text.trim().split("\n").slice(0, 12).join("\n")}\n`;
            });
          } catch {
            stderrs = again.stderr;
          }
          assert.fail(
            `nbconvert --execute failed:\n${exec.stderr.trim().split("\n").slice(-12).join("\n")}\n${stderrs}`,
          );
        }
        const executed = path.join(nbconvertOut, file);
        const nb = readNotebook(executed);
        const streams = nb.cells.flatMap((c) => (c.cell_type === "code" ? c.outputs : []));
        assert.ok(!streams.some((o) => o.output_type === "error"), "no error outputs");
        const stderr = streams
          .map((o) =>
            o.output_type === "stream" && o.name === "stderr" ? [o.text].flat().join("") : "",
          )
          .join("");
        assert.doesNotMatch(stderr, /UncaughtException:|UnhandledPromiseRejection:/);
        // The claims this client's run checked, read from the executed notebook as the runner reads them.
        const claims = countClaims(nb);
        assert.deepEqual(claims.failures, [], `a claim failed in ${file}`);
        const html = spawnSync(
          "jupyter",
          [
            "nbconvert",
            "--to",
            "html",
            `--HTMLExporter.require_js_url=${pathToFileURL(path.join(nbconvertOut, "require-stub.js")).href}`,
            "--output-dir",
            nbconvertOut,
            executed,
          ],
          { env, encoding: "utf8", timeout: 300000 },
        );
        assert.equal(html.status, 0, `nbconvert --to html failed:\n${html.stderr}`);
        assert.ok(fs.existsSync(path.join(nbconvertOut, `${name}.html`)));
        // Where the runner's execution succeeded too, both made the same charts.
        const ours = summary.notebooks.find((n) => n.name === name);
        if (ours?.ok) {
          assert.equal(countCharts(nb), ours.charts, "same charts as the runner's execution");
          // Not the same number: a few claims sit in loops over measured results (e.g. the ends of a timing band).
          if (ours.claims.checked > 0)
            assert.ok(claims.checked > 0, "the claims were recorded in this client's run too");
        }
      });
    }
  });

  describe("a real browser: headless Chromium", () => {
    before(async () => {
      if (!skipChromium) browser = await launch(chromiumPath!);
    });

    for (const name of names) {
      test(
        `the runner's page ${name}.html draws every chart, offline`,
        { skip: skipChromium },
        async () => {
          const entry = summary.notebooks.find((n) => n.name === name)!;
          const check = await checkPage(browser!, path.join(book, `${name}.html`), {
            expectCharts: entry.charts,
            screenshot: path.join(screenshots, `${name}.png`),
          });
          assert.deepEqual(check.external, [], "no request left the machine");
          assert.deepEqual(check.errors, [], "no script errors");
          assert.equal(
            check.charts,
            entry.charts,
            "charts drawn = plotly outputs in the executed notebook",
          );
        },
      );
    }

    for (const name of names) {
      test(
        `nbconvert's HTML of ${name} draws every chart, offline`,
        { skip: skipChromium || skipJupyter },
        async () => {
          const file = path.join(nbconvertOut, `${name}.html`);
          assert.ok(fs.existsSync(file), "exported by the nbconvert test above");
          const expected = countCharts(readNotebook(path.join(nbconvertOut, `${name}.ipynb`)));
          const check = await checkPage(browser!, file, {
            expectCharts: expected,
            screenshot: path.join(screenshots, `${name}.nbconvert.png`),
            stub: nbconvertTemplateStub,
          });
          assert.deepEqual(check.external, [], "no request left the machine");
          assert.deepEqual(check.errors, [], "no script errors");
          assert.equal(
            check.charts,
            expected,
            "charts drawn = plotly outputs in the executed notebook",
          );
        },
      );
    }
  });
});
