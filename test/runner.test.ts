// The notebook runner (npm start) on small fixture notebooks, in quick mode: a good notebook runs
// and becomes a page with drawn charts; failing cells, compile errors, late asynchronous errors and
// time-outs fail their notebook with the notebook, the cell and the real message named.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decode, encode, sign, type Message } from "../scripts/runner/kernel-client";
import { keyLine, runNotebook } from "../scripts/runner/execute";
import { renderMarkdown } from "../scripts/runner/markdown";
import { COURSE, readmeSummaries, renderIndex } from "../scripts/runner/book";
import {
  countCharts,
  joinSource,
  PLOTLY_MIME,
  type CodeCell,
  type Notebook,
} from "../scripts/runner/nbformat";
import { checkPage, CHROMIUM_MISSING, findChromium, launch } from "./helpers/browser";
import { readNotebook, readSummary, root, runCli, type CliResult } from "./helpers/run";

const fixtures = path.join(root, "test", "fixtures");
const fixture = (name: string) => path.join(fixtures, `${name}.ipynb`);

describe("runner on fixture notebooks (quick mode)", () => {
  let out: string;
  let outMore: string;
  let outSlow: string;
  let outClaims: string;
  let main: CliResult;
  let more: CliResult;
  let slow: CliResult;
  let claims: CliResult;

  before(async () => {
    [out, outMore, outSlow, outClaims] = ["main", "more", "slow", "claims"].map((n) =>
      fs.mkdtempSync(path.join(os.tmpdir(), `batchlab-runner-${n}-`)),
    );
    // Three runs side by side (each notebook gets its own kernel anyway): a failing notebook before
    // good ones (they must still run; one has files the kernel compiled change under it), the other
    // failure kinds, and a cell that exceeds a 3 s limit; then a notebook whose claim fails.
    [main, more, slow] = await Promise.all([
      runCli(
        [
          "--quick",
          "--no-sign",
          "--out",
          out,
          fixture("fail"),
          fixture("ok"),
          fixture("edit-src"),
          fixture("burst"),
        ],
        { BATCHLAB_CELL_TIMEOUT: "120" },
      ),
      runCli([
        "--quick",
        "--no-sign",
        "--out",
        outMore,
        fixture("type-error"),
        fixture("async-fail"),
        fixture("rejection"),
        fixture("exit"),
        fixture("burst-fail"),
      ]),
      runCli(["--quick", "--no-sign", "--timeout", "3", "--out", outSlow, fixture("slow")], {
        BATCHLAB_CELL_TIMEOUT: "1000",
      }),
    ]);
    // After the others, not beside them: four runners starting kernels at once can pick the same free
    // port for two kernels (seen once as EADDRINUSE at kernel start).
    claims = await runCli([
      "--quick",
      "--no-sign",
      "--out",
      outClaims,
      fixture("false-claim"),
      fixture("ok"),
    ]);
  });

  after(() => {
    for (const dir of [out, outMore, outSlow, outClaims])
      fs.rmSync(dir, { recursive: true, force: true });
  });

  test("exit status is 1 when any notebook failed, and the notebooks after a failure still run", () => {
    assert.equal(main.code, 1, main.stderr);
    const summary = readSummary(out);
    assert.equal(summary.quick, true);
    assert.deepEqual(
      summary.notebooks.map((n) => [n.name, n.ok]),
      [
        ["fail", false],
        ["ok", true],
        ["edit-src", true],
        ["burst", true],
      ],
    );
    assert.match(main.stdout, /▶ \[2\/4\] test\/fixtures\/ok\.ipynb \(quick mode\)/);
    assert.match(main.stdout, /✓ ok · cell 2\/6 · \d/, "per-cell progress with i/N and time");
    assert.match(main.stderr, /4 notebooks, 3 ok, 1 failed/);
    assert.equal(more.code, 1, more.stderr);
    assert.deepEqual(
      readSummary(outMore).notebooks.map((n) => n.ok),
      [false, false, false, false, false],
    );
  });

  test("a false claim fails the run after every notebook ran, and run.json, the console and the page say which", () => {
    assert.equal(claims.code, 1, claims.stderr);
    const summary = readSummary(outClaims);
    assert.deepEqual(
      summary.notebooks.map((n) => [n.name, n.ok]),
      [
        ["false-claim", true],
        ["ok", true],
      ],
      "a claim does not stop its notebook",
    );
    const record = summary.notebooks[0].claims;
    assert.equal(record.checked, 3);
    assert.equal(record.failed, 1);
    assert.deepEqual(record.failures, ["✗ A deliberately false claim: ratio 0.3333 (want ≥ 0.5)"]);
    assert.deepEqual(summary.notebooks[1].claims, { checked: 0, failed: 0, failures: [] });
    assert.match(claims.stderr, /claims: 3 checked, 1 failed/);
    assert.match(
      claims.stderr,
      /CLAIM FAILED test\/fixtures\/false-claim\.ipynb: ✗ A deliberately false claim/,
    );
    const nb = readNotebook(path.join(outClaims, "notebooks", "false-claim.ipynb"));
    const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    assert.match(
      JSON.stringify(code[2].outputs),
      /after the failed claim/,
      "the cell after the failed claim ran",
    );
    assert.match(JSON.stringify(code[0].outputs), /✓ Two and two make four: 4 \(want 4 ± 0\)/);
    const page = fs.readFileSync(path.join(outClaims, "false-claim.html"), "utf8");
    assert.match(page, /1 of 3 claims failed/);
    assert.match(page, /class="batchlab-claim failed"/);
    assert.match(fs.readFileSync(path.join(outClaims, "index.html"), "utf8"), /1 claim failed/);
  });

  test("a run whose claims all hold passes: the summary counts them", () => {
    assert.equal(main.code, 1);
    assert.match(main.stderr, /claims: 0 checked, 0 failed/);
  });

  test("a throwing cell: notebook, cell and the real message (from stderr, tslab sends no ename)", () => {
    assert.match(
      main.stderr,
      /FAILED test\/fixtures\/fail\.ipynb, cell 3 \(In \[2\]\) failed: Error: fixture boom 42/,
    );
    const nb = readNotebook(path.join(out, "notebooks", "fail.ipynb"));
    const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    assert.deepEqual(
      code.map((c) => c.execution_count),
      [1, 2, null],
      "cells after the failure do not run",
    );
    assert.ok(!JSON.stringify(nb).includes("this cell must not run\\n"));
    const page = fs.readFileSync(path.join(out, "fail.html"), "utf8");
    assert.match(page, /This notebook failed/);
    assert.match(page, /fixture boom 42/);
  });

  test("a compile error names the cell and TypeScript's message", () => {
    assert.match(
      more.stderr,
      /FAILED test\/fixtures\/type-error\.ipynb, cell 2 \(In \[2\]\) failed: 1:7 - Type 'string' is not assignable to type 'number'/,
    );
  });

  test("an error thrown from a timer after its cell finished fails the notebook", () => {
    assert.match(
      more.stderr,
      /FAILED test\/fixtures\/async-fail\.ipynb, cell 3 \(In \[2\]\) raised an asynchronous error: UncaughtException: Error: late boom from a timer/,
    );
    const nb = readNotebook(path.join(outMore, "notebooks", "async-fail.ipynb"));
    const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    assert.equal(
      code[2].execution_count,
      null,
      "the notebook stops at the cell where the error surfaced",
    );
  });

  test("an unhandled rejection in the last cell, reported after its reply, fails the notebook", () => {
    assert.match(
      more.stderr,
      /FAILED test\/fixtures\/rejection\.ipynb, cell 2 \(In \[2\]\) raised an asynchronous error: UnhandledPromiseRejection: Error: nobody catches this/,
    );
  });

  test("a cell that ends the kernel process fails the notebook", () => {
    assert.match(
      more.stderr,
      /FAILED test\/fixtures\/exit\.ipynb, cell 2 \(In \[2\]\) killed the kernel: the kernel process exited with code 3/,
    );
  });

  test("a burst of output beyond what the kernel's socket sends at once: every message arrives, and an error after it is named", () => {
    // zeromq.js defers the 513th send of one event-loop turn and throws EBUSY from the sends after
    // it; without the kernel's in-order queue the display below failed the cell and its error text
    // and "idle" were lost ("the cell failed without an error message").
    const nb = readNotebook(path.join(out, "notebooks", "burst.ipynb"));
    const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    const lines = code[0].outputs.flatMap((o) =>
      o.output_type === "stream" ? (o.text as string[]) : [],
    );
    assert.deepEqual(
      lines,
      Array.from({ length: 1500 }, (_, i) => `line ${i}\n`),
    );
    assert.deepEqual(
      code[0].outputs
        .filter((o) => o.output_type === "display_data")
        .map((o) => (o as { data: Record<string, unknown> }).data["text/plain"]),
      ["after the burst"],
    );
    assert.match(JSON.stringify(code[1].outputs), /the next cell runs/);
    assert.match(
      more.stderr,
      /FAILED test\/fixtures\/burst-fail\.ipynb, cell 2 \(In \[1\]\) failed: Error: boom after a burst/,
    );
  });

  test("a cell over the time limit fails its notebook", () => {
    assert.equal(slow.code, 1, slow.stderr);
    assert.match(
      slow.stderr,
      /FAILED test\/fixtures\/slow\.ipynb, cell 2 \(In \[2\]\) timed out: no result within 3\.0 s/,
    );
    assert.match(
      slow.stdout,
      /▶ \[1\/1\] test\/fixtures\/slow\.ipynb \(quick mode\) · cell limit 3 s/,
      "the limit is printed with the progress; --timeout wins over the environment",
    );
    assert.match(
      main.stdout,
      /▶ \[1\/4\] test\/fixtures\/fail\.ipynb \(quick mode\) · cell limit 120 s/,
      "BATCHLAB_CELL_TIMEOUT sets the limit",
    );
    // The notebook's own time (kernel start to kernel stopped), not the whole command's: on a busy
    // machine the whole command once took 98 s (starting tsx, drawing the static images).
    const took = readSummary(outSlow).notebooks[0].seconds;
    assert.ok(
      took < 60,
      `the kernel was stopped before the cell's 60 s wait ended (the notebook took ${took} s)`,
    );
  });

  test("the executed notebook: counts set, outputs in nbformat shape, plotly.js embedded once", () => {
    const nb = readNotebook(path.join(out, "notebooks", "ok.ipynb"));
    assert.equal(nb.nbformat, 4);
    const code = nb.cells.filter((c): c is CodeCell => c.cell_type === "code");
    assert.deepEqual(
      code.map((c) => c.execution_count),
      [1, 2, 3, 4, 5, 6],
    );
    assert.deepEqual(
      code[0].outputs,
      [{ output_type: "stream", name: "stdout", text: ["quick mode: true\n"] }],
      "BATCHLAB_QUICK reached the kernel",
    );
    assert.equal(countCharts(nb), 2);
    const charts = code
      .flatMap((c) => c.outputs)
      .filter((o) => o.output_type === "display_data" && PLOTLY_MIME in o.data) as Array<{
      data: Record<string, any>;
    }>;
    for (const o of charts) {
      assert.equal(typeof o.data[PLOTLY_MIME], "object");
      assert.ok(Array.isArray(o.data[PLOTLY_MIME].data));
      assert.match(String(o.data["text/plain"]), /^Figure: .+ \(\d+ traces?\)$/);
    }
    assert.ok(
      String(charts[0].data["text/html"]).length > 3_000_000,
      "the first chart carries plotly.js",
    );
    assert.ok(String(charts[1].data["text/html"]).length < 100_000, "later charts do not");
    // The live outputs were updated in place: one output each, in their final state.
    const live = code[3].outputs.filter((o) => o.output_type === "display_data") as Array<{
      data: Record<string, any>;
    }>;
    assert.equal(live.length, 2);
    assert.match(live[0].data["text/plain"], /^training: 20\/20 \(100%\) · done in/);
    assert.match(live[1].data["text/html"], /<svg/);
    assert.match(
      joinSource(
        code[5].outputs.map((o) => (o.output_type === "stream" ? joinSource(o.text) : "")).join(""),
      ),
      /^2\n$/,
    );
  });

  test("the HTML book: a page per notebook, an index, plotly.js copied locally", () => {
    for (const name of ["ok", "fail"])
      assert.ok(fs.existsSync(path.join(out, `${name}.html`)), name);
    assert.ok(fs.statSync(path.join(out, "assets", "plotly.min.js")).size > 3_000_000);
    const index = fs.readFileSync(path.join(out, "index.html"), "utf8");
    for (const name of ["ok", "fail"]) assert.match(index, new RegExp(`href="${name}\\.html"`));
    assert.match(index, /failed at cell 3/);
    const page = fs.readFileSync(path.join(out, "ok.html"), "utf8");
    assert.match(page, /<script src="assets\/plotly\.min\.js"><\/script>/);
    assert.match(page, /<h1 id="fixture-a-notebook-that-works">/);
    assert.match(page, /<span class="katex">/, "math is typeset");
    assert.match(page, /<link rel="stylesheet" href="assets\/katex\/katex\.min\.css">/);
    assert.ok(
      fs.existsSync(path.join(out, "assets", "katex", "fonts")),
      "KaTeX fonts copied beside the pages",
    );
    assert.doesNotMatch(page, /(src|href)="https?:/, "no remote resources");
  });

  test(
    "Chromium draws the page's charts without fetching anything",
    { skip: findChromium() ? false : CHROMIUM_MISSING },
    async () => {
      const browser = await launch(findChromium()!);
      try {
        const check = await checkPage(browser, path.join(out, "ok.html"), {
          expectCharts: 2,
          screenshot: path.join(root, "build", "screenshots", "fixture-ok.png"),
        });
        assert.deepEqual(check.external, []);
        assert.deepEqual(check.errors, []);
        assert.equal(check.charts, 2);
      } finally {
        await browser.close();
      }
    },
  );
});

describe("runner internals", () => {
  test("messages are signed with HMAC-SHA256 and round-trip", () => {
    const msg: Message = {
      header: {
        msg_id: "1",
        msg_type: "execute_request",
        session: "s",
        username: "u",
        date: "d",
        version: "5.3",
      },
      parent_header: {},
      metadata: {},
      content: { code: "1 + 1" },
    };
    const frames = encode("key", msg).map((f) => Buffer.from(f));
    assert.equal(frames[0].toString(), "<IDS|MSG>");
    assert.equal(frames[1].toString(), sign("key", frames.slice(2, 6)));
    assert.deepEqual(decode("key", [Buffer.from("identity"), ...frames]), msg);
    assert.throws(() => decode("other key", frames), /invalid HMAC/);
  });

  test("a bad per-cell limit is refused, naming where it came from", async () => {
    const fromEnv = await runCli(["--quick", fixture("ok")], { BATCHLAB_CELL_TIMEOUT: "soon" });
    assert.equal(fromEnv.code, 2);
    assert.match(
      fromEnv.stderr,
      /BATCHLAB_CELL_TIMEOUT needs a positive number of seconds, got "soon"/,
    );
    const fromFlag = await runCli(["--quick", "--timeout", "0", fixture("ok")]);
    assert.equal(fromFlag.code, 2);
    assert.match(fromFlag.stderr, /--timeout needs a positive number of seconds, got "0"/);
  });

  /** One cell run on test/fixtures/fake-kernel.cjs in the given mode; the run's failure message. */
  async function onFakeKernel(mode: string): Promise<string> {
    const nb: Notebook = {
      cells: [
        {
          cell_type: "code",
          id: "a",
          metadata: {},
          source: "anything",
          outputs: [],
          execution_count: null,
        },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    };
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const run = await runNotebook(nb, {
      kernelArgv: [
        process.execPath,
        path.join(fixtures, "fake-kernel.cjs"),
        "{connection_file}",
        mode,
      ],
      cwd: root,
      env,
      cellTimeoutMs: 60_000,
      log: () => {},
      label: mode,
    });
    assert.equal(run.failure?.kind, "error");
    return run.failure.message;
  }

  test("an error text that arrives after the kernel's reply is reported: a cell ends at its idle, not at its reply", async () => {
    assert.match(await onFakeKernel("late-stderr"), /^Error: reported after the reply$/);
  });

  test("a cell that fails with no message at all: the reply, the messages that came and the missing idle are reported", async () => {
    const message = await onFakeKernel("lost-idle");
    assert.match(message, /^the cell failed without an error message: /);
    assert.match(message, /the reply: \{"status":"error","execution_count":1\}/);
    assert.match(message, /the cell's messages: status ×1, stream \(stdout\) ×1/);
    assert.match(
      message,
      /its "idle" status never came \(waited 10 s\): messages the kernel published for this cell were lost/,
    );
  });

  test("the book's front page is the course: title, what it teaches, each chapter with the README's summary and its thumbnail, the run in small print, the chapter navigation", () => {
    const summaries = readmeSummaries();
    const chapters = fs
      .readdirSync(path.join(root, "notebooks"))
      .filter((f) => f.endsWith(".ipynb"))
      .map((f) => f.replace(/\.ipynb$/, ""));
    assert.deepEqual(
      [...summaries.keys()].sort(),
      chapters.sort(),
      "the README's table lists every chapter",
    );
    assert.match(
      summaries.get("00-start-here")!,
      /^Checks the kernel, the library and the tensor backend, and runs a first minibatch SGD to the noise floor\.$/,
      "without the run time in italics",
    );
    const entries = ["00-start-here", "01-update-rule"].map((name, i) => ({
      title: `Chapter ${i}`,
      href: `${name}.html`,
      ipynbHref: `notebooks/${name}.ipynb`,
      source: `notebooks/${name}.ipynb`,
      failure: null,
      seconds: 1.5,
      charts: 2,
      claims: { checked: 5, failed: i, failures: i ? ["✗ a claim"] : [] },
    }));
    const html = renderIndex(entries, { quick: true, generated: new Date(0) });
    assert.match(html, new RegExp(`<h1>${COURSE.title}</h1>`));
    assert.ok(
      html.includes(summaries.get("00-start-here")!) &&
        html.includes(summaries.get("01-update-rule")!),
      "each chapter's summary",
    );
    assert.equal(
      html.match(/<img src="data:image\/png;base64,/g)?.length,
      2,
      "each chapter's thumbnail, inlined",
    );
    assert.match(
      html,
      /<p class="meta"><span class="status">ok<\/span> notebooks\/00-start-here\.ipynb · 2 charts · 5 claims checked · 1\.5 s/,
    );
    assert.match(html, /<span class="status failed">1 claim failed<\/span>/);
    assert.match(
      html,
      /<nav class="chapters"><ol><li><a href="00-start-here\.html">Chapter 0<\/a><\/li><li><a href="01-update-rule\.html">Chapter 1<\/a><\/li><\/ol><\/nav>/,
    );
  });

  test("the key line of an error text", () => {
    assert.equal(
      keyLine("evalmachine.<anonymous>:5\nthrow x;\n^\n\nError: boom\n    at foo"),
      "Error: boom",
    );
    assert.equal(
      keyLine("1:7 - Type 'string' is not assignable to type 'number'."),
      "1:7 - Type 'string' is not assignable to type 'number'.",
    );
    assert.equal(
      keyLine("note\nUncaughtException: TypeError: x is undefined"),
      "UncaughtException: TypeError: x is undefined",
    );
  });

  test("markdown: headings, emphasis, code, lists, tables, math typeset with KaTeX", () => {
    const html = renderMarkdown(
      [
        "# Batch size *m*",
        "",
        "Text with **bold**, _em_, `a < b` and $\\frac{1}{m} \\sum_i g_i$ and a [link](02-noise.ipynb#top).",
        "",
        "- one",
        "- two",
        "  - nested",
        "",
        "1. first",
        "2. second",
        "",
        "| m | loss |",
        "|--:|------|",
        "| 8 | 0.3 |",
        "",
        "```ts",
        "const x = 1 < 2;",
        "```",
        "",
        "$$",
        "\\mathbb{E}[g] = \\nabla L",
        "$$",
        "> quoted",
        "",
        "<script>alert(1)</script> <sub>ok</sub>",
      ].join("\n"),
      { link: (h) => h.replace(/\.ipynb/, ".html") },
    );
    assert.match(html, /<h1 id="batch-size-m">Batch size <em>m<\/em><\/h1>/);
    assert.match(html, /<strong>bold<\/strong>, <em>em<\/em>, <code>a &lt; b<\/code>/);
    // math is typeset by KaTeX (its MathML copy keeps the TeX source), with no emphasis inside it
    assert.match(
      html,
      /<span class="katex"><span class="katex-mathml"><math[^>]*><semantics>[\s\S]*?<annotation encoding="application\/x-tex">\\frac\{1\}\{m\} \\sum_i g_i<\/annotation>/,
    );
    assert.match(html, /<a href="02-noise\.html#top">link<\/a>/);
    assert.match(html, /<ul><li>one<\/li><li>two\n?<ul><li>nested<\/li><\/ul><\/li><\/ul>/);
    assert.match(html, /<ol><li>first<\/li><li>second<\/li><\/ol>/);
    assert.match(html, /<th style="text-align:right">m<\/th>/);
    assert.match(html, /<pre><code class="language-ts">const x = 1 &lt; 2;<\/code><\/pre>/);
    assert.match(
      html,
      /<div class="math display"><span class="katex-display">[\s\S]*?<annotation encoding="application\/x-tex">\\mathbb\{E\}\[g\] = \\nabla L<\/annotation>/,
    );
    assert.match(html, /<blockquote><p>quoted<\/p><\/blockquote>/);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; <sub>ok<\/sub>/);
  });
});
