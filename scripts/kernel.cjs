#!/usr/bin/env node
// Starts the project's own tslab kernel from the project root, whatever folder Jupyter starts it
// in. tslab compiles every cell with rootDir = the working directory, so running from the root is
// what lets a notebook in notebooks/ write `import ... from "./src/index"` without a build step.
"use strict";
const path = require("path");

const root = path.resolve(__dirname, "..");
const configPath = process.argv[2];
if (!configPath) {
  console.error("usage: node scripts/kernel.cjs <jupyter-connection-file>");
  process.exit(2);
}
process.chdir(root);
process.env.BATCHLAB_ROOT = root;

const tslabDir = path.join(root, "node_modules", "tslab");

// tslab runs TypeScript's watch compiler with a single debounce timer that only tslab itself fires
// (when a cell is compiled), and throws "Unexpected pending rebuildTimer" when a second one is
// asked for. Any watcher of a real file or folder that reports a change asks for one and then waits
// for it, so the next cell fails instead of running, and tslab reports that failure on the
// process's stderr only. Watching the disk from a kernel is therefore switched off: cells (tslab's
// in-memory files) are unaffected, and edits to src/ take effect on a kernel restart, which starts
// from a fresh compile (the README says so).
const ts = require(require.resolve("@tslab/typescript-for-tslab", { paths: [tslabDir] }));
const noWatcher = () => ({ close() {} });
ts.sys.watchDirectory = noWatcher;
ts.sys.watchFile = noWatcher;

// tslab 1.0.22 checks a message's HMAC signature with `==` (a timing side channel) and, on a
// mismatch, throws "invalid hmac <given>; want <expected>", which ends up in the kernel's log: the
// valid signature of the forged message, there for any local process that can read the log to
// replay. Every shell and control message is checked here first instead, in constant time; one
// that fails is dropped with a log line that names neither signature, so tslab's own check only
// ever sees valid messages.
const { createHmac, timingSafeEqual } = require("crypto");
const { ZmqServer } = require(path.join(tslabDir, "dist", "jupyter.js"));
const DELIMITER = Buffer.from("<IDS|MSG>");

/** Whether the frames [identities…, <IDS|MSG>, signature, header, parent, metadata, content, …] are signed with key. */
function validSignature(key, frames) {
  const buffers = frames.map((f) => (Buffer.isBuffer(f) ? f : Buffer.from(f)));
  const d = buffers.findIndex((f) => f.equals(DELIMITER));
  if (d < 0 || buffers.length < d + 6) return false;
  // The same bytes tslab signs: every frame after the signature.
  const hmac = createHmac("sha256", key);
  for (const part of buffers.slice(d + 2)) hmac.update(part);
  const expected = Buffer.from(hmac.digest("hex"), "utf8");
  const given = buffers[d + 1];
  // timingSafeEqual needs equal lengths; the length of a hex SHA-256 digest is no secret.
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const handleShellMessage = ZmqServer.prototype.handleShellMessage;
if (typeof handleShellMessage !== "function")
  throw new Error(
    "tslab's ZmqServer has no handleShellMessage: the signature check in scripts/kernel.cjs needs updating",
  );
ZmqServer.prototype.handleShellMessage = function (sock, ...frames) {
  if (!validSignature(this.connInfo.key, frames)) {
    console.error("batchlab kernel: ignored a message with an invalid signature");
    return Promise.resolve();
  }
  return handleShellMessage.call(this, sock, ...frames);
};

// zeromq.js 6 sends at most 512 messages on a socket without giving the event loop a turn; it
// defers the next one to the loop's next turn, and until that one has gone out every further send()
// throws "Socket is busy writing" (EBUSY). tslab never waits for a send, so a cell whose output
// crosses that count within one turn loses messages: console.log swallows the throw (the lines
// vanish), tslab's display throws it into the cell (which fails), and the cell's error text, its
// traceback and the kernel's "idle" status, all sent in the same turn, are lost the same way; the
// client sees only an execute_reply with status "error". Which message is the 513th depends on how
// much live progress the earlier cells sent, hence on the machine's speed. So every socket tslab
// sends on queues a message that meets a busy socket and sends it, in order, once the deferred one
// has gone out.
const fs = require("fs");
const SENDING = Symbol("batchlab in-order sends");

/** The socket, with a send that never throws EBUSY: a message that meets a busy socket waits its turn, in order. */
function sendInOrder(sock) {
  const send = sock.send.bind(sock);
  const queue = [];
  let last = Promise.resolve();
  // The kernel's own stderr, not tslab's (tslab redirects process.stderr into the running cell).
  const report = (e) =>
    fs.writeSync(
      2,
      `batchlab kernel: a message could not be sent: ${e && e.message ? e.message : e}\n`,
    );
  const drain = async () => {
    while (queue.length > 0) {
      try {
        await send(queue[0]);
      } catch (e) {
        report(e);
      }
      queue.shift();
    }
  };
  const sendOrQueue = (frames) => {
    if (queue.length === 0) {
      try {
        last = send(frames);
        last.catch(report);
        return last;
      } catch (e) {
        if (!e || e.code !== "EBUSY") {
          report(e);
          return Promise.resolve();
        }
      }
    }
    queue.push(frames);
    if (queue.length === 1) last.then(drain, drain);
    return Promise.resolve();
  };
  // zeromq's sockets are not extensible and their send is read-only: tslab gets a view of the socket
  // whose send is the one above (its other methods run on the socket itself).
  return new Proxy(sock, {
    get(target, prop) {
      if (prop === "send") return sendOrQueue;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

for (const name of ["iopub", "shell", "control"]) {
  Object.defineProperty(ZmqServer.prototype, name, {
    configurable: true,
    get() {
      return this[SENDING]?.[name];
    },
    set(sock) {
      // A publisher drops, silently, every message over its high-water mark (1,000 queued by
      // default) while its I/O thread has not yet passed the queue on: a burst of output on a busy
      // machine lost its last lines that way (CI: lines 1,491–1,499 of test/fixtures/burst.ipynb's
      // 1,500, the display after them arrived). 0 = no limit: output is never dropped here.
      if (name === "iopub" && sock) sock.sendHighWaterMark = 0;
      this[SENDING] = { ...this[SENDING], [name]: sock ? sendInOrder(sock) : sock };
    },
  });
}

const { startKernel } = require(path.join(tslabDir, "dist", "main.js"));
startKernel({ configPath: path.resolve(configPath), enableFindLocal: false });
