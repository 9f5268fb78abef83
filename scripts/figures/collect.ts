// Finds every Plotly figure in executed notebooks, with where it was made (notebook, cell) and the
// gallery metadata show(figure, { meta }) attached to its output.

import { createHash } from "crypto";
import { PLOTLY_MIME, type CodeCell, type Notebook } from "../runner/nbformat";
import type { FigureSpec } from "./render";

export interface FigureMetaRecord {
  id?: string;
  claim?: string;
  source?: string;
  config?: Record<string, unknown>;
}

export interface CollectedFigure {
  /** Unique among all collected figures; names the files. */
  id: string;
  /** True when the id came from meta (show()'s, or the fallback table), false when it was made up from the position. */
  namedInNotebook: boolean;
  notebook: string;
  /** 0-based index into the notebook's cells, and the 1-based number the book's anchors use. */
  cellIndex: number;
  cellNumber: number;
  cellId: string | null;
  executionCount: number | null;
  /** The figure's position among the notebook's figures (1-based). */
  figureNumber: number;
  title: string;
  claim: string;
  source: string;
  config: Record<string, unknown>;
  spec: FigureSpec;
  /** SHA-256 of the figure's data and frames: equal for equal data, whatever the layout. */
  dataHash: string;
}

/** The title text of a Plotly layout, without HTML tags. */
export function specTitle(spec: FigureSpec): string {
  const title = spec.layout?.title as unknown;
  const text =
    typeof title === "string"
      ? title
      : title && typeof (title as { text?: unknown }).text === "string"
        ? (title as { text: string }).text
        : "";
  return text
    .replace(/<br\s*\/?>/gi, " ")
    .replace(/<[^>]*>/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** JSON with sorted keys, so that equal data hash equally. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${canonical(obj[k])}`)
    .join(",")}}`;
}

export function dataHash(spec: FigureSpec): string {
  return createHash("sha256")
    .update(canonical({ data: spec.data, frames: spec.frames ?? null }))
    .digest("hex");
}

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, "-")
      .replace(/^-+|-+$/g, "") || "figure"
  );
}

/**
 * The figures of one executed notebook, in order. `name` is the notebook's file name without
 * ".ipynb". Figures whose show() call gave no meta get the id "<name>-fig<k>", and then the meta
 * that `fallback` has under that id, if any.
 */
export function collectFigures(
  nb: Notebook,
  name: string,
  fallback: Readonly<Record<string, FigureMetaRecord>> = {},
): CollectedFigure[] {
  const out: CollectedFigure[] = [];
  nb.cells.forEach((cell, cellIndex) => {
    if (cell.cell_type !== "code") return;
    const code = cell as CodeCell;
    for (const o of code.outputs ?? []) {
      if (
        (o.output_type !== "display_data" && o.output_type !== "execute_result") ||
        !o.data ||
        !(PLOTLY_MIME in o.data)
      )
        continue;
      const spec = o.data[PLOTLY_MIME] as FigureSpec;
      const figureNumber = out.length + 1;
      const positional = `${slug(name)}-fig${figureNumber}`;
      const own = ((o.metadata ?? {}) as { batchlab?: FigureMetaRecord }).batchlab;
      const meta = own ?? fallback[positional] ?? {};
      const named = typeof meta.id === "string" && meta.id !== "";
      out.push({
        id: named ? slug(meta.id as string) : positional,
        namedInNotebook: named,
        notebook: name,
        cellIndex,
        cellNumber: cellIndex + 1,
        cellId: typeof code.id === "string" ? code.id : null,
        executionCount: code.execution_count,
        figureNumber,
        title: specTitle(spec),
        claim: typeof meta.claim === "string" ? meta.claim : "",
        source: typeof meta.source === "string" && meta.source !== "" ? meta.source : "course",
        config: meta.config && typeof meta.config === "object" ? meta.config : {},
        spec,
        dataHash: dataHash(spec),
      });
    }
  });
  return out;
}

/** Makes ids unique across notebooks: a repeated id gets "-2", "-3", … in order of appearance. */
export function uniqueIds(figures: CollectedFigure[]): CollectedFigure[] {
  const seen = new Map<string, number>();
  return figures.map((f) => {
    const n = (seen.get(f.id) ?? 0) + 1;
    seen.set(f.id, n);
    return n === 1 ? f : { ...f, id: `${f.id}-${n}` };
  });
}
