// Readability of the course's figures, where it can be checked without looking: one palette whose
// neighbouring batch sizes differ clearly, no colour spelled outside it, log axes with decade or
// explicit ticks, legends that fit. The same checks run on the executed notebooks' figures in
// test/notebooks.test.ts.

import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import {
  BATCH_SIZE_PALETTE,
  batchSizeStyle,
  CATEGORICAL_PALETTE,
  colorForBatchSize,
  COLORS,
  logTicks,
  MAX_COLOR_ONLY_SERIES,
  powerOfTwoTicks,
  readableLogAxes,
  tickText,
} from "../src/plots";
import { renderBundle, type PlotlyFigure } from "../src/display/show";
import {
  deltaE,
  hexToLab,
  legendProblems,
  logAxisProblems,
  notebookProblems,
} from "./helpers/readability";
import { renderTableBundle } from "../src/display/table";

const root = path.resolve(__dirname, "..");

test("batch-size palette: neighbours (m, 2m) differ by ΔE ≥ 15, two doublings apart by ΔE ≥ 25, all readable on white", () => {
  const ms = Array.from({ length: 15 }, (_, k) => 2 ** k);
  const colors = ms.map(colorForBatchSize);
  assert.deepEqual(colors, [...BATCH_SIZE_PALETTE]);
  for (let k = 1; k < colors.length; k++) {
    const d = deltaE(colors[k - 1], colors[k]);
    assert.ok(d >= 15, `m = ${ms[k - 1]} and ${ms[k]}: ΔE ${d.toFixed(1)} < 15`);
    // Lightness alone separates them too (a grey-scale print, a washed-out projector).
    const dL = Math.abs(hexToLab(colors[k - 1])[0] - hexToLab(colors[k])[0]);
    assert.ok(
      dL >= 15,
      `m = ${ms[k - 1]} and ${ms[k]}: lightness differs by ${dL.toFixed(1)} < 15`,
    );
  }
  for (let k = 2; k < colors.length; k++) {
    const d = deltaE(colors[k - 2], colors[k]);
    assert.ok(d >= 25, `m = ${ms[k - 2]} and ${ms[k]}: ΔE ${d.toFixed(1)} < 25`);
  }
  for (const c of colors) {
    const L = hexToLab(c)[0];
    assert.ok(L <= 70, `${c}: lightness ${L.toFixed(0)} is too pale for a thin line on white`);
  }
  // The old complaint: m = 64 and m = 256 in two near-identical teals.
  assert.ok(deltaE(colorForBatchSize(64), colorForBatchSize(256)) >= 25);
  assert.equal(
    colorForBatchSize(100),
    colorForBatchSize(128),
    "other sizes take the nearest power of two",
  );
});

test("categorical palette: every pair of series colours differs by ΔE ≥ 15", () => {
  for (let i = 0; i < CATEGORICAL_PALETTE.length; i++) {
    for (let j = i + 1; j < CATEGORICAL_PALETTE.length; j++) {
      const d = deltaE(CATEGORICAL_PALETTE[i], CATEGORICAL_PALETTE[j]);
      assert.ok(
        d >= 15,
        `${CATEGORICAL_PALETTE[i]} vs ${CATEGORICAL_PALETTE[j]}: ΔE ${d.toFixed(1)}`,
      );
    }
  }
  assert.ok(Object.values(COLORS).every((c) => /^#[0-9a-f]{6}$|^rgba\(/.test(c)));
});

test("more than MAX_COLOR_ONLY_SERIES batch sizes: every second one is dashed; up to it, none", () => {
  const few = [1, 4, 16, 64, 256];
  assert.ok(few.every((m) => batchSizeStyle(m, few).line.dash === undefined));
  const many = Array.from({ length: MAX_COLOR_ONLY_SERIES + 2 }, (_, k) => 2 ** k);
  const dashes = many.map((m) => batchSizeStyle(m, many).line.dash ?? "solid");
  assert.deepEqual(
    dashes,
    many.map((_, k) => (k % 2 === 1 ? "dash" : "solid")),
  );
  assert.equal(batchSizeStyle(64).line.dash, undefined, "without the figure's batch sizes: solid");
});

/** Every .ts file under dir. */
function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith(".ts") ? [p] : [];
  });
}

test("no colour literal outside plots/style.ts: not in src/, scripts/, bench/ or a notebook's code", () => {
  const literal =
    /#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?(?:[0-9a-fA-F]{2})?\b|\brgba?\s*\(|\bhsla?\s*\(/;
  // A colour literal is a quoted or CSS value starting with '#' followed by hex digits only (not
  // an escape such as "&#39;" or a "#1" in a sentence), or an rgb()/hsl() call.
  const colour = /["'`:(\s]#[0-9a-fA-F]{3,8}\b|rgba?\s*\(|hsla?\s*\(/;
  const offenders: string[] = [];
  const scan = (name: string, text: string) =>
    text.split("\n").forEach((line, k) => {
      if (literal.test(line) && colour.test(line))
        offenders.push(`${name}:${k + 1}: ${line.trim()}`);
    });
  for (const file of ["src", "scripts", "bench"].flatMap((dir) =>
    sourceFiles(path.join(root, dir)),
  )) {
    if (path.relative(root, file) === path.join("src", "plots", "style.ts")) continue;
    scan(path.relative(root, file), fs.readFileSync(file, "utf8"));
  }
  const notebooks = path.join(root, "notebooks");
  for (const name of fs.readdirSync(notebooks).filter((f) => f.endsWith(".ipynb"))) {
    const cells = JSON.parse(fs.readFileSync(path.join(notebooks, name), "utf8")).cells as {
      cell_type: string;
      source: string[];
    }[];
    cells.forEach((c, i) => c.cell_type === "code" && scan(`${name} cell ${i}`, c.source.join("")));
  }
  assert.deepEqual(
    offenders,
    [],
    "colours belong in src/plots/style.ts (COLORS, PAGE_COLORS, the palettes)",
  );
});

test("logTicks: decades when the range holds three or more, else 1-2-5 steps written out; never a bare minor digit", () => {
  assert.deepEqual(logTicks(1e-4, 3).ticktext, ["10⁻⁴", "10⁻³", "10⁻²", "10⁻¹", "1"]);
  assert.deepEqual(logTicks(0.05, 0.3).ticktext, ["0.05", "0.1", "0.2"]);
  assert.deepEqual(logTicks(0.3, 0.45).ticktext, ["0.3", "0.35", "0.4", "0.45"]);
  assert.deepEqual(logTicks(150, 900).tickvals, [200, 300, 500, 700]);
  assert.equal(logTicks(1e-9, 1e5).tickvals.length, 8, "beyond ten decades, every second one");
  assert.equal(tickText(2e5), "2×10⁵");
  assert.equal(tickText(0.5), "0.5");
  assert.deepEqual(powerOfTwoTicks(1, 64).ticktext, ["1", "2", "4", "8", "16", "32", "64"]);
  assert.deepEqual(powerOfTwoTicks(1, 4096).tickvals, [1, 4, 16, 64, 256, 1024, 4096]);
});

test("readableLogAxes: explicit ticks from the data on every log axis without its own; data untouched; shown figures get them", () => {
  const fig: PlotlyFigure = {
    data: [
      { type: "scatter", x: [1, 10, 100, 1000], y: [0.31, 0.35, 0.4, 0.44] },
      { type: "scatter", x: [2, 4], y: [1e-3, 1e-1], xaxis: "x2", yaxis: "y2" },
    ],
    layout: {
      xaxis: { type: "log", title: { text: "steps" } },
      yaxis: { type: "log" },
      xaxis2: { type: "log", title: { text: "batch size m" } },
      yaxis2: { type: "log", dtick: "D2" },
    },
  };
  const before = JSON.stringify(fig);
  assert.equal(logAxisProblems(fig as never).length, 4);
  const out = readableLogAxes(fig);
  assert.equal(JSON.stringify(fig), before, "the input is not modified");
  assert.deepEqual(out.data, fig.data);
  assert.deepEqual(logAxisProblems(out as never), []);
  const layout = out.layout as Record<string, { ticktext: string[] }>;
  assert.deepEqual(layout.xaxis.ticktext, ["1", "10", "10²", "10³"]);
  assert.ok(
    layout.yaxis.ticktext.every((t) => t.startsWith("0.")),
    layout.yaxis.ticktext.join(" "),
  );
  assert.deepEqual(layout.xaxis2.ticktext, ["2", "4"]);
  const spec = renderBundle(fig)["application/vnd.plotly.v1+json"] as {
    layout: Record<string, unknown>;
  };
  assert.deepEqual(logAxisProblems(spec as never), []);
});

test("legendProblems: a vertical legend of more than ten entries, or one taller than the figure, is flagged", () => {
  const traces = (n: number) =>
    Array.from({ length: n }, (_, k) => ({
      type: "scatter",
      name: `m = ${2 ** k}`,
      x: [1],
      y: [1],
    }));
  assert.deepEqual(legendProblems({ data: traces(8), layout: { height: 420 } }), []);
  assert.equal(legendProblems({ data: traces(12), layout: { height: 420 } }).length, 1);
  assert.deepEqual(
    legendProblems({ data: traces(12), layout: { height: 420, legend: { orientation: "h" } } }),
    [],
  );
  assert.deepEqual(
    legendProblems({ data: traces(12).map((t) => ({ ...t, showlegend: false })), layout: {} }),
    [],
  );
});

test("notebookProblems: finds a raw log axis and a NaN table in an executed notebook, and nothing in what show() and showTable() emit", () => {
  const raw = {
    data: [{ type: "scatter", x: [1, 2], y: [0.3, 0.4] }],
    layout: { yaxis: { type: "log" } },
  };
  const nanTable = {
    "text/html": `<table class="batchlab-table"><tr><td>NaN</td></tr></table>`,
    "text/plain": "NaN",
  };
  const before = {
    cells: [
      {
        cell_type: "code",
        outputs: [
          { output_type: "display_data", data: { "application/vnd.plotly.v1+json": raw } },
          { output_type: "display_data", data: nanTable },
        ],
      },
    ],
  };
  assert.equal(notebookProblems("nb", before).length, 3);
  const table = { numRows: () => 1, columnNames: () => ["ratio"], objects: () => [{ ratio: NaN }] };
  const after = {
    cells: [
      {
        cell_type: "code",
        outputs: [
          {
            output_type: "display_data",
            data: renderBundle(raw as PlotlyFigure) as Record<string, unknown>,
          },
          {
            output_type: "display_data",
            data: renderTableBundle(table) as Record<string, unknown>,
          },
        ],
      },
    ],
  };
  assert.deepEqual(notebookProblems("nb", after), []);
});
