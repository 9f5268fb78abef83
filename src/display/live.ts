// Live outputs for long loops: a progress line and a growing loss curve, each one notebook output
// updated in place (update_display_data) rather than a new output per step. The curve is an inline
// SVG, so updates never need plotly.js. Outside a notebook both write throttled lines to stderr,
// which is what a console (or a log) wants.

import { emitBundle, freshId } from "./emit";
import type { PlotlyFigure } from "./show";
import { baseLayout, CATEGORICAL_PALETTE, colorForBatchSize, COLORS } from "../plots/style";
import { BatchlabArgumentError, checkString } from "../util/validate";
import { escapeHtml, formatDuration } from "../util/format";

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

interface Throttle {
  /** Calls `fn` now if enough time passed since the last call, else once later. */
  request(force?: boolean): void;
  cancel(): void;
}

function throttle(intervalMs: number, fn: () => void): Throttle {
  let last = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    last = Date.now();
    fn();
  };
  return {
    request(force = false) {
      const wait = last + intervalMs - Date.now();
      if (force || wait <= 0) run();
      else if (!timer) {
        timer = setTimeout(run, wait);
        (timer as { unref?: () => void }).unref?.();
      }
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/** A live output: shown once, then replaced in place; stderr lines when there is no notebook. */
class LiveOutput {
  private readonly displayId = freshId("batchlab-live");
  private shown = false;
  private notebook: boolean | null = null;

  /** Sends the bundle; returns false when no notebook listens (the caller then logs). */
  send(html: string, text: string): boolean {
    if (this.notebook === false) return false;
    const ok = emitBundle(
      { "text/html": html, "text/plain": text },
      { displayId: this.displayId, update: this.shown },
    );
    if (this.notebook === null) this.notebook = ok;
    if (ok) this.shown = true;
    return ok;
  }
}

export interface LiveProgress {
  /** `done` items of `total` are finished; `extra` is appended (e.g. "loss 0.31"). */
  update(done: number, extra?: string): void;
  /** Marks the loop finished (shows the total time). */
  done(extra?: string): void;
}

export interface LiveOptions {
  /** Minimum time between two notebook updates (default 250 ms). */
  minIntervalMs?: number;
  /** Minimum time between two stderr lines outside a notebook (default 2000 ms). */
  consoleIntervalMs?: number;
}

/** A progress line with elapsed time and ETA, updated in place. */
export function liveProgress(
  label: string,
  total: number,
  options: LiveOptions = {},
): LiveProgress {
  checkString("label", label);
  if (typeof total !== "number" || !Number.isFinite(total) || total < 0)
    throw new BatchlabArgumentError(
      "total",
      total,
      "a finite number ≥ 0 (the count at which the work is done)",
    );
  const out = new LiveOutput();
  const t0 = Date.now();
  let count = 0;
  let note = "";
  let finished = false;

  const line = (): string => {
    const elapsed = (Date.now() - t0) / 1000;
    const pct = total > 0 ? Math.min(100, (100 * count) / total) : 0;
    const parts = [
      `${label}: ${count}/${total} (${pct.toFixed(0)}%)`,
      `elapsed ${formatDuration(elapsed)}`,
    ];
    if (finished) parts[1] = `done in ${formatDuration(elapsed)}`;
    else if (count > 0 && total > count)
      parts.push(`ETA ${formatDuration((elapsed * (total - count)) / count)}`);
    if (note) parts.push(note);
    return parts.join(" · ");
  };
  const html = (text: string): string => {
    const pct = total > 0 ? Math.min(100, (100 * count) / total) : 0;
    return (
      `<div class="batchlab-progress" style="font:12px ui-monospace,Menlo,Consolas,monospace;display:flex;align-items:center;gap:8px">` +
      `<div style="width:160px;height:8px;background:${COLORS.grid};border-radius:4px;overflow:hidden;flex:none">` +
      `<div style="width:${pct.toFixed(1)}%;height:100%;background:${finished ? COLORS.green : COLORS.blue}"></div></div>` +
      `<span>${escapeHtml(text)}</span></div>`
    );
  };
  const notebookUpdate = throttle(options.minIntervalMs ?? 250, () => {
    const text = line();
    out.send(html(text), text);
  });
  const consoleUpdate = throttle(options.consoleIntervalMs ?? 2000, () =>
    process.stderr.write(line() + "\n"),
  );
  let inNotebook = out.send(html(line()), line());
  const request = (force: boolean) => {
    if (inNotebook) notebookUpdate.request(force);
    else consoleUpdate.request(force);
  };
  return {
    update(done: number, extra?: string) {
      if (finished) return;
      count = done;
      if (extra !== undefined) note = extra;
      request(false);
    },
    done(extra?: string) {
      if (finished) return;
      finished = true;
      count = Math.max(count, total);
      if (extra !== undefined) note = extra;
      notebookUpdate.cancel();
      consoleUpdate.cancel();
      if (inNotebook) inNotebook = out.send(html(line()), line());
      if (!inNotebook) process.stderr.write(line() + "\n");
    },
  };
}

export interface LiveCurveOptions extends LiveOptions {
  title?: string;
  xTitle?: string;
  yTitle?: string;
  /** Logarithmic y axis (non-positive values are skipped in the drawing). */
  yLog?: boolean;
  /** SVG size in pixels (default 520 × 200). */
  width?: number;
  height?: number;
  /** Colours by series name; "m = 64"-style names get the batch-size colour by default. */
  colors?: Record<string, string>;
}

export interface LiveCurve {
  /** Adds the point (x, y) to a series (default "loss") and redraws (throttled). */
  push(x: number, y: number, series?: string): void;
  /** Final redraw. */
  done(): void;
  /** The points so far as a Plotly figure (for show() once the loop is over). */
  figure(): PlotlyFigure;
}

const SERIES_COLORS = CATEGORICAL_PALETTE;

/** Keeps at most `max` points, evenly spread, always including the last one. */
function thin(xs: number[], ys: number[], max: number): Array<[number, number]> {
  const n = xs.length;
  const stride = Math.max(1, Math.ceil(n / max));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i += stride) out.push([xs[i], ys[i]]);
  if (n > 0 && (n - 1) % stride !== 0) out.push([xs[n - 1], ys[n - 1]]);
  return out;
}

type CurveSeries = Map<string, { xs: number[]; ys: number[] }>;

/** A series' colour: given by name, else the batch size's colour for "m = …", else the palette's next. */
function seriesColor(options: LiveCurveOptions, name: string, index: number): string {
  if (options.colors && options.colors[name]) return options.colors[name];
  const m = /^m\s*=\s*(\d+)$/.exec(name);
  return m ? colorForBatchSize(Number(m[1])) : SERIES_COLORS[index % SERIES_COLORS.length];
}

/** The curve as one line of text: each series' last point. */
function curveText(series: CurveSeries, options: LiveCurveOptions): string {
  const parts: string[] = [];
  for (const [name, s] of series) {
    const n = s.xs.length;
    if (n > 0)
      parts.push(
        `${name} ${formatNumber(s.ys[n - 1])} at ${options.xTitle ?? "x"} ${formatNumber(s.xs[n - 1])}`,
      );
  }
  return `${options.title || "live curve"}: ${parts.length > 0 ? parts.join(", ") : "no points yet"}`;
}

/** The curve as a small SVG: a frame with the extreme values as tick labels, one polyline and legend entry per series. */
function curveSvg(series: CurveSeries, options: LiveCurveOptions): string {
  const W = options.width ?? 520;
  const H = options.height ?? 200;
  const title = options.title ?? "";
  const yLog = options.yLog === true;
  const pad = { l: 58, r: 12, t: title ? 24 : 10, b: 30 };
  const fy = (v: number) => (yLog ? Math.log10(v) : v);
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (const s of series.values()) {
    for (let i = 0; i < s.xs.length; i++) {
      const x = s.xs[i],
        y = s.ys[i];
      if (!Number.isFinite(x) || !Number.isFinite(y) || (yLog && y <= 0)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, fy(y));
      y1 = Math.max(y1, fy(y));
    }
  }
  const has = Number.isFinite(x0);
  if (!has) {
    x0 = 0;
    x1 = 1;
    y0 = 0;
    y1 = 1;
  }
  if (x1 === x0) x1 = x0 + 1;
  if (y1 === y0) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const px = (x: number) => pad.l + ((x - x0) / (x1 - x0)) * (W - pad.l - pad.r);
  const py = (y: number) => H - pad.b - ((fy(y) - y0) / (y1 - y0)) * (H - pad.t - pad.b);
  const yLabel = (v: number) => formatNumber(yLog ? Math.pow(10, v) : v);
  let body = `<rect x="${pad.l}" y="${pad.t}" width="${W - pad.l - pad.r}" height="${H - pad.t - pad.b}" fill="${COLORS.background}" stroke="${COLORS.fainter}"/>`;
  const font = `font-family="system-ui,sans-serif" font-size="11" fill="${COLORS.axis}"`;
  body += `<text x="${pad.l - 4}" y="${pad.t + 9}" text-anchor="end" ${font}>${escapeHtml(yLabel(y1))}</text>`;
  body += `<text x="${pad.l - 4}" y="${H - pad.b}" text-anchor="end" ${font}>${escapeHtml(yLabel(y0))}</text>`;
  body += `<text x="${pad.l}" y="${H - pad.b + 14}" text-anchor="start" ${font}>${escapeHtml(formatNumber(x0))}</text>`;
  body += `<text x="${W - pad.r}" y="${H - pad.b + 14}" text-anchor="end" ${font}>${escapeHtml(formatNumber(x1))}</text>`;
  if (options.xTitle)
    body += `<text x="${(pad.l + W - pad.r) / 2}" y="${H - 6}" text-anchor="middle" ${font}>${escapeHtml(options.xTitle)}</text>`;
  if (options.yTitle)
    body += `<text x="12" y="${(pad.t + H - pad.b) / 2}" text-anchor="middle" transform="rotate(-90 12 ${(pad.t + H - pad.b) / 2})" ${font}>${escapeHtml(options.yTitle + (yLog ? " (log)" : ""))}</text>`;
  if (title)
    body += `<text x="${pad.l}" y="15" ${font} font-size="12" font-weight="600">${escapeHtml(title)}</text>`;
  let k = 0;
  let legendX = W - pad.r - 4;
  for (const [name, s] of series) {
    const color = seriesColor(options, name, k++);
    const pts = thin(s.xs, s.ys, 400)
      .filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!yLog || y > 0))
      .map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`)
      .join(" ");
    if (pts) body += `<polyline fill="none" stroke="${color}" stroke-width="1.6" points="${pts}"/>`;
    if (series.size > 1 || name !== "loss") {
      body += `<text x="${legendX}" y="${pad.t + 12}" text-anchor="end" ${font} fill="${color}">${escapeHtml(name)}</text>`;
      legendX -= 8 + 6.5 * name.length;
    }
  }
  return `<svg class="batchlab-live-curve" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${body}</svg>`;
}

/** A loss curve (one or more series) that grows in place while a loop runs. */
export function liveCurve(options: LiveCurveOptions = {}): LiveCurve {
  const out = new LiveOutput();
  const series: CurveSeries = new Map();
  const yLog = options.yLog === true;
  const text = (): string => curveText(series, options);
  const svg = (): string => curveSvg(series, options);
  const redraw = () => out.send(`<div>${svg()}</div>`, text());
  const notebookUpdate = throttle(options.minIntervalMs ?? 250, () => redraw());
  const consoleUpdate = throttle(options.consoleIntervalMs ?? 2000, () =>
    process.stderr.write(text() + "\n"),
  );
  let inNotebook = redraw();

  return {
    push(x: number, y: number, name = "loss") {
      let s = series.get(name);
      if (!s) series.set(name, (s = { xs: [], ys: [] }));
      s.xs.push(x);
      s.ys.push(y);
      if (inNotebook) notebookUpdate.request();
      else consoleUpdate.request();
    },
    done() {
      notebookUpdate.cancel();
      consoleUpdate.cancel();
      if (inNotebook) inNotebook = redraw();
      if (!inNotebook) process.stderr.write(text() + "\n");
    },
    figure(): PlotlyFigure {
      let k = 0;
      const data = [...series].map(([name, s]) => {
        const color = seriesColor(options, name, k++);
        return {
          type: "scatter",
          mode: "lines",
          name,
          x: [...s.xs],
          y: [...s.ys],
          line: { color, width: 2 },
        };
      });
      return {
        data,
        layout: baseLayout({
          title: options.title,
          xTitle: options.xTitle,
          yTitle: options.yTitle,
          yLog,
        }),
      };
    },
  };
}
