// The HTML book: one static page per executed notebook and an index. Pages work offline from the
// file system: plotly.js is a local copy (assets/plotly.min.js) and figures are drawn from their
// application/vnd.plotly.v1+json output; nothing is fetched from the network.

import * as fs from "fs";
import * as path from "path";
import { escapeHtml, renderInline, renderMarkdown, type MarkdownOptions } from "./markdown";
import {
  PLOTLY_MIME,
  joinSource,
  notebookTitle,
  type CodeCell,
  type Notebook,
  type Output,
  type TextCell,
} from "./nbformat";
import { stripAnsi, type CellFailure } from "./execute";
import type { ClaimCount } from "./claims";
import { pageColorVariables } from "../../src/plots/style";

export interface PageLink {
  href: string;
  title: string;
}

export interface PageInfo {
  title: string;
  /** The notebook's path as the user knows it, e.g. notebooks/01-noise.ipynb. */
  source: string;
  /** Link to the executed .ipynb, relative to the page. */
  ipynbHref: string;
  prev?: PageLink;
  next?: PageLink;
  failure: CellFailure | null;
  /** The claims the notebook checked (src/claims); failed ones are listed at the top of the page. */
  claims?: ClaimCount;
  seconds: number;
  quick: boolean;
  /** Folder of the source notebook (for relative images in markdown). */
  notebookDir: string;
  /** Every chapter, for the navigation in the header; default: the notebooks beside this one. */
  chapters?: PageLink[];
}

/** The project's root (chapter thumbnails live in docs/thumbnails/<name>.png). */
const ROOT = path.resolve(__dirname, "..", "..");

/** The book's title and what the course teaches, at the top of the front page. */
export const COURSE = {
  title: "batchlab: batch size in SGD",
  about:
    "A short course on one number, the batch size <em>m</em>: how many examples are averaged in each " +
    "step of stochastic gradient descent. Each chapter is a TypeScript notebook that builds the piece it " +
    "needs, measures what <em>m</em> does to the gradient's noise, to the number of steps and seconds " +
    "training takes, to generalization and to memory, and checks its claims against the run that " +
    "printed them; the last chapter turns all of it into a way to choose <em>m</em> for your own data.",
};

/** The chapters of a book: the notebooks in a folder, in name order, with their titles. */
export function chaptersIn(dir: string): PageLink[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => {
      const name = f.replace(/\.ipynb$/, "");
      const nb = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Notebook;
      return { href: `${name}.html`, title: notebookTitle(nb, name) };
    });
}

/**
 * A chapter's one-paragraph summary, taken from the notebook itself: the first paragraph of text
 * after the title in its first markdown cell (for a chapter the README's table does not list yet,
 * so a new chapter needs no code here).
 */
export function chapterSummary(nb: Notebook): string {
  const first = nb.cells.find((c) => c.cell_type === "markdown");
  if (!first) return "";
  const blocks = joinSource(first.source)
    .split(/\n\s*\n/)
    .map((b) => b.trim());
  const para = blocks.find((b) => b !== "" && !/^(#|\$\$|[-*+] |\d+[.)] |>|\||```|<)/.test(b));
  return para ? renderInline(para.replace(/\s*\n\s*/g, " ")) : "";
}

/**
 * The chapters' summaries from the README's table of contents (one home: the README's "what it
 * shows" column, without the run time in italics at its end), by notebook name, as HTML.
 */
export function readmeSummaries(readme = path.join(ROOT, "README.md")): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(readme)) return out;
  const row = /^\|\s*\[[^\]]*\]\((?:\.\/)?notebooks\/([^)/]+)\.ipynb\)\s*\|(.*)\|.*\|\s*$/;
  for (const line of fs.readFileSync(readme, "utf8").split("\n")) {
    const m = row.exec(line);
    if (!m) continue;
    const summary = m[2].trim().replace(/\s*\*[^*]+\*$/, "");
    if (summary) out.set(m[1], renderInline(summary));
  }
  return out;
}

/** The README's thumbnail of a chapter, inlined so the front page stays one self-contained file. */
function thumbnail(name: string): string | null {
  const file = path.join(ROOT, "docs", "thumbnails", `${name}.png`);
  return fs.existsSync(file)
    ? `data:image/png;base64,${fs.readFileSync(file).toString("base64")}`
    : null;
}

function chapterNav(chapters: PageLink[], current: string): string {
  if (chapters.length === 0) return "";
  const links = chapters.map((c) =>
    c.href === current
      ? `<li aria-current="page">${escapeHtml(c.title)}</li>`
      : `<li><a href="${escapeHtml(c.href)}">${escapeHtml(c.title)}</a></li>`,
  );
  return `<nav class="chapters"><ol>${links.join("")}</ol></nav>`;
}

const CSS = `
${pageColorVariables()}
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif; background:var(--page); }
header.top { position:sticky; top:0; z-index:10; background:var(--bar); border-bottom:1px solid var(--line); padding:8px 24px; font-size:14px; display:flex; gap:16px; flex-wrap:wrap; align-items:center; }
header.top a { color:var(--accent); text-decoration:none; }
header.top .spacer { flex:1; }
main { max-width:1000px; margin:0 auto; padding:24px; }
h1,h2,h3,h4 { line-height:1.25; margin:1.4em 0 .5em; }
h1 { font-size:2em; margin-top:.4em; }
a { color:var(--accent); }
p, ul, ol, table, blockquote { margin:.6em 0; }
blockquote { border-left:4px solid var(--line); margin-left:0; padding-left:12px; color:var(--muted); }
code { font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace; font-size:.9em; background:var(--code); padding:.1em .3em; border-radius:4px; }
pre { background:var(--code); padding:10px 12px; border-radius:6px; overflow-x:auto; font-size:13.5px; line-height:1.45; }
pre code { background:none; padding:0; font-size:inherit; }
table { border-collapse:collapse; }
th, td { border:1px solid var(--line); padding:4px 10px; }
div.math.display { text-align:center; margin:.8em 0; }
.cell { margin:14px 0; scroll-margin-top:56px; }
.cell.code { display:grid; grid-template-columns:64px minmax(0,1fr); column-gap:8px; }
.prompt { color:var(--muted); font:12px ui-monospace,Menlo,Consolas,monospace; text-align:right; padding-top:12px; }
.cell.code pre.source { margin:0; border:1px solid var(--line); white-space:pre-wrap; overflow-wrap:anywhere; }
.outputs { grid-column:2; min-width:0; }
.output { margin:6px 0; overflow-x:auto; }
.output pre { background:none; padding:2px 0; margin:0; white-space:pre-wrap; overflow-wrap:anywhere; }
.output pre.stderr { background:var(--stderr-bg); padding:4px 8px; }
.output pre.error { background:var(--bad-bg); color:var(--bad); padding:6px 8px; }
.output img { max-width:100%; }
.batchlab-claim { font-family:ui-monospace,monospace; font-size:13.5px; white-space:pre-wrap; }
.batchlab-claim.failed { outline:2px solid var(--bad); }
.cell.failed pre.source { border-color:var(--bad); }
.cell.notrun { opacity:.55; }
.banner { border:1px solid var(--bad); background:var(--bad-bg); color:var(--bad); padding:10px 14px; border-radius:6px; }
.banner pre { background:none; color:var(--fg); margin:.4em 0 0; padding:0; white-space:pre-wrap; overflow-wrap:anywhere; }
.output pre.stderr, .output pre.error { white-space:pre-wrap; overflow-wrap:anywhere; }
.meta { color:var(--muted); font-size:14px; }
ul.book { list-style:none; padding:0; }
ul.book li { padding:10px 0; border-bottom:1px solid var(--line); display:flex; gap:12px; align-items:baseline; flex-wrap:wrap; }
ul.book .status { font-size:12px; padding:1px 8px; border-radius:10px; background:var(--ok-bg); color:var(--ok); }
ul.book .status.failed { background:var(--bad-pill); color:var(--bad); }
.plot { width:100%; min-height:420px; }
nav.chapters { flex-basis:100%; font-size:13px; }
nav.chapters ol { list-style:none; margin:0; padding:0; display:flex; flex-wrap:wrap; gap:4px 14px; }
nav.chapters li[aria-current] { font-weight:600; }
p.about { font-size:17px; max-width:760px; }
ol.chapters { list-style:none; padding:0; }
ol.chapters > li { display:grid; grid-template-columns:220px minmax(0,1fr); gap:16px; padding:14px 0; border-bottom:1px solid var(--line); }
ol.chapters img { width:220px; border:1px solid var(--line); border-radius:4px; }
ol.chapters h2 { font-size:1.15em; margin:0 0 .3em; }
ol.chapters p { margin:.2em 0; }
ol.chapters .status { font-size:12px; padding:1px 8px; border-radius:10px; background:var(--ok-bg); color:var(--ok); }
ol.chapters .status.failed { background:var(--bad-pill); color:var(--bad); }
`;

function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

function text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

const IMAGE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".svg": "image/svg+xml",
  ".webp": "image/webp",
};

function markdownOptions(cell: TextCell, notebookDir: string): MarkdownOptions {
  return {
    link: (href) => {
      if (/^[a-z]+:/i.test(href) || href.startsWith("#")) return href;
      return href.replace(/^(?:\.\/)?([^/#?]+)\.ipynb(?=$|#)/, "$1.html");
    },
    image: (src) => {
      if (src.startsWith("attachment:")) {
        const att = cell.attachments?.[src.slice("attachment:".length)];
        const mime = att && Object.keys(att)[0];
        return mime ? `data:${mime};base64,${text(att[mime]).replace(/\s/g, "")}` : src;
      }
      if (/^[a-z]+:/i.test(src) || src.startsWith("/")) return src;
      const file = path.resolve(notebookDir, src);
      const mime = IMAGE_TYPES[path.extname(file).toLowerCase()];
      try {
        if (mime && fs.statSync(file).size < 5e6)
          return `data:${mime};base64,${fs.readFileSync(file).toString("base64")}`;
      } catch {
        // leave the reference as it is
      }
      return src;
    },
  };
}

interface Figures {
  specs: Array<{ id: string; spec: unknown }>;
}

function renderOutput(o: Output, figures: Figures): string {
  if (o.output_type === "stream") {
    return `<div class="output"><pre class="${o.name}">${escapeHtml(stripAnsi(text(o.text)))}</pre></div>`;
  }
  if (o.output_type === "error") {
    const body = [
      o.ename && o.evalue ? `${o.ename}: ${o.evalue}` : o.ename || o.evalue,
      ...o.traceback.map(stripAnsi),
    ]
      .filter(Boolean)
      .join("\n");
    return `<div class="output"><pre class="error">${escapeHtml(body)}</pre></div>`;
  }
  const data = o.data ?? {};
  if (PLOTLY_MIME in data) {
    const id = `fig-${figures.specs.length + 1}`;
    figures.specs.push({ id, spec: data[PLOTLY_MIME] });
    const summary =
      typeof data["text/plain"] === "string" || Array.isArray(data["text/plain"])
        ? text(data["text/plain"])
        : "Figure";
    return `<div class="output"><div class="plot" id="${id}" title="${escapeHtml(summary)}"></div></div>`;
  }
  if ("text/html" in data) return `<div class="output html">${text(data["text/html"])}</div>`;
  if ("image/svg+xml" in data) return `<div class="output">${text(data["image/svg+xml"])}</div>`;
  for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
    if (mime in data)
      return `<div class="output"><img src="data:${mime};base64,${text(data[mime]).replace(/\s/g, "")}" alt=""></div>`;
  }
  if ("text/markdown" in data)
    return `<div class="output">${renderMarkdown(text(data["text/markdown"]))}</div>`;
  if ("application/json" in data)
    return `<div class="output"><pre>${escapeHtml(JSON.stringify(data["application/json"], null, 2))}</pre></div>`;
  if ("text/plain" in data)
    return `<div class="output"><pre>${escapeHtml(stripAnsi(text(data["text/plain"])))}</pre></div>`;
  return "";
}

function page(title: string, body: string, header: string, withPlotly: boolean, tail = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="assets/katex/katex.min.css">
<style>${CSS}</style>
${withPlotly ? `<script src="assets/plotly.min.js"></script>` : ""}
</head>
<body>
<header class="top">${header}</header>
<main>
${body}
</main>
${tail}
</body>
</html>
`;
}

/** One notebook as a static page. */
export function renderNotebookPage(nb: Notebook, info: PageInfo): string {
  const figures: Figures = { specs: [] };
  const parts: string[] = [];
  if (info.failure) {
    const f = info.failure;
    const where =
      f.cellIndex >= 0
        ? `<a href="#cell-${f.cellNumber}">cell ${f.cellNumber}</a>${f.executionCount !== null ? ` (In [${f.executionCount}])` : ""}`
        : "kernel start";
    parts.push(
      `<div class="banner"><strong>This notebook failed</strong> at ${where}; the cells after it were not run.<pre>${escapeHtml(f.message)}</pre></div>`,
    );
  }
  if (info.claims && info.claims.failed > 0) {
    const list = info.claims.failures.map((l) => `<li>${escapeHtml(l)}</li>`).join("");
    parts.push(
      `<div class="banner"><strong>${info.claims.failed} of ${info.claims.checked} claims failed</strong> in this run; they are marked ✗ where they are measured.<ul>${list}</ul></div>`,
    );
  }
  nb.cells.forEach((cell, i) => {
    const n = i + 1;
    if (cell.cell_type === "markdown") {
      parts.push(
        `<div class="cell markdown" id="cell-${n}">${renderMarkdown(joinSource(cell.source), markdownOptions(cell as TextCell, info.notebookDir))}</div>`,
      );
    } else if (cell.cell_type === "code") {
      const c = cell as CodeCell;
      const failed = info.failure !== null && info.failure.cellIndex === i;
      const notRun =
        info.failure !== null && info.failure.cellIndex >= 0 && i > info.failure.cellIndex;
      const cls = `cell code${failed ? " failed" : ""}${notRun ? " notrun" : ""}`;
      const prompt = `In [${c.execution_count ?? " "}]:`;
      const outputs = (c.outputs ?? []).map((o) => renderOutput(o, figures)).join("");
      parts.push(
        `<div class="${cls}" id="cell-${n}"><div class="prompt">${prompt}</div>` +
          `<pre class="source"><code class="language-typescript">${escapeHtml(joinSource(c.source))}</code></pre>` +
          `<div class="outputs">${outputs}</div></div>`,
      );
    } else {
      parts.push(
        `<div class="cell raw" id="cell-${n}"><pre>${escapeHtml(joinSource(cell.source))}</pre></div>`,
      );
    }
  });
  const header = [
    `<a href="index.html">batchlab</a>`,
    info.prev ? `<a href="${escapeHtml(info.prev.href)}">← ${escapeHtml(info.prev.title)}</a>` : "",
    info.next ? `<a href="${escapeHtml(info.next.href)}">${escapeHtml(info.next.title)} →</a>` : "",
    `<span class="spacer"></span>`,
    `<span class="meta">${escapeHtml(info.source)} · ${info.quick ? "quick mode" : "full run"} · ${info.seconds.toFixed(1)} s</span>`,
    `<a href="${escapeHtml(info.ipynbHref)}" download>.ipynb</a>`,
    chapterNav(
      info.chapters ?? chaptersIn(info.notebookDir),
      `${path.basename(info.source).replace(/\.ipynb$/, "")}.html`,
    ),
  ]
    .filter(Boolean)
    .join("");
  const tail = figures.specs.length
    ? `<script>
(function () {
  var figures = ${scriptJson(figures.specs)};
  figures.forEach(function (f) {
    var el = document.getElementById(f.id);
    var spec = f.spec || {};
    var config = Object.assign({ responsive: true, displaylogo: false }, spec.config || {});
    if (!window.Plotly) { el.textContent = "plotly.js did not load (assets/plotly.min.js is missing)."; return; }
    // The object form keeps animation frames, which the positional form would drop.
    window.Plotly.newPlot(el, { data: spec.data || [], layout: spec.layout || {}, config: config, frames: spec.frames });
  });
})();
</script>`
    : "";
  return page(`${info.title} · batchlab`, parts.join("\n"), header, figures.specs.length > 0, tail);
}

export interface IndexEntry {
  title: string;
  href: string;
  ipynbHref: string;
  source: string;
  failure: CellFailure | null;
  seconds: number;
  charts: number;
  claims?: ClaimCount;
  /** The chapter's summary as HTML; default: the README's (readmeSummaries), else chapterSummary of the source notebook. */
  summary?: string;
  /** The chapter's thumbnail (href or data: URL); default: docs/thumbnails/<name>.png, inlined. */
  thumbnail?: string | null;
}

function sourceNotebook(source: string): Notebook | null {
  try {
    return JSON.parse(fs.readFileSync(path.resolve(ROOT, source), "utf8")) as Notebook;
  } catch {
    return null;
  }
}

/**
 * The book's front page: the course (title, what it teaches), then every chapter in order with its
 * summary and thumbnail, and in small print how this run of it went (status, claims, seconds).
 */
export function renderIndex(
  entries: IndexEntry[],
  info: { quick: boolean; generated: Date },
): string {
  const failed = entries.filter((e) => e.failure || e.claims?.failed).length;
  const summaries = readmeSummaries();
  const items = entries
    .map((e) => {
      const name = path.basename(e.href).replace(/\.html$/, "");
      const nb = e.summary === undefined && !summaries.has(name) ? sourceNotebook(e.source) : null;
      const summary = e.summary ?? summaries.get(name) ?? (nb ? chapterSummary(nb) : "");
      const thumb = e.thumbnail === undefined ? thumbnail(name) : e.thumbnail;
      const bad = Boolean(e.failure || e.claims?.failed);
      const status = e.failure
        ? `failed at cell ${e.failure.cellNumber}`
        : e.claims?.failed
          ? `${e.claims.failed} ${e.claims.failed === 1 ? "claim" : "claims"} failed`
          : "ok";
      return (
        `<li><a href="${escapeHtml(e.href)}">${thumb ? `<img src="${escapeHtml(thumb)}" alt="">` : ""}</a><div>` +
        `<h2><a href="${escapeHtml(e.href)}">${escapeHtml(e.title)}</a></h2>` +
        (summary ? `<p>${summary}</p>` : "") +
        `<p class="meta"><span class="status${bad ? " failed" : ""}">${status}</span> ` +
        `${escapeHtml(e.source)} · ${e.charts} ${e.charts === 1 ? "chart" : "charts"}${e.claims ? ` · ${e.claims.checked} claims checked` : ""} · ${e.seconds.toFixed(1)} s · <a href="${escapeHtml(e.ipynbHref)}">.ipynb</a></p>` +
        `</div></li>`
      );
    })
    .join("\n");
  const body =
    `<h1>${escapeHtml(COURSE.title)}</h1>` +
    `<p class="about">${COURSE.about}</p>` +
    `<ol class="chapters">${items}</ol>` +
    `<p class="meta">${entries.length} notebooks, executed ${escapeHtml(info.generated.toISOString().replace("T", " ").slice(0, 16))} UTC` +
    ` (${info.quick ? "quick mode: small budgets, for checking" : "full run"})${failed ? `; <strong style="color:var(--bad)">${failed} failed</strong>` : ""}.</p>`;
  const nav = chapterNav(
    entries.map((e) => ({ href: e.href, title: e.title })),
    "index.html",
  );
  return page(
    "batchlab",
    body,
    `<a href="index.html">batchlab</a><span class="spacer"></span><span class="meta">the HTML book</span>${nav}`,
    false,
  );
}
