// showTable(table): an arquero table as an HTML table (and aligned plain text), first rows only.
// Typed structurally, so this module does not load arquero itself.

import {
  BatchlabArgumentError,
  checkNonNegativeInteger,
  checkObject,
  checkString,
} from "../util/validate";
import { emitBundle, type MimeBundle } from "./emit";
import { escapeHtml } from "../util/format";
import { COLORS } from "../plots/style";

/** What showTable needs of a table; every arquero table has it. */
export interface TableLike {
  numRows(): number;
  columnNames(): string[];
  objects(options?: { limit?: number }): object[];
}

export interface TableOptions {
  /** Rows shown (default 10); the rest are counted in a "… N more rows" line. */
  limit?: number;
  /** Significant digits of non-integer numbers (default 4). */
  digits?: number;
  /** A caption above the table. */
  title?: string;
}

/** Throws unless `table` is an arquero table (or has the three methods showTable uses). */
function checkTable(table: unknown): asserts table is TableLike {
  const t = table as Partial<Record<keyof TableLike, unknown>> | null;
  if (
    t === null ||
    typeof t !== "object" ||
    typeof t.numRows !== "function" ||
    typeof t.columnNames !== "function" ||
    typeof t.objects !== "function"
  ) {
    const hint = Array.isArray(table) ? " (for an array of rows, pass aq.from(rows))" : "";
    throw new BatchlabArgumentError("table", table, `an arquero table${hint}`);
  }
}

/** What a table prints for a number that is not defined (NaN), with the footnote that says so. */
export const UNDEFINED_CELL = "—";
const UNDEFINED_NOTE = `${UNDEFINED_CELL} not defined (e.g. a variance of one sample, a ratio to zero)`;

function formatCell(v: unknown, digits: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isNaN(v)) return UNDEFINED_CELL;
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    const abs = Math.abs(v);
    if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return v.toExponential(Math.max(0, digits - 1));
    return String(Number(v.toPrecision(digits)));
  }
  if (v instanceof Date) return v.toISOString();
  if (typeof v === "object") {
    try {
      return JSON.stringify(v);
    } catch {
      return String(v);
    }
  }
  return String(v);
}

function moreRows(n: number): string {
  return `… ${n} more ${n === 1 ? "row" : "rows"}`;
}

/** The MIME bundle of a table (text/html and text/plain). */
export function renderTableBundle(table: TableLike, options: TableOptions = {}): MimeBundle {
  checkTable(table);
  checkObject("options", options, "an object such as { limit, digits, title }");
  const limit = options.limit ?? 10;
  checkNonNegativeInteger("options.limit", limit);
  const digits = options.digits ?? 4;
  // toPrecision takes 1..100 significant digits; say so before it throws its own RangeError.
  if (!Number.isInteger(digits) || digits < 1 || digits > 100)
    throw new BatchlabArgumentError("options.digits", digits, "an integer in 1..100");
  if (options.title !== undefined) checkString("options.title", options.title);
  const names = table.columnNames();
  const total = table.numRows();
  const rows = table.objects({ limit }) as Record<string, unknown>[];
  const cells = rows.map((row) => names.map((n) => formatCell(row[n], digits)));
  const numeric = names.map(
    (n) =>
      rows.length > 0 &&
      rows.every((r) => r[n] === null || r[n] === undefined || typeof r[n] === "number"),
  );
  const rest = total - rows.length;
  const undefinedShown = rows.some((row) =>
    names.some((n) => typeof row[n] === "number" && Number.isNaN(row[n])),
  );

  const style = "border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:13px";
  const th = `padding:3px 10px;border-bottom:1px solid ${COLORS.faint};`;
  const td = `padding:2px 10px;border-bottom:1px solid ${COLORS.rule};`;
  let html = `<table class="batchlab-table" style="${style}">`;
  if (options.title)
    html += `<caption style="text-align:left;font-weight:600;padding:4px 0">${escapeHtml(options.title)}</caption>`;
  html += "<thead><tr>";
  names.forEach(
    (n, j) =>
      (html += `<th style="${th}text-align:${numeric[j] ? "right" : "left"}">${escapeHtml(n)}</th>`),
  );
  html += "</tr></thead><tbody>";
  for (const row of cells) {
    html += "<tr>";
    row.forEach(
      (c, j) =>
        (html += `<td style="${td}text-align:${numeric[j] ? "right" : "left"}">${escapeHtml(c)}</td>`),
    );
    html += "</tr>";
  }
  html += "</tbody></table>";
  const footer = `${total} ${total === 1 ? "row" : "rows"} × ${names.length} ${names.length === 1 ? "column" : "columns"}`;
  html += `<div class="batchlab-table-footer" style="font-size:12px;color:${COLORS.note};padding:2px 0">${rest > 0 ? escapeHtml(moreRows(rest)) + " · " : ""}${footer}${undefinedShown ? " · " + escapeHtml(UNDEFINED_NOTE) : ""}</div>`;

  const widths = names.map((n, j) => Math.max(n.length, ...cells.map((r) => r[j].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j])))
      .join("  ")
      .replace(/\s+$/, "");
  const text = [
    ...(options.title ? [options.title] : []),
    line(names),
    line(widths.map((w) => "-".repeat(w))),
    ...cells.map(line),
    ...(rest > 0 ? [moreRows(rest)] : []),
    ...(undefinedShown ? [UNDEFINED_NOTE] : []),
  ].join("\n");
  return { "text/html": html, "text/plain": text };
}

/** Shows the first rows of an arquero table. Outside a notebook, prints the text version. */
export function showTable(table: TableLike, options: TableOptions = {}): void {
  const bundle = renderTableBundle(table, options);
  if (!emitBundle(bundle)) console.log(bundle["text/plain"]);
}
