import { test } from "node:test";
import assert from "node:assert/strict";
import * as vm from "node:vm";
import * as aq from "arquero";
import {
  figureSummary,
  liveCurve,
  liveProgress,
  plotlyEmbedScript,
  renderBundle,
  renderTableBundle,
  show,
  showTable,
  toPlainJson,
  PLOTLY_MIME,
  type PlotlyFigure,
} from "../src/display";
import { baseLayout, batchSizeLabel, batchSizeStyle, colorForBatchSize } from "../src/plots";

const figure: PlotlyFigure = {
  data: [
    { type: "scatter", x: [1, 2, 3], y: new Float64Array([3, 2, NaN]), ...batchSizeStyle(8) },
    { type: "scatter", x: [1, 2, 3], y: [1, 1, 1], name: "flat" },
    { type: "bar", x: ["a"], y: [1] },
  ],
  layout: baseLayout({ title: "Loss against step", xTitle: "step", yTitle: "loss", yLog: true }),
};

/** Captures what the display module sends, by standing in for tslab's jupyter module. */
function withFakeTslab<T>(fn: (sent: Array<{ message: any; update: boolean }>) => T): T {
  const id = require.resolve("tslab/dist/jupyter");
  const saved = require.cache[id];
  const sent: Array<{ message: any; update: boolean }> = [];
  require.cache[id] = {
    id,
    filename: id,
    loaded: true,
    exports: {
      lastWriteDisplayData: (message: unknown, update?: boolean) =>
        sent.push({ message, update: update === true }),
    },
  } as any;
  const state = (globalThis as any).__batchlabDisplay__;
  (globalThis as any).__batchlabDisplay__ = undefined;
  try {
    return fn(sent);
  } finally {
    if (saved) require.cache[id] = saved;
    else delete require.cache[id];
    (globalThis as any).__batchlabDisplay__ = state;
  }
}

function captureConsole(stream: "stdout" | "stderr", fn: () => void): string {
  const original = process[stream].write;
  let out = "";
  (process[stream] as any).write = (chunk: unknown) => {
    out += String(chunk);
    return true;
  };
  try {
    fn();
  } finally {
    (process[stream] as any).write = original;
  }
  return out;
}

test("the bundle holds the figure as JSON, HTML that draws it, and a one-line summary", () => {
  const bundle = renderBundle(figure, { id: "fig-test" });
  assert.deepEqual(Object.keys(bundle).sort(), [PLOTLY_MIME, "text/html", "text/plain"].sort());

  const spec = bundle[PLOTLY_MIME] as { data: any[]; layout: any; config: any };
  assert.equal(typeof spec, "object", "the plotly MIME type carries a JSON object, not a string");
  assert.deepEqual(Object.keys(spec).sort(), ["config", "data", "layout"]);
  assert.equal(spec.data.length, 3);
  assert.deepEqual(spec.data[0].y, [3, 2, null], "typed arrays become arrays, NaN becomes a gap");
  assert.equal(spec.layout.yaxis.type, "log");
  assert.equal(spec.config.responsive, true);
  assert.doesNotThrow(() => JSON.stringify(spec));

  assert.equal(bundle["text/plain"], "Figure: Loss against step (3 traces)");

  const html = bundle["text/html"] as string;
  assert.match(html, /<div id="fig-test" class="batchlab-plot"/);
  assert.match(html, /Plotly\.newPlot/);
  // Where scripts do not run, the box says what it is and how to draw it.
  assert.match(
    html,
    /<div class="batchlab-fallback"><p>Chart: Loss against step\. Run the cell \(or trust the notebook\) to draw it\.<\/p><\/div>/,
  );
  assert.doesNotMatch(html, /https?:\/\//, "no CDN or other remote URL in the HTML");
  assert.ok(html.length < 20000, "without embedPlotly the HTML stays small");
});

test("plotly.js is embedded only when asked, and its script is safe inside <script>", () => {
  const html = renderBundle(figure, { embedPlotly: true })["text/html"] as string;
  assert.ok(html.length > 3_000_000, "plotly.js (several MB) is inline");
  const embed = plotlyEmbedScript();
  assert.doesNotMatch(embed, /<\/script/i);
  assert.doesNotMatch(embed, /<!--/);
  assert.match(
    embed,
    /function \(define, module, exports, require\)/,
    "require.js/AMD globals are shadowed",
  );
  assert.doesNotThrow(() => new vm.Script(embed), "the embedded script parses");
  // The drawing script parses too (the JSON in it is escaped for HTML).
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map(
    (m) => m[1],
  );
  assert.equal(scripts.length, 2);
  for (const s of scripts) assert.doesNotThrow(() => new vm.Script(s));
});

test("HTML-looking strings in a figure cannot break out of the script element", () => {
  const html = renderBundle({
    data: [{ type: "scatter", name: "</script><b>x</b>", x: [1], y: [1] }],
  })["text/html"] as string;
  assert.equal(html.split("</script>").length - 1, 1, "only the drawing script's own end tag");
});

test("show() inside tslab emits one display_data with three MIME types; plotly.js goes into the first only", () => {
  withFakeTslab((sent) => {
    show(figure);
    show(figure);
    assert.equal(sent.length, 2);
    for (const { message, update } of sent) {
      assert.equal(update, false);
      assert.deepEqual(
        Object.keys(message.data).sort(),
        [PLOTLY_MIME, "text/html", "text/plain"].sort(),
      );
      assert.deepEqual(message.metadata, {});
    }
    assert.ok(sent[0].message.data["text/html"].length > 3_000_000);
    assert.ok(sent[1].message.data["text/html"].length < 20000);
    show(figure, { embedPlotly: true });
    assert.ok(sent[2].message.data["text/html"].length > 3_000_000);
  });
});

test("show() outside a notebook prints the summary line and does not throw", () => {
  const out = captureConsole("stdout", () => show(figure));
  assert.equal(out, "Figure: Loss against step (3 traces)\n");
});

test("figure summaries", () => {
  assert.equal(figureSummary({ data: [] }), "Figure (0 traces)");
  assert.equal(
    figureSummary({ data: [{}], layout: { title: "Plain <b>title</b>" } }),
    "Figure: Plain title (1 trace)",
  );
  assert.deepEqual(toPlainJson({ a: undefined, b: Infinity, c: new Int8Array([1, -1]) }), {
    b: null,
    c: [1, -1],
  });
});

test("showTable: HTML table, aligned text, and a row limit with the rest counted", () => {
  const t = aq.table({
    m: [1, 2, 4, 8, 16],
    loss: [0.51234567, 0.4, 0.3, 0.25, 0.2],
    name: ["a", "b", "c", "d", "<e>"],
  });
  const bundle = renderTableBundle(t, { limit: 3 });
  const html = bundle["text/html"] as string;
  const text = bundle["text/plain"] as string;
  assert.equal((html.match(/<tr>/g) ?? []).length, 4, "header row + 3 rows");
  assert.match(html, /<th[^>]*>loss<\/th>/);
  assert.match(html, /0\.5123/);
  assert.match(html, /… 2 more rows/);
  assert.match(text, /^m {4}loss {2}name$/m);
  assert.match(text, /^2 {5}0\.4  b$/m, "numbers right-aligned");
  assert.match(text, /… 2 more rows$/);
  const all = renderTableBundle(t, { limit: 10 });
  assert.doesNotMatch(all["text/plain"] as string, /more rows/);
  assert.match(all["text/html"] as string, /&lt;e&gt;/);
  const printed = captureConsole("stdout", () => showTable(t, { limit: 2 }));
  assert.match(printed, /… 3 more rows/);
});

test("showTable: an undefined value prints as — with a footnote, never NaN", () => {
  const t = aq.table({ m: [2048, 64], ratio: [NaN, 0.98] });
  const bundle = renderTableBundle(t);
  for (const view of [bundle["text/html"] as string, bundle["text/plain"] as string]) {
    assert.doesNotMatch(view, /NaN/);
    assert.match(view, /—/);
    assert.match(view, /— not defined/);
  }
  assert.doesNotMatch(
    renderTableBundle(aq.table({ m: [1], ratio: [0.5] }))["text/plain"] as string,
    /not defined/,
    "no footnote without an undefined value",
  );
});

test("liveProgress inside tslab updates one output in place", async () => {
  await withFakeTslab(async (sent) => {
    const p = liveProgress("epochs", 4, { minIntervalMs: 0 });
    p.update(1, "loss 0.9");
    p.update(2);
    p.done("loss 0.1");
    assert.ok(sent.length >= 3);
    const ids = new Set(sent.map((s) => s.message.transient?.display_id));
    assert.equal(ids.size, 1, "one display id for all updates");
    assert.equal(sent[0].update, false);
    assert.ok(sent.slice(1).every((s) => s.update));
    const last = sent[sent.length - 1].message.data;
    assert.match(last["text/plain"], /^epochs: 4\/4 \(100%\) · done in .* · loss 0\.1$/);
    assert.match(last["text/html"], /batchlab-progress/);
    assert.equal(sent[1].message.data["text/plain"].includes("ETA"), true);
  });
});

test("liveProgress outside a notebook writes throttled lines to stderr", () => {
  const out = captureConsole("stderr", () => {
    const p = liveProgress("steps", 1000, { consoleIntervalMs: 60000 });
    for (let i = 1; i <= 1000; i++) p.update(i);
    p.done();
  });
  const lines = out.trim().split("\n");
  assert.ok(lines.length >= 1 && lines.length <= 2, `throttled: ${lines.length} lines`);
  assert.match(lines[lines.length - 1], /^steps: 1000\/1000 \(100%\) · done in/);
});

test("liveCurve draws an inline SVG, updates in place, and turns into a figure", () => {
  withFakeTslab((sent) => {
    const c = liveCurve({ title: "loss", xTitle: "step", yLog: true, minIntervalMs: 0 });
    for (let i = 1; i <= 50; i++) {
      c.push(i, 1 / i, "m = 4");
      c.push(i, 2 / i, "m = 64");
    }
    c.done();
    const last = sent[sent.length - 1].message.data;
    assert.match(last["text/html"], /<svg[^>]*class="batchlab-live-curve"/);
    assert.equal((last["text/html"].match(/<polyline/g) ?? []).length, 2);
    assert.ok(!last["text/html"].includes("Plotly"), "no plotly.js per update");
    assert.match(last["text/plain"], /m = 4 0\.02 at step 50/);
    assert.ok(
      sent.every((s) => s.message.transient?.display_id === sent[0].message.transient.display_id),
    );
    const fig = c.figure();
    assert.equal(fig.data.length, 2);
    assert.equal((fig.data[1] as any).line.color, colorForBatchSize(64));
  });
});

test("style: batch-size colours are stable, ordered along the palette, and named m = …", () => {
  assert.equal(batchSizeLabel(64), "m = 64");
  assert.equal(colorForBatchSize(64), colorForBatchSize(64));
  const colors = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384].map(
    colorForBatchSize,
  );
  assert.equal(new Set(colors).size, colors.length, "every doubling gets its own colour");
  for (const c of colors) assert.match(c, /^#[0-9a-f]{6}$/);
  assert.equal(colorForBatchSize(0.5), colorForBatchSize(1), "clamped below");
  assert.equal(colorForBatchSize(1e6), colorForBatchSize(16384), "clamped above");
  const layout = baseLayout({ title: "t", xTitle: "x", yTitle: "y", xLog: true });
  assert.equal((layout.xaxis as any).type, "log");
  assert.equal((layout.yaxis as any).type, "linear");
  assert.deepEqual((layout.xaxis as any).title, { text: "x" });
  assert.equal(batchSizeStyle(16).line.color, colorForBatchSize(16));
});
