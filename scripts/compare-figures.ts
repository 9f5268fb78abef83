// Compares the figures of two executed copies of a notebook (e.g. one run with BATCHLAB_WORKERS=1,
// one with 2 workers): every Plotly figure, matched by its id, must have the same data, except the
// measured times, which no two runs share.
//
// Usage: tsx scripts/compare-figures.ts a.ipynb b.ipynb [--timed id:axis,...]...
//   --timed id:x2,x3   in figure `id`, the x values of the traces drawn on x axes 2 and 3 (and those
//                      axes' ranges) are measured times and are not compared; `id:x` means x axis 1.
// Figures whose data are times are listed in TIMED below; --timed adds to them.
// Exit status 1 when a figure differs or is missing from one of the two.

import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { isDeepStrictEqual } from "node:util";

const PLOTLY = "application/vnd.plotly.v1+json";

/** The course's figures whose x axis (or some of them) is measured seconds. */
export const TIMED: Record<string, string[]> = {
  "ch3-three-clocks": ["x3"],
  "ch3-d2l-race": ["x"],
};

interface Figure {
  data: Record<string, unknown>[];
  layout?: Record<string, unknown>;
}

/** Every figure of an executed notebook, by its id (or its position when it has none). */
export function figuresOf(file: string): Map<string, Figure> {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as {
    cells: { outputs?: { data?: Record<string, unknown>; metadata?: Record<string, unknown> }[] }[];
  };
  const out = new Map<string, Figure>();
  for (const cell of nb.cells) {
    for (const o of cell.outputs ?? []) {
      const fig = o.data?.[PLOTLY] as Figure | undefined;
      if (!fig) continue;
      const id =
        (o.metadata?.batchlab as { id?: string } | undefined)?.id ?? `figure ${out.size + 1}`;
      out.set(id, fig);
    }
  }
  return out;
}

/** The figure without its measured times: x of traces on the timed axes, and those axes' ranges and ticks. */
function withoutTimes(fig: Figure, axes: readonly string[]): Figure {
  if (axes.length === 0) return fig;
  const data = fig.data.map((trace) =>
    axes.includes((trace.xaxis as string | undefined) ?? "x")
      ? { ...trace, x: "(measured)" }
      : trace,
  );
  const layout = { ...(fig.layout ?? {}) };
  for (const axis of axes) {
    const key = `xaxis${axis.slice(1)}`;
    // The axis's range and its decade ticks follow the measured values.
    if (layout[key] && typeof layout[key] === "object")
      layout[key] = {
        ...(layout[key] as object),
        range: "(measured)",
        tickvals: "(measured)",
        ticktext: "(measured)",
      };
  }
  return { data, layout };
}

/** Lines describing how the two notebooks' figures differ (none: identical outside measured times). */
export function compareFigures(
  a: string,
  b: string,
  timed: Record<string, string[]> = TIMED,
): string[] {
  const [fa, fb] = [figuresOf(a), figuresOf(b)];
  const problems: string[] = [];
  for (const id of new Set([...fa.keys(), ...fb.keys()])) {
    const x = fa.get(id),
      y = fb.get(id);
    if (!x || !y) {
      problems.push(`${id}: only in ${x ? a : b}`);
      continue;
    }
    const [cx, cy] = [withoutTimes(x, timed[id] ?? []), withoutTimes(y, timed[id] ?? [])];
    if (cx.data.length !== cy.data.length)
      problems.push(`${id}: ${cx.data.length} traces against ${cy.data.length}`);
    else
      cx.data.forEach((t, i) => {
        if (!isDeepStrictEqual(t, cy.data[i])) {
          const keys = Object.keys({ ...t, ...cy.data[i] }).filter(
            (k) => !isDeepStrictEqual(t[k], cy.data[i][k]),
          );
          problems.push(
            `${id}: trace ${i} (${String(t.name ?? "")}) differs in ${keys.join(", ")}`,
          );
        }
      });
    if (!isDeepStrictEqual(cx.layout, cy.layout)) problems.push(`${id}: layouts differ`);
  }
  return problems;
}

if (require.main === module) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { timed: { type: "string", multiple: true } },
  });
  if (positionals.length !== 2) {
    console.error("usage: tsx scripts/compare-figures.ts a.ipynb b.ipynb [--timed id:x,x2]");
    process.exit(2);
  }
  const timed = { ...TIMED };
  for (const t of values.timed ?? []) {
    const [id, axes] = t.split(":");
    timed[id] = [...(timed[id] ?? []), ...(axes ?? "x").split(",")];
  }
  const problems = compareFigures(positionals[0], positionals[1], timed);
  const count = figuresOf(positionals[0]).size;
  if (problems.length === 0) console.log(`${count} figures identical outside measured times`);
  else console.log(problems.join("\n"));
  process.exit(problems.length === 0 ? 0 : 1);
}
