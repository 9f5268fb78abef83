// Draws Plotly figures to files in headless Chromium: a PNG (and a small PNG thumbnail) from
// Plotly.toImage's canvas, and the SVG Plotly itself builds. The figure is laid out at a fixed
// size, so the image does not depend on any window, and it is drawn by the same plotly.js bundle
// the notebooks embed.

import * as fs from "fs";
import type { Browser, Page } from "playwright-core";
import { which } from "../runner/sign";
import { COLORS } from "../../src/plots/style";

/** The flags every headless Chromium of the project runs with (no GPU, no network chatter). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Why no browser could be found, and how to get one. */
export const CHROMIUM_MISSING =
  "npm run figures needs Chromium to draw the figures, and none was found: install it " +
  "(`apt-get install chromium` on Debian/Ubuntu, or any Chrome/Chromium) and make sure `chromium` is on PATH, " +
  "or set BATCHLAB_CHROMIUM to the browser's executable.";

/**
 * The browser to use: $BATCHLAB_CHROMIUM when set (it must exist), else the first of chromium,
 * chromium-browser, google-chrome on PATH. Null when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const explicit = env.BATCHLAB_CHROMIUM;
  if (explicit !== undefined && explicit !== "") return fs.existsSync(explicit) ? explicit : null;
  return which("chromium") ?? which("chromium-browser") ?? which("google-chrome");
}

export async function launchChromium(executablePath: string): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({ executablePath, args: CHROMIUM_ARGS, headless: true });
}

export interface FigureSpec {
  data: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
  frames?: unknown[];
}

export interface RenderSize {
  width: number;
  height: number;
}

/** Width and height a figure is drawn at: its own layout's, else 960 × 420 (the course's default height). */
export function renderSize(spec: FigureSpec): RenderSize {
  const layout = spec.layout ?? {};
  const width = typeof layout.width === "number" && layout.width > 0 ? layout.width : 960;
  const height = typeof layout.height === "number" && layout.height > 0 ? layout.height : 420;
  return { width: Math.round(width), height: Math.round(height) };
}

export interface RenderedFigure {
  png: Buffer;
  svg: string;
  thumbnail: Buffer;
  size: RenderSize;
}

export interface RenderOptions {
  /** Pixel ratio of the PNG (default 2: sharp on slides and high-density screens). */
  scale?: number;
  /** Width of the thumbnail in pixels (default 480). */
  thumbnailWidth?: number;
}

/** A page with plotly.js loaded from the local bundle; reuse it for every figure. */
export async function plotlyPage(browser: Browser, plotlyFile: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // Nothing may leave the machine: the figures are self-contained.
  await page.route("**/*", (route) =>
    /^(data|about|blob|file):/.test(route.request().url()) ? route.continue() : route.abort(),
  );
  await page.setContent(
    `<!doctype html><html><head><meta charset='utf-8'></head><body style='margin:0;background:${COLORS.background}'></body></html>`,
  );
  await page.addScriptTag({ content: fs.readFileSync(plotlyFile, "utf8") });
  return page;
}

function decodeDataUrl(url: string): Buffer {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0)
    throw new Error(`Plotly.toImage returned no data URL (${url.slice(0, 40)}…)`);
  const head = url.slice(0, comma);
  const body = url.slice(comma + 1);
  return head.endsWith(";base64")
    ? Buffer.from(body, "base64")
    : Buffer.from(decodeURIComponent(body), "utf8");
}

/** One picture Plotly.toImage makes of a drawn figure. */
export interface ImageRequest {
  format: "png" | "svg";
  /** Pixel ratio (default 1). */
  scale?: number;
}

/**
 * Draws one figure at its own size (renderSize) on a plotlyPage and returns the data URL of every
 * picture asked for, by name. The one drawing routine of the figure gallery and of the notebooks'
 * static images.
 */
export async function drawFigure<K extends string>(
  page: Page,
  spec: FigureSpec,
  requests: Record<K, ImageRequest>,
): Promise<Record<K, string>> {
  const size = renderSize(spec);
  return (await page.evaluate(
    async ({ spec, size, requests }) => {
      const P = (window as unknown as { Plotly: any }).Plotly;
      const el = document.createElement("div");
      el.style.width = `${size.width}px`;
      el.style.height = `${size.height}px`;
      document.body.appendChild(el);
      try {
        const layout = {
          ...(spec.layout ?? {}),
          width: size.width,
          height: size.height,
          autosize: false,
        };
        await P.newPlot(el, {
          data: spec.data,
          layout,
          frames: spec.frames,
          config: { ...(spec.config ?? {}), responsive: false },
        });
        const urls: Record<string, string> = {};
        for (const [name, r] of Object.entries(requests))
          urls[name] = await P.toImage(el, {
            width: size.width,
            height: size.height,
            format: r.format,
            scale: r.scale ?? 1,
          });
        return urls;
      } finally {
        P.purge(el);
        el.remove();
      }
    },
    { spec, size, requests: requests as Record<string, ImageRequest> },
  )) as Record<K, string>;
}

/** Draws one figure and returns its PNG, SVG and thumbnail. */
export async function renderFigure(
  page: Page,
  spec: FigureSpec,
  options: RenderOptions = {},
): Promise<RenderedFigure> {
  const size = renderSize(spec);
  const scale = options.scale ?? 2;
  const thumbScale = (options.thumbnailWidth ?? 480) / size.width;
  const urls = await drawFigure(page, spec, {
    png: { format: "png", scale },
    svg: { format: "svg" },
    thumbnail: { format: "png", scale: thumbScale },
  });
  return {
    png: decodeDataUrl(urls.png),
    svg: decodeDataUrl(urls.svg).toString("utf8"),
    thumbnail: decodeDataUrl(urls.thumbnail),
    size,
  };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height of a PNG, or null when the bytes are not a PNG. */
export function pngSize(bytes: Buffer): RenderSize | null {
  if (
    bytes.length < 24 ||
    !bytes.subarray(0, 8).equals(PNG_SIGNATURE) ||
    bytes.toString("ascii", 12, 16) !== "IHDR"
  )
    return null;
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}
