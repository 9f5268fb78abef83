// Where display output goes. Inside the tslab kernel, a bundle with several MIME types is sent as
// one display_data message through tslab's own writer (its public `display` API sends one MIME type
// per message only). Anywhere else (plain node, the test runner) nothing is displayed and the caller
// prints a text line instead: the library never throws just because no notebook is listening.

/** A Jupyter MIME bundle: MIME type → content (strings, or JSON for application/*+json). */
export type MimeBundle = Record<string, unknown>;

interface DisplayMessage {
  data: MimeBundle;
  metadata: Record<string, unknown>;
  transient?: { display_id: string };
}
type Writer = (message: DisplayMessage, update?: boolean) => void;

interface TslabPublic {
  display: { html(s: string): void; text(s: string): void };
}

/** tslab's writer of the cell being executed, or null when tslab's jupyter module is not loaded. */
function tslabWriter(): Writer | null {
  try {
    if (typeof require === "undefined" || !require.cache) return null;
    // Only look at the module if the kernel already loaded it: requiring it from plain node would
    // load tslab's whole TypeScript compiler for nothing.
    const id = require.resolve("tslab/dist/jupyter");
    const mod = require.cache[id];
    const writer = mod && (mod.exports as { lastWriteDisplayData?: unknown }).lastWriteDisplayData;
    return typeof writer === "function" ? (writer as Writer) : null;
  } catch {
    return null;
  }
}

/** tslab's public API when running in some tslab kernel (e.g. a global install). */
function tslabPublic(): TslabPublic | null {
  if (!(globalThis as { __tslab__?: unknown }).__tslab__) return null;
  try {
    // Inside tslab, require("tslab") is hooked to the running kernel's own module.
    const mod = require("tslab") as TslabPublic;
    return mod && mod.display ? mod : null;
  } catch {
    return null;
  }
}

/** True inside a tslab kernel (a notebook), false in plain node. */
export function inNotebook(): boolean {
  return tslabWriter() !== null || tslabPublic() !== null;
}

/**
 * Sends a bundle to the notebook. With `displayId`, the output can later be replaced in place by
 * calling again with `update: true`. Returns false when there is no notebook (nothing was sent).
 */
export function emitBundle(
  data: MimeBundle,
  options: { displayId?: string; update?: boolean; metadata?: Record<string, unknown> } = {},
): boolean {
  const writer = tslabWriter();
  if (writer) {
    const message: DisplayMessage = { data, metadata: options.metadata ?? {} };
    if (options.displayId) message.transient = { display_id: options.displayId };
    writer(message, options.update === true);
    return true;
  }
  const pub = tslabPublic();
  if (pub) {
    // Fallback: one MIME type only, and no in-place updates.
    if (typeof data["text/html"] === "string") pub.display.html(data["text/html"] as string);
    else if (typeof data["text/plain"] === "string") pub.display.text(data["text/plain"] as string);
    return true;
  }
  return false;
}

/** Per-kernel state kept on globalThis: tslab may re-evaluate library modules between cells. */
export function sessionState(): { plotlyEmbedded: boolean; counter: number } {
  const g = globalThis as { __batchlabDisplay__?: { plotlyEmbedded: boolean; counter: number } };
  if (!g.__batchlabDisplay__) g.__batchlabDisplay__ = { plotlyEmbedded: false, counter: 0 };
  return g.__batchlabDisplay__;
}

/** A fresh id for an element or a display, unique within the kernel session and across sessions. */
export function freshId(prefix: string): string {
  const state = sessionState();
  state.counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 0x100000).toString(36)}-${state.counter}`;
}
