// The claims a notebook checked (src/claims): counted from its executed outputs, so the runner, the
// figure script and the tests read the same record whichever front end executed the notebook.

import { CLAIM_MIME } from "../../src/claims/claim";
import type { Notebook } from "./nbformat";

export interface ClaimCount {
  checked: number;
  failed: number;
  /** The failed claims' lines ("✗ text: measured (want …)"). */
  failures: string[];
}

interface ClaimRecord {
  text: string;
  ok: boolean;
  measured: string;
  want: string;
}

function isRecord(v: unknown): v is ClaimRecord {
  const r = v as ClaimRecord;
  return !!r && typeof r === "object" && typeof r.text === "string" && typeof r.ok === "boolean";
}

/** Every claim recorded in the notebook's outputs, in order. */
export function claimRecords(nb: Notebook): ClaimRecord[] {
  const out: ClaimRecord[] = [];
  for (const cell of nb.cells) {
    if (cell.cell_type !== "code") continue;
    for (const o of cell.outputs ?? []) {
      if (o.output_type !== "display_data" && o.output_type !== "execute_result") continue;
      const rec = o.data?.[CLAIM_MIME];
      if (isRecord(rec)) out.push(rec);
    }
  }
  return out;
}

/** How many claims the notebook checked, and which failed. */
export function countClaims(nb: Notebook): ClaimCount {
  const records = claimRecords(nb);
  const failures = records
    .filter((r) => !r.ok)
    .map((r) => `✗ ${r.text}: ${r.measured} (want ${r.want})`);
  return { checked: records.length, failed: failures.length, failures };
}
