// show(figure): one Plotly figure as one display output, with three views of it:
//  - application/vnd.plotly.v1+json  the figure itself, for front ends with a Plotly renderer;
//  - text/html                       a div and a script that draws it with plotly.js, which is
//                                    embedded inline (from node_modules, never a CDN) in the first
//                                    figure of a kernel session; later figures wait for it. The div
//                                    holds a visible line (FALLBACK_CLASS) that the script replaces:
//                                    where scripts do not run (an untrusted notebook, GitHub's view)
//                                    the reader sees what the chart is and how to draw it, never an
//                                    empty box. In the notebooks `npm start` writes, the fallback
//                                    also holds a PNG of the chart (scripts/runner/static-images.ts);
//  - text/plain                      one line, "Figure: <title> (3 traces)".
// renderBundle is the pure part (tests call it); show sends the bundle, or prints the line when no
// notebook is listening.

import * as fs from "fs";
import { BatchlabArgumentError, checkObject } from "../util/validate";
import { readableLogAxes } from "../plots/ticks";
import { emitBundle, freshId, sessionState, type MimeBundle } from "./emit";
import { escapeHtml } from "../util/format";

export type PlotlyTrace = Record<string, unknown>;

/** A Plotly figure, as plotly.js takes it. */
export interface PlotlyFigure {
  data: PlotlyTrace[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** Animation frames (Plotly.animate); kept in the output so that an animated figure replays. */
  frames?: Record<string, unknown>[];
}

/**
 * What a figure is for, recorded in the output's metadata (under "batchlab") so that
 * `npm run figures` can list it in the gallery: a stable id, the one-line claim the figure backs,
 * and what it reproduces ("Shallue et al. 2019, Fig. 1", or "course" for the course's own).
 */
export interface FigureMeta {
  /** Stable name of the figure, used for its file names: letters, digits, "-", "_" and ".". */
  id: string;
  claim?: string;
  source?: string;
  /** Seed and settings that make the figure, as the gallery should print them. */
  config?: Record<string, string | number | boolean | null>;
}

export interface ShowOptions extends Partial<FigureMeta> {
  /** Embed plotly.js in this output even if an earlier output of the session has it. */
  embedPlotly?: boolean;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

const DEFAULT_CONFIG = { responsive: true, displaylogo: false };
/** How long a figure's script waits for plotly.js to appear before it gives up (ms). */
const WAIT_MS = 60000;

/** The figure's title text, or "" when it has none. */
export function figureTitle(figure: PlotlyFigure): string {
  const title = figure.layout ? figure.layout.title : undefined;
  if (typeof title === "string") return title;
  if (
    title &&
    typeof title === "object" &&
    typeof (title as { text?: unknown }).text === "string"
  ) {
    return (title as { text: string }).text;
  }
  return "";
}

/** "Figure: Loss against step (3 traces)": what a figure is, in one line. */
export function figureSummary(figure: PlotlyFigure): string {
  const n = Array.isArray(figure.data) ? figure.data.length : 0;
  const title = figureTitle(figure)
    .replace(/<[^>]*>/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return `Figure${title ? `: ${title}` : ""} (${n} ${n === 1 ? "trace" : "traces"})`;
}

/**
 * Plain JSON for plotly.js and for the notebook file: typed arrays become arrays, non-finite
 * numbers become null (a gap in a line), dates become ISO strings, undefined keys are dropped.
 */
export function toPlainJson(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" || typeof value === "boolean") return value;
  if (value instanceof Date) return value.toISOString();
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>, (v) => toPlainJson(v));
  }
  if (Array.isArray(value)) return value.map((v) => toPlainJson(v));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === "function") continue;
      out[k] = toPlainJson(v);
    }
    return out;
  }
  return null;
}

/** JSON that is safe inside an HTML <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

let plotlySource: string | null = null;

/** The path of the plotly.js bundle the course uses. */
export function plotlyPath(): string {
  return require.resolve("plotly.js-dist-min/plotly.min.js");
}

/**
 * A script that defines window.Plotly unless the page already has it. plotly.js runs inside a
 * function whose parameters shadow define/module/exports/require, so with require.js on the page
 * (classic Notebook, nbconvert's HTML) its UMD header still makes a global rather than an anonymous
 * AMD module.
 */
export function plotlyEmbedScript(): string {
  if (plotlySource === null) {
    const code = fs.readFileSync(plotlyPath(), "utf8");
    // Nothing inside may end or re-open the surrounding <script> element.
    const safe = code.replace(/<\/script/gi, "<\\/script").replace(/<!--/g, "<\\!--");
    plotlySource =
      "(function () {\n" +
      "if (window.Plotly && window.Plotly.newPlot) return;\n" +
      "(function (define, module, exports, require) {\n" +
      safe +
      "\n}).call(window);\n" +
      "})();";
  }
  return plotlySource;
}

/** Class of the element in a figure's HTML that stands in for the chart until the script draws it. */
export const FALLBACK_CLASS = "batchlab-fallback";

/**
 * "Chart: Loss against step. Run the cell (or trust the notebook) to draw it.", or, under a static
 * image, "Chart: Loss against step (static image). Run the cell (or trust the notebook) for the
 * interactive chart."
 */
export function fallbackLine(figure: PlotlyFigure, underImage = false): string {
  const title = figureTitle(figure)
    .replace(/<[^>]*>/g, "")
    .replace(/\s+/g, " ")
    .trim();
  const name = `Chart${title ? `: ${title}` : ""}`;
  return underImage
    ? `${name} (static image). Run the cell (or trust the notebook) for the interactive chart.`
    : `${name}. Run the cell (or trust the notebook) to draw it.`;
}

/** The fallback element as renderBundle writes it (FALLBACK_CLASS; one per figure's HTML). */
export const FALLBACK_PATTERN = /<div class="batchlab-fallback">[\s\S]*?<\/div>/;

/** A static picture of the chart, for the fallback: a data: URL and its size in CSS pixels. */
export interface FallbackImage {
  src: string;
  width: number;
  height: number;
}

/**
 * What stands in for the chart where scripts do not run: the line saying how to draw it, under a
 * static image of the chart when there is one.
 */
export function fallbackHtml(figure: PlotlyFigure, image?: FallbackImage): string {
  if (!image)
    return `<div class="${FALLBACK_CLASS}"><p>${escapeHtml(fallbackLine(figure))}</p></div>`;
  const alt = figureSummary(figure);
  return (
    `<div class="${FALLBACK_CLASS}">` +
    `<img src="${escapeHtml(image.src)}" alt="${escapeHtml(alt)}" width="${image.width}" height="${image.height}" style="max-width:100%;height:auto">` +
    `<p>${escapeHtml(fallbackLine(figure, true))}</p>` +
    `</div>`
  );
}

function drawScript(id: string, spec: unknown, summary: string, height: number): string {
  return `(function () {
  var id = ${JSON.stringify(id)};
  var spec = ${scriptJson(spec)};
  var t0 = Date.now();
  var found = null;
  function wait() {
    var waited = Date.now() - t0;
    var el = document.getElementById(id);
    if (!el) {
      // Not attached yet; or the output was removed since (then stop).
      if (!found && waited < ${WAIT_MS}) setTimeout(wait, 50);
      return;
    }
    found = el;
    if (window.Plotly && window.Plotly.newPlot) {
      // The fallback line (or static image) gives way to the chart.
      el.textContent = "";
      el.style.minHeight = "${height}px";
      window.Plotly.newPlot(el, spec);
      return;
    }
    // The figure that embeds plotly.js may render later (lazy rendering of long notebooks): keep
    // waiting, and say why the chart is missing meanwhile.
    if (waited > ${WAIT_MS} && !el.getAttribute("data-waiting")) {
      el.setAttribute("data-waiting", "1");
      el.textContent = ${scriptJson(summary + " - plotly.js is not loaded in this page: run the notebook from the top (the first figure of a session embeds it), or call show(fig, { embedPlotly: true }).")};
    }
    setTimeout(wait, waited < 10000 ? 50 : 1000);
  }
  wait();
})();`;
}

/**
 * The MIME bundle of a figure. Pure: the caller decides whether plotly.js is embedded. Log axes
 * without ticks of their own get readable ones (see plots/ticks.ts); nothing else is changed.
 */
export function renderBundle(
  shown: PlotlyFigure,
  options: { embedPlotly?: boolean; id?: string } = {},
): MimeBundle {
  const figure = readableLogAxes(shown);
  const spec = {
    data: toPlainJson(figure.data ?? []) as PlotlyTrace[],
    layout: (toPlainJson(figure.layout ?? {}) as Record<string, unknown>) ?? {},
    config: {
      ...DEFAULT_CONFIG,
      ...((toPlainJson(figure.config ?? {}) as Record<string, unknown>) ?? {}),
    },
    ...(figure.frames ? { frames: toPlainJson(figure.frames) as Record<string, unknown>[] } : {}),
  };
  const summary = figureSummary(figure);
  const id = options.id ?? freshId("batchlab-plot");
  const height = typeof spec.layout.height === "number" ? spec.layout.height : 420;
  // No height on the box itself: until the script draws, it is only as tall as its fallback line.
  const html =
    `<div class="batchlab-figure">` +
    `<div id="${escapeHtml(id)}" class="batchlab-plot" style="width:100%" title="${escapeHtml(summary)}">` +
    fallbackHtml(figure) +
    `</div>` +
    (options.embedPlotly ? `<script type="text/javascript">${plotlyEmbedScript()}</script>` : "") +
    `<script type="text/javascript">${drawScript(id, spec, summary, height)}</script>` +
    `</div>`;
  return {
    [PLOTLY_MIME]: spec,
    "text/html": html,
    "text/plain": summary,
  };
}

/** Throws unless `figure` looks like a Plotly figure: { data: trace objects[], layout?: object }. */
export function checkFigure(figure: unknown): asserts figure is PlotlyFigure {
  checkObject("figure", figure, "a Plotly figure { data: [traces], layout }");
  const { data, layout, config, frames } = figure as Partial<Record<keyof PlotlyFigure, unknown>>;
  if (!Array.isArray(data))
    throw new BatchlabArgumentError(
      "figure.data",
      data,
      "an array of traces (objects such as { x, y, type })",
    );
  data.forEach((trace, i) =>
    checkObject(`figure.data[${i}]`, trace, "a trace object such as { x, y, type }"),
  );
  if (layout !== undefined) checkObject("figure.layout", layout, "an object");
  if (config !== undefined) checkObject("figure.config", config, "an object");
  if (frames !== undefined && !Array.isArray(frames))
    throw new BatchlabArgumentError("figure.frames", frames, "an array of frames");
}

const FIGURE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The meta as plain JSON, after checking that its id can name a file. */
export function checkFigureMeta(meta: Partial<FigureMeta>): FigureMeta {
  if (typeof meta.id !== "string" || !FIGURE_ID.test(meta.id)) {
    throw new BatchlabArgumentError("options.id", meta.id, "", {
      message: `show(): options.id: a figure with a claim, source or config needs an id of letters, digits, '.', '_' or '-' (it names the figure's files), got ${JSON.stringify(meta.id)}`,
    });
  }
  return toPlainJson(meta) as FigureMeta;
}

/**
 * Shows a Plotly figure as a cell output. The first figure of a kernel session carries plotly.js
 * (about 4.8 MB); the others reuse it. Outside a notebook, prints the figure's one-line summary.
 * `show(fig, { id, claim, source, config })` records the figure's gallery entry (FigureMeta).
 */
export function show(figure: PlotlyFigure, options: ShowOptions = {}): void {
  checkFigure(figure);
  checkObject("options", options, "an object such as { id, claim }");
  const state = sessionState();
  const embed = options.embedPlotly === true || !state.plotlyEmbedded;
  const bundle = renderBundle(figure, { embedPlotly: embed });
  const { embedPlotly: _, ...meta } = options;
  const metadata = Object.keys(meta).length > 0 ? { batchlab: checkFigureMeta(meta) } : undefined;
  if (emitBundle(bundle, { metadata })) {
    if (embed) state.plotlyEmbedded = true;
  } else {
    console.log(bundle["text/plain"]);
  }
}
