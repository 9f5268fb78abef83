// The gallery page of `npm run figures`: every figure of the course as a card with its title, the
// claim it backs, what it reproduces, the notebook cell that makes it and its settings, linking to
// the PNG, the SVG and the interactive HTML file.

import type { CollectedFigure } from "./collect";
import { escapeHtml } from "../../src/util/format";
import { pageColorVariables } from "../../src/plots/style";

export interface GalleryFigure extends CollectedFigure {
  files: { png: string; svg: string; html: string; thumbnail: string };
  /** Relative link to the notebook's page of the HTML book, with the cell's anchor. */
  bookHref: string | null;
  /** Whether the data behind the figure equal those of the previous run (null: no previous run). */
  sameAsPrevious: boolean | null;
}

export interface GalleryInfo {
  quick: boolean;
  generated: Date;
  /** Notebook name → its title and whether it ran without error. */
  notebooks: Array<{ name: string; title: string; ok: boolean; seconds: number }>;
}

export { escapeHtml };

function configText(config: Record<string, unknown>): string {
  const entries = Object.entries(config);
  return entries.length === 0
    ? ""
    : entries
        .map(([k, v]) => `${k} = ${typeof v === "string" ? v : JSON.stringify(v)}`)
        .join(" · ");
}

const STYLE = `
${pageColorVariables()}
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 0; color: var(--gallery-ink); background: var(--gallery-bg); }
header { padding: 18px 28px; background: var(--page); border-bottom: 1px solid var(--gallery-line); }
header h1 { margin: 0 0 6px; font-size: 22px; }
header p { margin: 2px 0; color: var(--gallery-muted); font-size: 14px; }
main { padding: 20px 28px 40px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
h2 .status { font-weight: normal; color: var(--gallery-failed); font-size: 14px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 16px; }
.card { background: var(--page); border: 1px solid var(--gallery-line); border-radius: 6px; padding: 12px 14px; }
.card img { width: 100%; height: auto; border: 1px solid var(--gallery-img-line); background: var(--page); }
.card h3 { font-size: 15px; margin: 8px 0 4px; }
.card .claim { margin: 4px 0; font-size: 14px; }
.card dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 8px 0 4px; font-size: 12.5px; color: var(--gallery-text); }
.card dt { color: var(--gallery-dt); }
.card dd { margin: 0; word-break: break-word; }
.card .links a { margin-right: 12px; font-size: 13px; }
code { font-size: 12px; }
`;

function card(f: GalleryFigure): string {
  const where = `${f.notebook}.ipynb, cell ${f.cellNumber}${f.executionCount !== null ? ` (In [${f.executionCount}])` : ""}`;
  const config = configText(f.config);
  const rows: Array<[string, string]> = [
    ["reproduces", escapeHtml(f.source)],
    [
      "made by",
      f.bookHref
        ? `<a href="${escapeHtml(f.bookHref)}">${escapeHtml(where)}</a>`
        : escapeHtml(where),
    ],
    ["seed / config", config ? escapeHtml(config) : "see the cell"],
    [
      "id",
      `<code>${escapeHtml(f.id)}</code>${f.sameAsPrevious === null ? "" : f.sameAsPrevious ? " · data identical to the previous run" : " · data changed since the previous run"}`,
    ],
  ];
  return `<div class="card" id="${escapeHtml(f.id)}">
<a href="${escapeHtml(f.files.html)}"><img src="${escapeHtml(f.files.thumbnail)}" alt="${escapeHtml(f.title || f.id)}"></a>
<h3>${escapeHtml(f.title || f.id)}</h3>
${f.claim ? `<p class="claim">${escapeHtml(f.claim)}</p>` : ""}
<dl>${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("")}</dl>
<div class="links"><a href="${escapeHtml(f.files.html)}">interactive</a><a href="${escapeHtml(f.files.png)}">PNG</a><a href="${escapeHtml(f.files.svg)}">SVG</a></div>
</div>`;
}

/** The gallery page, figures grouped by notebook in course order. */
export function renderGallery(figures: GalleryFigure[], info: GalleryInfo): string {
  const sections = info.notebooks.map((nb) => {
    const mine = figures.filter((f) => f.notebook === nb.name);
    const status = nb.ok
      ? ""
      : ` <span class="status">(the notebook failed: figures after the failing cell are missing)</span>`;
    return `<h2>${escapeHtml(nb.title)} <small>· ${mine.length} ${mine.length === 1 ? "figure" : "figures"}</small>${status}</h2>
<div class="grid">${mine.map(card).join("\n")}</div>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>batchlab · figures</title><style>${STYLE}</style></head>
<body><header><h1>batchlab · every figure of the course</h1>
<p>${figures.length} figures from ${info.notebooks.length} notebooks, ${info.quick ? "<strong>quick mode</strong> (small budgets: not lecture quality)" : "full mode"}, generated ${escapeHtml(info.generated.toISOString().replace("T", " ").slice(0, 16))} UTC by <code>npm run figures</code>.</p>
<p>Each card links to the interactive figure (plotly.js, offline), a PNG at twice the screen resolution and an SVG. The data behind a figure depend only on its notebook's seeds, except measured times, which depend on the machine.</p>
</header><main>
${sections.join("\n")}
</main></body></html>
`;
}

/** A standalone interactive page for one figure; plotly.js comes from a local file, never a CDN. */
export function renderFigurePage(f: CollectedFigure, plotlyHref: string): string {
  const spec = JSON.stringify({
    ...f.spec,
    config: { responsive: true, displaylogo: false, ...(f.spec.config ?? {}) },
  })
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  const height = typeof f.spec.layout?.height === "number" ? f.spec.layout.height : 420;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(f.title || f.id)} · batchlab</title>
<style>${pageColorVariables()} body { font-family: system-ui, sans-serif; margin: 16px 24px; color: var(--gallery-ink); } p { max-width: 60em; font-size: 14px; color: var(--gallery-text); }</style>
<script src="${escapeHtml(plotlyHref)}"></script></head>
<body><p><a href="../index.html">← all figures</a></p><div id="figure" style="width:100%;min-height:${height}px"></div>
${f.claim ? `<p><strong>Claim.</strong> ${escapeHtml(f.claim)}</p>` : ""}
<p>Reproduces: ${escapeHtml(f.source)} · made by ${escapeHtml(f.notebook)}.ipynb, cell ${f.cellNumber}</p>
<script>
(function () {
  var spec = ${spec};
  var el = document.getElementById("figure");
  if (!window.Plotly) { el.textContent = "plotly.js did not load (${escapeHtml(plotlyHref)} is missing)."; return; }
  window.Plotly.newPlot(el, spec);
})();
</script></body></html>
`;
}
