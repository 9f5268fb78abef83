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
const crypto = require("crypto");
const { ZmqServer } = require(path.join(tslabDir, "dist", "jupyter.js"));
const DELIMITER = Buffer.from("<IDS|MSG>");

/** Whether the frames [identities…, <IDS|MSG>, signature, header, parent, metadata, content, …] are signed with key. */
function validSignature(key, frames) {
  const buffers = frames.map((f) => (Buffer.isBuffer(f) ? f : Buffer.from(f)));
  const d = buffers.findIndex((f) => f.equals(DELIMITER));
  if (d < 0 || buffers.length < d + 6) return false;
  // The same bytes tslab signs: every frame after the signature.
  const hmac = crypto.createHmac("sha256", key);
  for (const part of buffers.slice(d + 2)) hmac.update(part);
  const expected = Buffer.from(hmac.digest("hex"), "utf8");
  const given = buffers[d + 1];
  // timingSafeEqual needs equal lengths; the length of a hex SHA-256 digest is no secret.
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}

const handleShellMessage = ZmqServer.prototype.handleShellMessage;
if (typeof handleShellMessage !== "function") throw new Error("tslab's ZmqServer has no handleShellMessage: the signature check in scripts/kernel.cjs needs updating");
ZmqServer.prototype.handleShellMessage = function (sock, ...frames) {
  if (!validSignature(this.connInfo.key, frames)) {
    console.error("batchlab kernel: ignored a message with an invalid signature");
    return Promise.resolve();
  }
  return handleShellMessage.call(this, sock, ...frames);
};

const { startKernel } = require(path.join(tslabDir, "dist", "main.js"));
startKernel({ configPath: path.resolve(configPath), enableFindLocal: false });
