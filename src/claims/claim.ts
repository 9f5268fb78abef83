// A claim is a sentence of the course stated where it is measured: the sentence, the measured
// value, and the condition that makes it true. It prints one line in the cell's output,
//   ✓ The variance falls as 1/m: slope −1.008 (want −1 ± 0.05)
// and records itself in the output (MIME type CLAIM_MIME) so that the notebook runner can count
// the claims of every notebook and fail the run when one does not hold. A claim that fails does
// not throw: the notebook goes on, and the run reports it at the end, as a failed cell would be.

import { emitBundle } from "../display/emit";
import { escapeHtml } from "../util/format";
import { COLORS } from "../plots/style";
import { BatchlabArgumentError } from "../util/validate";
import type { Condition } from "./condition";
import { formatMeasured } from "./format";

/** MIME type of a claim's record in a notebook output. */
export const CLAIM_MIME = "application/vnd.batchlab.claim+json";

export interface ClaimResult {
  /** The sentence claimed. */
  text: string;
  ok: boolean;
  /** What was measured, as printed ("slope −1.008"). */
  measured: string;
  /** What was wanted, as printed ("−1 ± 0.05"). */
  want: string;
  /** The whole line: "✓ text: measured (want …)". */
  line: string;
}

export interface ClaimOptions {
  /** Name of the measured quantity, printed before its value ("slope"). */
  label?: string;
  /** Decimals for the value and the condition (default: four significant digits). */
  digits?: number;
  /** Unit printed after the value (" s", " %", "×"). */
  unit?: string;
}

function checkText(text: unknown): asserts text is string {
  if (typeof text !== "string" || text.trim() === "") {
    throw new BatchlabArgumentError("claim text", text, "a non-empty sentence");
  }
}

/** Collected claims of this kernel session, in order (kept on globalThis: tslab may reload modules). */
function registry(): ClaimResult[] {
  const g = globalThis as { __batchlabClaims__?: ClaimResult[] };
  if (!g.__batchlabClaims__) g.__batchlabClaims__ = [];
  return g.__batchlabClaims__;
}

/** The claims stated so far in this kernel session (or node process). */
export function claimsSoFar(): readonly ClaimResult[] {
  return registry();
}

/** The one line a claim prints. */
export function claimLine(ok: boolean, text: string, measured: string, want: string): string {
  return `${ok ? "✓" : "✗"} ${text.trim()}: ${measured} (want ${want})`;
}

/** The MIME bundle of a claim: its line as text and as coloured HTML, and its record. */
export function claimBundle(result: ClaimResult): Record<string, unknown> {
  const cls = result.ok ? "batchlab-claim ok" : "batchlab-claim failed";
  const style = result.ok
    ? `font-family:monospace;white-space:pre-wrap;color:${COLORS.pass}`
    : `font-family:monospace;white-space:pre-wrap;color:${COLORS.failure};background:${COLORS.failureBackground};padding:2px 4px;font-weight:bold`;
  return {
    [CLAIM_MIME]: {
      text: result.text,
      ok: result.ok,
      measured: result.measured,
      want: result.want,
    },
    "text/html": `<div class="${cls}" style="${style}">${escapeHtml(result.line)}</div>`,
    "text/plain": result.line,
  };
}

function publish(result: ClaimResult): void {
  registry().push(result);
  if (!emitBundle(claimBundle(result))) console.log(result.line);
}

/**
 * The verdict of a claim without stating it (nothing printed or recorded): `claim` and `claimThat`
 * are this plus the printed line. Returned values are for tests and for code that branches on a
 * claim; a notebook states claims with `claim`, which returns nothing so that a cell ending in a
 * claim shows only its line.
 */
export function judgeClaim(
  text: string,
  value: number,
  condition: Condition,
  options: ClaimOptions = {},
): ClaimResult {
  checkText(text);
  if (typeof value !== "number")
    throw new BatchlabArgumentError(`value of claim "${text}"`, value, "a number");
  if (!condition || typeof condition.holds !== "function") {
    throw new BatchlabArgumentError(
      `condition of claim "${text}"`,
      condition,
      "a Condition (near, between, above, below, atLeast, atMost)",
    );
  }
  const ok = Number.isFinite(value) && condition.holds(value);
  const measured = `${options.label ? `${options.label} ` : ""}${formatMeasured(value, options.digits)}${options.unit ?? ""}`;
  const want = `${condition.describe(options.digits)}${options.unit ?? ""}`;
  return { text: text.trim(), ok, measured, want, line: claimLine(ok, text, measured, want) };
}

/** The verdict of a claimThat without stating it. */
export function judgeClaimThat(
  text: string,
  holds: boolean,
  measured: string,
  want: string,
): ClaimResult {
  checkText(text);
  if (typeof holds !== "boolean")
    throw new BatchlabArgumentError(`holds of claim "${text}"`, holds, "true or false");
  if (typeof measured !== "string")
    throw new BatchlabArgumentError(`measured of claim "${text}"`, measured, "a string");
  if (typeof want !== "string")
    throw new BatchlabArgumentError(`want of claim "${text}"`, want, "a string");
  return {
    text: text.trim(),
    ok: holds,
    measured,
    want,
    line: claimLine(holds, text, measured, want),
  };
}

/**
 * States that `text` holds because the measured `value` satisfies `condition`, and prints the line.
 * `claim("The variance falls as 1/m", slope, near(-1, 0.05), { label: "slope" })`.
 */
export function claim(
  text: string,
  value: number,
  condition: Condition,
  options: ClaimOptions = {},
): void {
  publish(judgeClaim(text, value, condition, options));
}

/**
 * A claim whose condition is not one number against a bound (an ordering, a set of values):
 * `claimThat("Time per step grows with m", increasing, "t = 1.2, 1.9, 3.4 ms", "each m slower than the last")`.
 */
export function claimThat(text: string, holds: boolean, measured: string, want: string): void {
  publish(judgeClaimThat(text, holds, measured, want));
}
