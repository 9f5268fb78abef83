// A minimal Jupyter client in Node: starts a kernel process on a fresh connection file and talks
// the Jupyter messaging protocol (v5.3) to it over ZeroMQ: shell for requests, iopub for outputs,
// control for shutdown. Enough to run notebooks headless without Python.
// Protocol: https://jupyter-client.readthedocs.io/en/latest/messaging.html

import { spawn, type ChildProcess } from "child_process";
import { createHmac, randomBytes, randomUUID } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import * as zmq from "zeromq";

export interface ConnectionInfo {
  transport: "tcp";
  ip: string;
  shell_port: number;
  iopub_port: number;
  stdin_port: number;
  control_port: number;
  hb_port: number;
  key: string;
  signature_scheme: "hmac-sha256";
  kernel_name: string;
}

export interface Header {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

export interface Message {
  header: Header;
  parent_header: Partial<Header>;
  metadata: Record<string, unknown>;
  content: Record<string, unknown>;
}

const DELIM = "<IDS|MSG>";

/** Free TCP ports on 127.0.0.1 (each found by binding port 0, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  const ports: number[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
      });
      ports.push((server.address() as net.AddressInfo).port);
    }
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
  return ports;
}

/** HMAC-SHA256 over header, parent header, metadata and content, as the wire protocol signs. */
export function sign(key: string, parts: Array<string | Buffer>): string {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

/** Serialises a message into wire frames (after any routing identities). */
export function encode(key: string, msg: Message): Array<string | Buffer> {
  const parts = [
    JSON.stringify(msg.header),
    JSON.stringify(msg.parent_header),
    JSON.stringify(msg.metadata),
    JSON.stringify(msg.content),
  ];
  return [DELIM, sign(key, parts), ...parts];
}

/** Parses wire frames; throws on a bad signature. */
export function decode(key: string, frames: Buffer[]): Message {
  const i = frames.findIndex((f) => f.toString() === DELIM);
  if (i < 0 || frames.length < i + 6) throw new Error("malformed Jupyter message (no delimiter)");
  const signature = frames[i + 1].toString();
  const parts = frames.slice(i + 2, i + 6);
  if (key && sign(key, parts) !== signature)
    throw new Error("Jupyter message with an invalid HMAC signature");
  return {
    header: JSON.parse(parts[0].toString()),
    parent_header: JSON.parse(parts[1].toString()),
    metadata: JSON.parse(parts[2].toString()),
    content: JSON.parse(parts[3].toString()),
  };
}

export interface KernelOptions {
  /** Command and arguments; "{connection_file}" is replaced by the connection file's path. */
  argv: string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the first kernel_info_reply (default 60 s). */
  startupTimeoutMs?: number;
}

export interface ExecuteOutcome {
  /** "ok", "error" or "abort" (from execute_reply), or "timeout" when no reply came in time. */
  status: "ok" | "error" | "abort" | "timeout" | "dead";
  reply?: Record<string, unknown>;
  /** Whether the kernel's "idle" status for the request arrived (false: iopub messages were lost). */
  idle?: boolean;
}

type IopubHandler = (msg: Message) => void;

/** A running kernel and the sockets to talk to it. */
/** How long the end of a cell waits for the second of its two end markers (reply and idle). */
export const IDLE_GRACE_MS = 10_000;

/** The promise's value, or null when it has not settled within ms. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

export class KernelClient {
  private readonly session = randomUUID();
  private readonly shell: zmq.Dealer;
  private readonly control: zmq.Dealer;
  private readonly iopub: zmq.Subscriber;
  private readonly pending = new Map<string, (msg: Message) => void>();
  private readonly idleWaiters = new Map<string, () => void>();
  private readonly idleSeen = new Set<string>();
  private readonly handlers = new Map<string, IopubHandler>();
  private closed = false;
  private exitInfo: string | null = null;
  private readonly exitWaiters: Array<(why: string) => void> = [];
  /** Everything the kernel process wrote to its own stdout/stderr (not to cells). */
  processLog = "";

  private constructor(
    private readonly conn: ConnectionInfo,
    private readonly connFile: string,
    private readonly child: ChildProcess,
  ) {
    this.shell = new zmq.Dealer({
      routingId: `batchlab-${randomBytes(6).toString("hex")}`,
      linger: 0,
    });
    this.control = new zmq.Dealer({
      routingId: `batchlab-c-${randomBytes(6).toString("hex")}`,
      linger: 0,
    });
    this.iopub = new zmq.Subscriber({ linger: 0, receiveHighWaterMark: 0 }); // 0: no limit, never drop on our side
    const addr = (port: number) => `${conn.transport}://${conn.ip}:${port}`;
    this.shell.connect(addr(conn.shell_port));
    this.control.connect(addr(conn.control_port));
    this.iopub.connect(addr(conn.iopub_port));
    this.iopub.subscribe();
    void this.readLoop(this.shell, (m) => this.onReply(m), "shell");
    void this.readLoop(this.control, (m) => this.onReply(m), "control");
    void this.readLoop(this.iopub, (m) => this.onIopub(m), "iopub");
    child.on("exit", (code, signal) => {
      this.exitInfo = signal ? `killed by ${signal}` : `exited with code ${code}`;
      for (const w of this.exitWaiters.splice(0)) w(this.exitInfo);
    });
  }

  /** Starts the kernel and waits until it answers kernel_info on shell and iopub. */
  static async start(options: KernelOptions): Promise<KernelClient> {
    const [shell, iopub, stdin, control, hb] = await freePorts(5);
    const conn: ConnectionInfo = {
      transport: "tcp",
      ip: "127.0.0.1",
      shell_port: shell,
      iopub_port: iopub,
      stdin_port: stdin,
      control_port: control,
      hb_port: hb,
      key: randomUUID(),
      signature_scheme: "hmac-sha256",
      kernel_name: "batchlab",
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-kernel-"));
    const connFile = path.join(dir, "connection.json");
    fs.writeFileSync(connFile, JSON.stringify(conn), { mode: 0o600 });
    const [cmd, ...args] = options.argv.map((a) => a.replace("{connection_file}", connFile));
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const client = new KernelClient(conn, connFile, child);
    child.stdout?.on("data", (d: Buffer) => (client.processLog += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (client.processLog += d.toString()));
    child.on("error", (e) => (client.processLog += `\n${e.message}\n`));
    try {
      await client.handshake(options.startupTimeoutMs ?? 60000);
    } catch (e) {
      await client.close(true);
      throw e;
    }
    return client;
  }

  /** The kernel process's exit description, or null while it runs. */
  get exited(): string | null {
    return this.exitInfo;
  }

  private async readLoop(
    sock: zmq.Dealer | zmq.Subscriber,
    handle: (m: Message) => void,
    name: string,
  ): Promise<void> {
    const debug = process.env.BATCHLAB_RUNNER_DEBUG
      ? (line: string) => process.stderr.write(`[${name}] ${line}\n`)
      : null;
    try {
      for await (const frames of sock) {
        let msg: Message;
        try {
          msg = decode(this.conn.key, frames as Buffer[]);
        } catch (e) {
          debug?.(`dropped a message: ${e instanceof Error ? e.message : e}`);
          continue;
        }
        debug?.(
          `${msg.header.msg_type} ${JSON.stringify(msg.content).slice(0, 80)} parent=${msg.parent_header.msg_id ?? "-"}`,
        );
        try {
          handle(msg);
        } catch (e) {
          // A bug in a handler must not stop the loop (later replies would never be read).
          process.stderr.write(
            `batchlab runner: error while handling a ${msg.header.msg_type} message: ${e instanceof Error ? e.stack : e}\n`,
          );
        }
      }
      debug?.("socket closed");
    } catch (e) {
      if (!this.closed)
        process.stderr.write(
          `batchlab runner: the ${name} socket failed: ${e instanceof Error ? e.message : e}\n`,
        );
    }
  }

  private onReply(msg: Message): void {
    const id = msg.parent_header.msg_id;
    const resolve = id ? this.pending.get(id) : undefined;
    if (id && resolve) {
      this.pending.delete(id);
      resolve(msg);
    }
  }

  private onIopub(msg: Message): void {
    const id = msg.parent_header.msg_id ?? "";
    if (msg.header.msg_type === "status" && msg.content.execution_state === "idle") {
      this.idleSeen.add(id);
      const w = this.idleWaiters.get(id);
      if (w) {
        this.idleWaiters.delete(id);
        w();
      }
    }
    const handler = this.handlers.get(id);
    if (handler) handler(msg);
  }

  private message(msgType: string, content: Record<string, unknown>): Message {
    return {
      header: {
        msg_id: randomUUID(),
        msg_type: msgType,
        session: this.session,
        username: "batchlab",
        date: new Date().toISOString(),
        version: "5.3",
      },
      parent_header: {},
      metadata: {},
      content,
    };
  }

  private sendQueue: Promise<unknown> = Promise.resolve();

  /** Sends a request and resolves with its reply. Sends are serialised: a ZeroMQ socket takes one at a time. */
  private send(sock: zmq.Dealer, msg: Message): Promise<Message> {
    const reply = new Promise<Message>((resolve) => this.pending.set(msg.header.msg_id, resolve));
    const sent = this.sendQueue.then(() => sock.send(encode(this.conn.key, msg)));
    this.sendQueue = sent.catch(() => undefined);
    return sent.then(() => reply);
  }

  /** Waits for kernel_info_reply and for iopub to deliver (ZeroMQ subscriptions join late). */
  private async handshake(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const ids: string[] = [];
    let replied = false;
    while (Date.now() < deadline) {
      if (this.exitInfo)
        throw new Error(`kernel ${this.exitInfo} during startup:\n${this.processLog.trim()}`);
      const msg = this.message("kernel_info_request", {});
      ids.push(msg.header.msg_id);
      const reply = this.send(this.shell, msg).then(() => (replied = true));
      await Promise.race([reply, new Promise((r) => setTimeout(r, 500))]);
      if (replied && ids.some((id) => this.idleSeen.has(id))) {
        for (const id of ids) this.pending.delete(id);
        return;
      }
    }
    throw new Error(
      `kernel did not answer kernel_info within ${Math.round(timeoutMs / 1000)} s:\n${this.processLog.trim()}`,
    );
  }

  /**
   * Runs one cell. `onIopub` receives this request's iopub messages, also those that arrive after
   * the reply (a kernel may keep writing to a finished cell's output). Resolves after the reply and
   * the kernel's "idle" status for the request, or "timeout"/"dead".
   */
  async execute(code: string, onIopub: IopubHandler, timeoutMs: number): Promise<ExecuteOutcome> {
    const msg = this.message("execute_request", {
      code,
      silent: false,
      store_history: true,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    });
    const id = msg.header.msg_id;
    this.handlers.set(id, onIopub);
    const idle = new Promise<void>((resolve) => {
      if (this.idleSeen.has(id)) resolve();
      else this.idleWaiters.set(id, resolve);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<ExecuteOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ status: "timeout" }), timeoutMs);
    });
    const dead = new Promise<ExecuteOutcome>((resolve) => {
      if (this.exitInfo) resolve({ status: "dead" });
      else this.exitWaiters.push(() => resolve({ status: "dead" }));
    });
    // The reply (shell) and the "idle" status (iopub) both mark the end of a cell; iopub is a
    // PUB/SUB channel, whose messages can be dropped when a cell floods it (live progress on a busy
    // machine), and a missing "idle" must not stall the run. So the cell ends with the reply plus
    // its idle, or with either one once the other has not come within IDLE_GRACE_MS.
    const replied = this.send(this.shell, msg);
    const done = (async (): Promise<ExecuteOutcome> => {
      const reply = await Promise.race([replied, idle.then(() => within(replied, IDLE_GRACE_MS))]);
      if (reply === null) {
        process.stderr.write(
          `batchlab runner: the kernel went idle but sent no execute_reply within ${IDLE_GRACE_MS / 1000} s; taking the cell as finished\n`,
        );
        return { status: "ok", idle: true };
      }
      const idleCame =
        (await within(
          idle.then(() => true),
          IDLE_GRACE_MS,
        )) ?? false;
      const status = String(reply.content.status);
      return {
        status: status === "ok" || status === "abort" ? status : "error",
        reply: reply.content,
        idle: idleCame,
      };
    })().catch((): ExecuteOutcome => ({ status: "dead" }));
    try {
      return await Promise.race([done, timeout, dead]);
    } finally {
      if (timer) clearTimeout(timer);
      this.idleWaiters.delete(id);
    }
  }

  /** Asks a running cell to stop (tslab interrupts on SIGINT). */
  interrupt(): void {
    if (!this.exitInfo) this.child.kill("SIGINT");
  }

  /** Shuts the kernel down (shutdown_request on control), then closes sockets; kills if needed. */
  async close(force = false): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!force && !this.exitInfo) {
      const bye = this.send(
        this.control,
        this.message("shutdown_request", { restart: false }),
      ).catch(() => undefined);
      await Promise.race([bye, new Promise((r) => setTimeout(r, 2000))]);
    }
    if (!this.exitInfo) {
      // tslab closes its sockets on shutdown but may keep timers alive; end the process.
      const exited = new Promise<void>((resolve) => this.exitWaiters.push(() => resolve()));
      this.child.kill("SIGTERM");
      const killed = await Promise.race([
        exited.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 3000)),
      ]);
      if (!killed && !this.exitInfo) this.child.kill("SIGKILL");
    }
    for (const s of [this.shell, this.control, this.iopub]) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
    for (const resolve of this.pending.values())
      resolve(this.message("closed", { status: "error" }));
    this.pending.clear();
    fs.rmSync(path.dirname(this.connFile), { recursive: true, force: true });
  }
}
