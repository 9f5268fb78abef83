// What can be checked mechanically about a figure's readability, for the tests: colour distances,
// log-axis ticks, legend length, and "NaN" in printed tables.

/** CIELAB (D65) of an sRGB colour "#rrggbb". */
export function hexToLab(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  const lin = (h: string) => {
    const v = parseInt(h, 16) / 255;
    return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = [lin(m[1]), lin(m[2]), lin(m[3])];
  const x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  const z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))];
}

/** CIE76 colour difference ΔE*ab. */
export function deltaE(a: string, b: string): number {
  const p = hexToLab(a);
  const q = hexToLab(b);
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
}

type Json = Record<string, unknown>;

/** The layout keys of a figure's axes ("xaxis", "yaxis2", …). */
function axisKeys(layout: Json): string[] {
  return Object.keys(layout).filter((k) => /^[xy]axis\d*$/.test(k));
}

/**
 * Problems with the log axes of a figure: a log axis must label decades (dtick 1 or another whole
 * number of decades, or a multiple such as log10(4) for powers of two) or carry explicit tickvals;
 * Plotly's automatic ticks on a short log range label minor ticks with bare digits ("2", "5"), and
 * dtick "D1"/"D2" asks for exactly that.
 */
export function logAxisProblems(figure: { layout?: Json }): string[] {
  const layout = figure.layout ?? {};
  const problems: string[] = [];
  for (const key of axisKeys(layout)) {
    const axis = layout[key] as Json;
    if (!axis || axis.type !== "log") continue;
    if (Array.isArray(axis.tickvals) && axis.tickvals.length > 0) {
      if (!Array.isArray(axis.ticktext) || axis.ticktext.length !== axis.tickvals.length) {
        problems.push(`${key}: tickvals without one ticktext each`);
      }
      continue;
    }
    const dtick = axis.dtick;
    if (typeof dtick === "number" && dtick > 0) continue;
    problems.push(
      `${key}: log axis with ${dtick === undefined ? "automatic" : JSON.stringify(dtick)} ticks (neither whole decades nor explicit tickvals)`,
    );
  }
  return problems;
}

/** Legend entries a figure shows: traces with a name whose showlegend is not false (one per legend group). */
export function legendEntries(figure: { data: Json[]; layout?: Json }): string[] {
  if (figure.layout && figure.layout.showlegend === false) return [];
  const seen = new Set<string>();
  const names: string[] = [];
  for (const t of figure.data) {
    if (t.showlegend === false || t.visible === false) continue;
    if (typeof t.name !== "string" || t.name === "") continue;
    // Plotly hides the legend entry of contour, violin etc. only when told; scatter is the common case.
    const key =
      typeof t.legendgroup === "string" && t.legendgroup !== ""
        ? `${t.legendgroup}\u0000${t.name}`
        : `\u0000${t.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    names.push(t.name);
  }
  // A single trace gets no legend unless asked for.
  if (names.length === 1 && figure.layout?.showlegend !== true) return [];
  return names;
}

/** Room for legend entries: at most 10 in a vertical legend, or 22 px each within the figure's height. */
export const MAX_LEGEND_ENTRIES = 10;

export function legendProblems(figure: { data: Json[]; layout?: Json }): string[] {
  const entries = legendEntries(figure);
  const layout = figure.layout ?? {};
  const height = typeof layout.height === "number" ? layout.height : 420;
  const legend = (layout.legend ?? {}) as Json;
  const horizontal = legend.orientation === "h";
  // A horizontal legend wraps several entries per row: about three rows of entries per 60 px.
  const rows = horizontal ? Math.ceil(entries.length / 3) : entries.length;
  const problems: string[] = [];
  if (!horizontal && entries.length > MAX_LEGEND_ENTRIES)
    problems.push(
      `${entries.length} legend entries in a vertical legend (at most ${MAX_LEGEND_ENTRIES})`,
    );
  if (rows * 22 > height)
    problems.push(
      `${entries.length} legend entries need ${rows * 22} px, the figure is ${height} px high`,
    );
  return problems;
}

/** One problem found in an executed notebook: where, and what. */
export interface NotebookProblem {
  where: string;
  problem: string;
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string | string[];
}

const PLOTLY_MIME = "application/vnd.plotly.v1+json";
const joined = (v: unknown): string =>
  Array.isArray(v) ? v.join("") : typeof v === "string" ? v : "";

/**
 * The readability problems of an executed notebook's outputs: every figure's log axes and legend
 * (logAxisProblems, legendProblems), and "NaN" in any printed table (a message that names NaN, such as
 * an input check's, is not a table).
 */
export function notebookProblems(
  name: string,
  notebook: { cells: { cell_type: string; outputs?: Output[] }[] },
): NotebookProblem[] {
  const problems: NotebookProblem[] = [];
  notebook.cells.forEach((cell, c) => {
    if (cell.cell_type !== "code") return;
    for (const out of cell.outputs ?? []) {
      const where = `${name} cell ${c + 1}`;
      const figure = out.data?.[PLOTLY_MIME] as
        { data: Record<string, unknown>[]; layout?: Record<string, unknown> } | undefined;
      if (figure) {
        const title = (figure.layout?.title as { text?: string } | undefined)?.text ?? "";
        for (const p of [...logAxisProblems(figure), ...legendProblems(figure)])
          problems.push({ where: `${where} (${title})`, problem: p });
      }
      const html = joined(out.data?.["text/html"]);
      if (html.includes("batchlab-table") && /\bNaN\b/.test(html.replace(/<[^>]*>/g, " ")))
        problems.push({ where, problem: "NaN in a table" });
      if (html.includes("batchlab-table") && /\bNaN\b/.test(joined(out.data?.["text/plain"])))
        problems.push({ where, problem: "NaN in a table's text" });
    }
  });
  return problems;
}
