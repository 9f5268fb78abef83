// The parts of the Jupyter notebook format (nbformat 4) the runner reads and writes.

export type MultilineString = string | string[];

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  execution_count: number | null;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: "code";
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  outputs: Output[];
  execution_count: number | null;
}
export interface TextCell {
  cell_type: "markdown" | "raw";
  id?: string;
  metadata: Record<string, unknown>;
  source: MultilineString;
  attachments?: Record<string, Record<string, string>>;
}
export type Cell = CodeCell | TextCell;

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

export const PLOTLY_MIME = "application/vnd.plotly.v1+json";

export function joinSource(s: MultilineString | undefined): string {
  return Array.isArray(s) ? s.join("") : (s ?? "");
}

/** Splits text into nbformat's list-of-lines form (each line keeps its "\n"). */
export function splitLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === "" ? [] : lines;
}

/** Number of Plotly figures among a notebook's outputs. */
export function countCharts(nb: Notebook): number {
  let n = 0;
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs ?? []) {
      if (
        (o.output_type === "display_data" || o.output_type === "execute_result") &&
        o.data &&
        PLOTLY_MIME in o.data
      )
        n++;
    }
  }
  return n;
}

/** The first heading of the first markdown cell, or the file name. */
export function notebookTitle(nb: Notebook, fallback: string): string {
  for (const cell of nb.cells) {
    if (cell.cell_type !== "markdown") continue;
    const m = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/m.exec(joinSource(cell.source));
    if (m) return m[1].replace(/[*_`]/g, "");
  }
  return fallback;
}
