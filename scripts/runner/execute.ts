// Runs one notebook on a fresh kernel, cell by cell, and collects the outputs into the notebook
// the way Jupyter front ends store them. Knows tslab's habits:
//  - a failing cell replies status "error" with empty ename/evalue and no traceback; the message
//    is only in that cell's stderr stream, so that is what a failure reports (and when even that is
//    missing, everything the kernel did send for the cell, so that the failure can be diagnosed);
//  - errors thrown later from timers, and unhandled rejections, are printed by tslab's process
//    handlers as "UncaughtException:" / "UnhandledPromiseRejection:" on stderr, into whichever cell
//    runs at the time (or the last one): any such line fails the notebook;
//  - tslab sends no execute_input, so execution counts are set here.

import { IDLE_GRACE_MS, KernelClient, type ExecuteOutcome, type Message } from "./kernel-client";
import {
  joinSource,
  splitLines,
  type CodeCell,
  type Notebook,
  type Output,
  type StreamOutput,
} from "./nbformat";
import { formatDuration as formatSeconds } from "../../src/util/format";

export interface RunOptions {
  /** Kernel command; "{connection_file}" is replaced. */
  kernelArgv: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Per-cell time limit. */
  cellTimeoutMs: number;
  /** After the last cell, how long to wait for late asynchronous errors (default 500 ms). */
  settleMs?: number;
  /** Progress lines go here. */
  log: (line: string) => void;
  /** Name used in progress lines. */
  label: string;
}

export type FailureKind = "error" | "async" | "timeout" | "dead" | "startup";

export interface CellFailure {
  kind: FailureKind;
  /** Index into notebook.cells (0-based), -1 for a kernel that did not start. */
  cellIndex: number;
  /** 1-based position among all cells, as counted top to bottom in the notebook. */
  cellNumber: number;
  /** Execution count the cell got (its "In [n]"). */
  executionCount: number | null;
  /** The real error text (from the cell's stderr when the kernel gives no ename/evalue). */
  message: string;
  /** First line of the cell's source. */
  sourceHead: string;
}

export interface NotebookRun {
  notebook: Notebook;
  failure: CellFailure | null;
  seconds: number;
}

const ASYNC_ERROR = /^(UncaughtException|UnhandledPromiseRejection):/m;
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, "");
}

/** The line of an error text that says what went wrong ("Error: boom", "1:7 - Type … ", …). */
export function keyLine(message: string): string {
  const lines = message
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const patterns = [
    /^(UncaughtException|UnhandledPromiseRejection):\s*\S/,
    /^([A-Z]\w*)?(Error|Exception)\b(\s*\[[^\]]*\])?:/,
    /^\d+:\d+ - /,
    /^[A-Z]\w*(Error|Exception)\b/,
  ];
  for (const p of patterns) {
    const hit = lines.find((l) => p.test(l));
    if (hit) return hit;
  }
  return lines[0] ?? "";
}

/** A run's wall-clock time ("42 s", "3 min 05 s"): util/format's formatDuration, under the runner's name. */
export { formatSeconds };

/** Stack frames of node and tslab internals say nothing about the notebook. */
const NOISE_FRAME =
  /^\s+at .*(\(node:|node:internal|node:vm|[\\/]tslab[\\/]dist[\\/]|sigintHandlersWrap|processTicksAndRejections)/;

/** First lines of a long message, without internal stack frames. */
function head(text: string, maxLines = 20): string {
  const lines = stripAnsi(text)
    .trim()
    .split("\n")
    .filter((l) => !NOISE_FRAME.test(l));
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines), `… (${lines.length - maxLines} more lines)`].join("\n")
    : lines.join("\n");
}

interface CellState {
  cell: CodeCell;
  index: number;
  outputs: Output[];
  stderr: string;
  clearPending: boolean;
  /** How many iopub messages of each kind arrived for the cell ("stream (stdout)", "display_data", …). */
  received: Map<string, number>;
}

/** What the cells of one run share: the options, the displays to update, the first late error. */
interface RunContext {
  options: RunOptions;
  /** Code cells that are not empty (the N of "cell i/N"). */
  total: number;
  /** display_id → outputs showing it (update_display_data replaces their data in place). */
  displays: Map<
    string,
    Array<{ data: Record<string, unknown>; metadata: Record<string, unknown> }>
  >;
  asyncError: { state: CellState; text: string } | null;
  running: { state: CellState; number: number; start: number } | null;
  lastProgress: number;
}

/** A copy of the notebook with every code cell's outputs and count cleared. */
function clearedCopy(input: Notebook): {
  nb: Notebook;
  codeCells: Array<{ cell: CodeCell; index: number }>;
} {
  const nb: Notebook = JSON.parse(JSON.stringify(input));
  const codeCells = nb.cells.flatMap((c, index) =>
    c.cell_type === "code" ? [{ cell: c as CodeCell, index }] : [],
  );
  for (const { cell } of codeCells) {
    cell.outputs = [];
    cell.execution_count = null;
  }
  return { nb, codeCells };
}

function failureAt(state: CellState | null, kind: FailureKind, message: string): CellFailure {
  return {
    kind,
    cellIndex: state ? state.index : -1,
    cellNumber: state ? state.index + 1 : 0,
    executionCount: state ? state.cell.execution_count : null,
    message: message.trim() || "(no message)",
    sourceHead: state ? joinSource(state.cell.source).split("\n")[0].slice(0, 120) : "",
  };
}

/** A progress line from a live display's text, at most every 2 s. */
function progress(ctx: RunContext, text: string): void {
  if (!ctx.running) return;
  const now = Date.now();
  const elapsed = (now - ctx.running.start) / 1000;
  if (elapsed < 2 || now - ctx.lastProgress < 2000) return;
  ctx.lastProgress = now;
  ctx.options.log(
    `    ${ctx.options.label} · cell ${ctx.running.number}/${ctx.total} · ${formatSeconds(elapsed)} · ${stripAnsi(text).split("\n")[0].slice(0, 160)}`,
  );
}

/** A "still running" line every 30 s for a cell that shows no progress of its own; returns the stop. */
function startHeartbeat(ctx: RunContext): () => void {
  const heartbeat = setInterval(() => {
    if (!ctx.running) return;
    const elapsed = (Date.now() - ctx.running.start) / 1000;
    if (elapsed >= 30 && Date.now() - ctx.lastProgress >= 30000) {
      ctx.lastProgress = Date.now();
      ctx.options.log(
        `    ${ctx.options.label} · cell ${ctx.running.number}/${ctx.total} · still running · ${formatSeconds(elapsed)}`,
      );
    }
  }, 5000);
  heartbeat.unref();
  return () => clearInterval(heartbeat);
}

function displayId(content: Record<string, unknown>): string | undefined {
  return (content.transient as { display_id?: string } | undefined)?.display_id;
}

/** Adds one iopub message of a cell to its outputs, as a Jupyter front end stores it. */
function onIopub(ctx: RunContext, state: CellState, msg: Message): void {
  const type = msg.header.msg_type;
  const content = msg.content;
  const kind =
    type === "stream" ? `stream (${content.name === "stderr" ? "stderr" : "stdout"})` : type;
  state.received.set(kind, (state.received.get(kind) ?? 0) + 1);
  if (
    state.clearPending &&
    (type === "stream" || type === "display_data" || type === "execute_result" || type === "error")
  ) {
    state.outputs.length = 0;
    state.clearPending = false;
  }
  switch (type) {
    case "stream": {
      const name = content.name === "stderr" ? "stderr" : "stdout";
      const text = String(content.text ?? "");
      const last = state.outputs[state.outputs.length - 1];
      if (last && last.output_type === "stream" && last.name === name)
        last.text = String(last.text) + text;
      else state.outputs.push({ output_type: "stream", name, text });
      if (name === "stderr") {
        state.stderr += text;
        const m = ASYNC_ERROR.exec(text);
        if (m && !ctx.asyncError) ctx.asyncError = { state, text: text.slice(m.index) };
      }
      break;
    }
    case "display_data":
    case "execute_result": {
      const data = (content.data ?? {}) as Record<string, unknown>;
      const metadata = (content.metadata ?? {}) as Record<string, unknown>;
      const out: Output =
        type === "display_data"
          ? { output_type: "display_data", data, metadata }
          : {
              output_type: "execute_result",
              data,
              metadata,
              execution_count: state.cell.execution_count,
            };
      state.outputs.push(out);
      const id = displayId(content);
      if (id) {
        if (!ctx.displays.has(id)) ctx.displays.set(id, []);
        ctx.displays
          .get(id)!
          .push(out as { data: Record<string, unknown>; metadata: Record<string, unknown> });
      }
      break;
    }
    case "update_display_data": {
      const id = displayId(content);
      for (const out of (id && ctx.displays.get(id)) || []) {
        out.data = (content.data ?? {}) as Record<string, unknown>;
        out.metadata = (content.metadata ?? {}) as Record<string, unknown>;
      }
      const text = (content.data as Record<string, unknown> | undefined)?.["text/plain"];
      if (typeof text === "string") progress(ctx, text);
      break;
    }
    case "error":
      state.outputs.push({
        output_type: "error",
        ename: String(content.ename ?? ""),
        evalue: String(content.evalue ?? ""),
        traceback: Array.isArray(content.traceback) ? (content.traceback as string[]) : [],
      });
      break;
    case "clear_output":
      if (content.wait) state.clearPending = true;
      else state.outputs.length = 0;
      break;
    default:
      break;
  }
}

/** An error's name, value and traceback as one text ("" when all are empty). */
function errorText(ename: unknown, evalue: unknown, traceback: unknown): string {
  const head = [ename, evalue].filter((s) => typeof s === "string" && s !== "").join(": ");
  const tb = Array.isArray(traceback) ? (traceback as string[]).join("\n") : "";
  return [head, tb].filter(Boolean).join("\n");
}

/**
 * Why a cell whose reply said "error" failed. tslab puts the message only on the cell's stderr;
 * other kernels send ename/evalue/traceback (in the reply and as an "error" message). When none of
 * these came, everything the kernel did send is reported, so that the failure can be diagnosed.
 */
async function errorMessage(
  kernel: KernelClient,
  state: CellState,
  outcome: ExecuteOutcome,
  logMark: number,
): Promise<string> {
  const reply = outcome.reply ?? {};
  const errors = state.outputs.flatMap((o) =>
    o.output_type === "error" ? [errorText(o.ename, o.evalue, o.traceback)] : [],
  );
  const message =
    state.stderr ||
    [errorText(reply.ename, reply.evalue, reply.traceback), ...errors].filter(Boolean).join("\n");
  if (message) return message;
  // tslab reports its own failures (compiling the cell, not running it) on the kernel process's
  // stderr rather than the cell's: show what the process said during this cell.
  await new Promise((resolve) => setTimeout(resolve, 300)); // the process's stderr may trail the reply
  const processSaid = kernel.processLog.slice(logMark).trim();
  if (processSaid) return `the kernel process said:\n${processSaid}`;
  const received = [...state.received].map(([kind, n]) => `${kind} ×${n}`).join(", ") || "none";
  return [
    'the cell failed without an error message: the kernel replied status "error" with no ename, evalue or traceback, sent no "error" message, and wrote nothing to the cell\'s stderr or its own',
    `the reply: ${JSON.stringify(reply)}`,
    `the cell's messages: ${received}`,
    outcome.idle === false
      ? `its "idle" status never came (waited ${IDLE_GRACE_MS / 1000} s): messages the kernel published for this cell were lost on the way`
      : `its "idle" status came after the reply, so every message the kernel published for this cell arrived`,
  ].join("\n");
}

/** The cell's failure from its outcome and what its messages said, or null when it succeeded. */
async function judgeCell(
  ctx: RunContext,
  kernel: KernelClient,
  state: CellState,
  outcome: ExecuteOutcome,
  logMark: number,
): Promise<CellFailure | null> {
  if (ctx.asyncError) {
    const a = ctx.asyncError;
    return failureAt(
      a.state,
      "async",
      `asynchronous error after the cell's code returned (a timer or an unawaited promise, possibly started by an earlier cell):\n${head(a.text)}`,
    );
  }
  switch (outcome.status) {
    case "error":
      return failureAt(state, "error", head(await errorMessage(kernel, state, outcome, logMark)));
    case "abort":
      return failureAt(
        state,
        "error",
        "the kernel aborted the request (an earlier request failed)",
      );
    case "timeout":
      return failureAt(
        state,
        "timeout",
        `no result within ${formatSeconds(ctx.options.cellTimeoutMs / 1000)} (per-cell limit; set --timeout or BATCHLAB_CELL_TIMEOUT)`,
      );
    case "dead": {
      const log = head(kernel.processLog || state.stderr);
      return failureAt(
        state,
        "dead",
        `the kernel process ${kernel.exited ?? "died"}${log ? `:\n${log}` : ""}`,
      );
    }
    default:
      return null;
  }
}

/** Runs the cells in order until one fails; the states of the cells that ran, and the failure. */
async function runCells(
  ctx: RunContext,
  kernel: KernelClient,
  codeCells: Array<{ cell: CodeCell; index: number }>,
): Promise<{ states: CellState[]; failure: CellFailure | null }> {
  const states: CellState[] = [];
  let number = 0;
  for (const { cell, index } of codeCells) {
    const code = joinSource(cell.source);
    if (code.trim() === "") continue;
    number++;
    cell.execution_count = number;
    const state: CellState = {
      cell,
      index,
      outputs: cell.outputs,
      stderr: "",
      clearPending: false,
      received: new Map(),
    };
    states.push(state);
    const start = Date.now();
    ctx.running = { state, number, start };
    const logMark = kernel.processLog.length;
    const outcome = await kernel.execute(
      code,
      (msg) => onIopub(ctx, state, msg),
      ctx.options.cellTimeoutMs,
    );
    const seconds = (Date.now() - start) / 1000;
    ctx.running = null;
    const failure = await judgeCell(ctx, kernel, state, outcome, logMark);
    ctx.options.log(
      `  ${failure ? "✗" : "✓"} ${ctx.options.label} · cell ${number}/${ctx.total} · ${formatSeconds(seconds)}`,
    );
    if (failure) return { states, failure };
  }
  // Late errors from timers or promises of the last cells.
  await new Promise((r) => setTimeout(r, ctx.options.settleMs ?? 500));
  const a = ctx.asyncError;
  return {
    states,
    failure: a
      ? failureAt(
          a.state,
          "async",
          `asynchronous error after the cells finished (a timer or an unawaited promise):\n${head(a.text)}`,
        )
      : null,
  };
}

/** Runs every code cell of `input` (a copy is returned with outputs) until the first failure. */
export async function runNotebook(input: Notebook, options: RunOptions): Promise<NotebookRun> {
  const t0 = Date.now();
  const { nb, codeCells } = clearedCopy(input);
  let kernel: KernelClient;
  try {
    kernel = await KernelClient.start({
      argv: options.kernelArgv,
      cwd: options.cwd,
      env: options.env,
    });
  } catch (e) {
    return {
      notebook: nb,
      failure: failureAt(null, "startup", e instanceof Error ? e.message : String(e)),
      seconds: (Date.now() - t0) / 1000,
    };
  }
  const ctx: RunContext = {
    options,
    total: codeCells.filter(({ cell }) => joinSource(cell.source).trim() !== "").length,
    displays: new Map(),
    asyncError: null,
    running: null,
    lastProgress: 0,
  };
  const stopHeartbeat = startHeartbeat(ctx);
  let failure: CellFailure | null = null;
  let states: CellState[];
  try {
    ({ states, failure } = await runCells(ctx, kernel, codeCells));
  } finally {
    stopHeartbeat();
    await kernel.close(failure !== null && (failure.kind === "timeout" || failure.kind === "dead"));
  }
  // Store streams in nbformat's list-of-lines form, as Jupyter writes them.
  for (const s of states) {
    for (const o of s.outputs) {
      if (o.output_type === "stream") (o as StreamOutput).text = splitLines(String(o.text));
    }
  }
  return { notebook: nb, failure, seconds: (Date.now() - t0) / 1000 };
}
