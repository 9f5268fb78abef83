// Runs one notebook on a fresh kernel, cell by cell, and collects the outputs into the notebook
// the way Jupyter front ends store them. Knows tslab's habits:
//  - a failing cell replies status "error" with empty ename/evalue and no traceback; the message
//    is only in that cell's stderr stream, so that is what a failure reports;
//  - errors thrown later from timers, and unhandled rejections, are printed by tslab's process
//    handlers as "UncaughtException:" / "UnhandledPromiseRejection:" on stderr, into whichever cell
//    runs at the time (or the last one): any such line fails the notebook;
//  - tslab sends no execute_input, so execution counts are set here.

import { KernelClient, type Message } from "./kernel-client";
import { joinSource, splitLines, type CodeCell, type Notebook, type Output, type StreamOutput } from "./nbformat";
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
  const lines = message.split("\n").map((l) => l.trim()).filter(Boolean);
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
const NOISE_FRAME = /^\s+at .*(\(node:|node:internal|node:vm|[\\/]tslab[\\/]dist[\\/]|sigintHandlersWrap|processTicksAndRejections)/;

/** First lines of a long message, without internal stack frames. */
function head(text: string, maxLines = 20): string {
  const lines = stripAnsi(text).trim().split("\n").filter((l) => !NOISE_FRAME.test(l));
  return lines.length > maxLines ? [...lines.slice(0, maxLines), `… (${lines.length - maxLines} more lines)`].join("\n") : lines.join("\n");
}

interface CellState {
  cell: CodeCell;
  index: number;
  outputs: Output[];
  stderr: string;
  clearPending: boolean;
}

/** Runs every code cell of `nb` (a copy is returned with outputs) until the first failure. */
export async function runNotebook(input: Notebook, options: RunOptions): Promise<NotebookRun> {
  const nb: Notebook = JSON.parse(JSON.stringify(input));
  const t0 = Date.now();
  const codeCells = nb.cells.map((c, i) => ({ c, i })).filter((x) => x.c.cell_type === "code");
  for (const { c } of codeCells) {
    const cell = c as CodeCell;
    cell.outputs = [];
    cell.execution_count = null;
  }
  const failureAt = (state: CellState | null, kind: FailureKind, message: string): CellFailure => ({
    kind,
    cellIndex: state ? state.index : -1,
    cellNumber: state ? state.index + 1 : 0,
    executionCount: state ? state.cell.execution_count : null,
    message: message.trim() || "(no message)",
    sourceHead: state ? joinSource(state.cell.source).split("\n")[0].slice(0, 120) : "",
  });

  let kernel: KernelClient;
  try {
    kernel = await KernelClient.start({ argv: options.kernelArgv, cwd: options.cwd, env: options.env });
  } catch (e) {
    return { notebook: nb, failure: failureAt(null, "startup", e instanceof Error ? e.message : String(e)), seconds: (Date.now() - t0) / 1000 };
  }

  // display_id → outputs showing it (update_display_data replaces their data in place).
  const displays = new Map<string, Array<{ data: Record<string, unknown>; metadata: Record<string, unknown> }>>();
  let asyncError: { state: CellState; text: string } | null = null;
  let running: { state: CellState; number: number; start: number } | null = null;
  let lastProgress = 0;
  const total = codeCells.filter(({ c }) => joinSource(c.source).trim() !== "").length;

  const progress = (text: string) => {
    if (!running) return;
    const now = Date.now();
    const elapsed = (now - running.start) / 1000;
    if (elapsed < 2 || now - lastProgress < 2000) return;
    lastProgress = now;
    options.log(`    ${options.label} · cell ${running.number}/${total} · ${formatSeconds(elapsed)} · ${stripAnsi(text).split("\n")[0].slice(0, 160)}`);
  };

  const handler = (state: CellState) => (msg: Message) => {
    const type = msg.header.msg_type;
    const content = msg.content;
    if (state.clearPending && (type === "stream" || type === "display_data" || type === "execute_result" || type === "error")) {
      state.outputs.length = 0;
      state.clearPending = false;
    }
    switch (type) {
      case "stream": {
        const name = content.name === "stderr" ? "stderr" : "stdout";
        const text = String(content.text ?? "");
        const last = state.outputs[state.outputs.length - 1];
        if (last && last.output_type === "stream" && last.name === name) last.text = String(last.text) + text;
        else state.outputs.push({ output_type: "stream", name, text });
        if (name === "stderr") {
          state.stderr += text;
          const m = ASYNC_ERROR.exec(text);
          if (m && !asyncError) asyncError = { state, text: text.slice(m.index) };
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
            : { output_type: "execute_result", data, metadata, execution_count: state.cell.execution_count };
        state.outputs.push(out);
        const id = (content.transient as { display_id?: string } | undefined)?.display_id;
        if (id) {
          if (!displays.has(id)) displays.set(id, []);
          displays.get(id)!.push(out as { data: Record<string, unknown>; metadata: Record<string, unknown> });
        }
        break;
      }
      case "update_display_data": {
        const id = (content.transient as { display_id?: string } | undefined)?.display_id;
        for (const out of (id && displays.get(id)) || []) {
          out.data = (content.data ?? {}) as Record<string, unknown>;
          out.metadata = (content.metadata ?? {}) as Record<string, unknown>;
        }
        const text = (content.data as Record<string, unknown> | undefined)?.["text/plain"];
        if (typeof text === "string") progress(text);
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
  };

  let failure: CellFailure | null = null;
  let count = 0;
  const states: CellState[] = [];
  const heartbeat = setInterval(() => {
    if (!running) return;
    const elapsed = (Date.now() - running.start) / 1000;
    if (elapsed >= 30 && Date.now() - lastProgress >= 30000) {
      lastProgress = Date.now();
      options.log(`    ${options.label} · cell ${running.number}/${total} · still running · ${formatSeconds(elapsed)}`);
    }
  }, 5000);
  heartbeat.unref();

  try {
    let number = 0;
    for (const { c, i } of codeCells) {
      const cell = c as CodeCell;
      const code = joinSource(cell.source);
      if (code.trim() === "") continue;
      number++;
      cell.execution_count = ++count;
      const state: CellState = { cell, index: i, outputs: cell.outputs, stderr: "", clearPending: false };
      states.push(state);
      running = { state, number, start: Date.now() };
      const logMark = kernel.processLog.length;
      const outcome = await kernel.execute(code, handler(state), options.cellTimeoutMs);
      const seconds = (Date.now() - running.start) / 1000;
      running = null;
      if (asyncError) {
        const a = asyncError as { state: CellState; text: string };
        failure = failureAt(a.state, "async", `asynchronous error after the cell's code returned (a timer or an unawaited promise, possibly started by an earlier cell):\n${head(a.text)}`);
      } else if (outcome.status === "error") {
        const reply = outcome.reply ?? {};
        const fromReply = [reply.ename, reply.evalue].filter((s) => typeof s === "string" && s !== "").join(": ");
        const tb = Array.isArray(reply.traceback) ? (reply.traceback as string[]).join("\n") : "";
        // tslab reports its own failures (compiling the cell, not running it) on the kernel
        // process's stderr rather than the cell's: show what the process said during this cell.
        const message = state.stderr || [fromReply, tb].filter(Boolean).join("\n");
        if (!message) await new Promise((resolve) => setTimeout(resolve, 300)); // the process's stderr may trail the reply
        const processSaid = kernel.processLog.slice(logMark).trim();
        failure = failureAt(state, "error", head(message || (processSaid ? `the kernel process said:\n${processSaid}` : "the cell failed without an error message")));
      } else if (outcome.status === "abort") {
        failure = failureAt(state, "error", "the kernel aborted the request (an earlier request failed)");
      } else if (outcome.status === "timeout") {
        failure = failureAt(state, "timeout", `no result within ${formatSeconds(options.cellTimeoutMs / 1000)} (per-cell limit; set --timeout or BATCHLAB_CELL_TIMEOUT)`);
      } else if (outcome.status === "dead") {
        const log = head(kernel.processLog || state.stderr);
        failure = failureAt(state, "dead", `the kernel process ${kernel.exited ?? "died"}${log ? `:\n${log}` : ""}`);
      }
      options.log(`  ${failure ? "✗" : "✓"} ${options.label} · cell ${number}/${total} · ${formatSeconds(seconds)}`);
      if (failure) break;
    }
    if (!failure) {
      // Late errors from timers or promises of the last cells.
      await new Promise((r) => setTimeout(r, options.settleMs ?? 500));
      if (asyncError) {
        const a = asyncError as { state: CellState; text: string };
        failure = failureAt(a.state, "async", `asynchronous error after the cells finished (a timer or an unawaited promise):\n${head(a.text)}`);
      }
    }
  } finally {
    clearInterval(heartbeat);
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
