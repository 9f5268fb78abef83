// Opens HTML pages in a real headless Chromium (playwright-core, the system's chromium) and checks
// that the Plotly charts were drawn and that nothing was fetched from outside the machine.

import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";
import type { Browser } from "playwright-core";

// One browser setup for the project: the same flags and lookup as `npm run figures`.
export { findChromium, launchChromium as launch } from "../../scripts/figures/render";

export const CHROMIUM_MISSING =
  "chromium not found on PATH: install it with `apt-get install chromium` (Debian/Ubuntu), then re-run npm test";

/** True for URLs that do not leave the machine. */
export function isLocalUrl(url: string): boolean {
  if (/^(file|data|blob|about):/i.test(url)) return true;
  try {
    const u = new URL(url);
    return ["localhost", "127.0.0.1", "[::1]", "::1"].includes(u.hostname);
  } catch {
    return false;
  }
}

export interface PageCheck {
  /** Plotly plots with an SVG drawn. */
  charts: number;
  /** Requests that tried to leave the machine (all were blocked or answered locally). */
  external: string[];
  /** Uncaught page errors. */
  errors: string[];
}

export interface CheckOptions {
  /** Wait until this many charts are drawn (or the timeout). */
  expectCharts: number;
  screenshot?: string;
  /**
   * Local answers for known external URLs of a template (e.g. nbconvert's require.js): return a
   * script body to answer the request here (reported in `stubbed`), or null to block it (reported
   * in `external`).
   */
  stub?: (url: string) => string | null;
  timeoutMs?: number;
}

/** Counts drawn charts the way the tests define it: .js-plotly-plot elements holding a .main-svg. */
const COUNT_CHARTS = () =>
  Array.from(document.querySelectorAll(".js-plotly-plot")).filter(
    (el) => el.querySelector(".main-svg") !== null,
  ).length;

export async function checkPage(
  browser: Browser,
  file: string,
  options: CheckOptions,
): Promise<PageCheck & { stubbed: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const external: string[] = [];
  const stubbed: string[] = [];
  const errors: string[] = [];
  await context.route("**/*", async (route) => {
    const url = route.request().url();
    if (isLocalUrl(url)) return route.continue();
    const body = options.stub ? options.stub(url) : null;
    if (body !== null) {
      stubbed.push(url);
      return route.fulfill({ status: 200, contentType: "application/javascript", body });
    }
    external.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(e.message));
  try {
    await page.goto(pathToFileURL(file).href, {
      waitUntil: "load",
      timeout: options.timeoutMs ?? 60000,
    });
    if (options.expectCharts > 0) {
      await page
        .waitForFunction(`(${COUNT_CHARTS.toString()})() >= ${options.expectCharts}`, undefined, {
          timeout: options.timeoutMs ?? 30000,
          polling: 100,
        })
        .catch(() => undefined);
    }
    // Let late scripts settle (Plotly's responsive relayout), then count.
    await page.waitForTimeout(200);
    const charts = (await page.evaluate(`(${COUNT_CHARTS.toString()})()`)) as number;
    if (options.screenshot) {
      fs.mkdirSync(path.dirname(options.screenshot), { recursive: true });
      await page.screenshot({ path: options.screenshot, fullPage: true });
    }
    return { charts, external, stubbed, errors };
  } finally {
    await context.close();
  }
}

/**
 * nbconvert's HTML template loads require.js and MathJax from a CDN. The test answers those two
 * locally, with a minimal AMD `define` (so the page has the same require.js trap that plotly.js
 * must avoid) and an empty MathJax, and blocks everything else that is not local.
 */
export function nbconvertTemplateStub(url: string): string | null {
  if (/require(\.min)?\.js(\?|$)/.test(url)) {
    return [
      "(function () {",
      "  var modules = {};",
      "  window.define = function (name, deps, factory) {",
      "    if (typeof name !== 'string') { factory = deps; deps = name; name = '(anonymous)'; }",
      "    if (typeof deps === 'function') { factory = deps; }",
      "    modules[name] = typeof factory === 'function' ? factory() : factory;",
      "  };",
      "  window.define.amd = { jQuery: true };",
      "  window.require = window.requirejs = function (deps, cb) { if (cb) cb.apply(null, (deps || []).map(function (d) { return modules[d]; })); };",
      "  window.require.config = function () {};",
      "})();",
    ].join("\n");
  }
  if (/mathjax/i.test(url)) return "/* MathJax is not needed for these pages */";
  return null;
}
