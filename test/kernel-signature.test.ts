// The kernel launcher (scripts/kernel.cjs) checks every shell message's HMAC signature itself, in
// constant time, before tslab sees it: a forged message is dropped without running, and nothing the
// kernel writes contains the signature the forged message should have had (tslab 1.0.22 on its own
// logs "invalid hmac X; want Y", Y being exactly that, ready to replay).

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zmq from "zeromq";
import {
  KernelClient,
  decode,
  sign,
  type ConnectionInfo,
  type Message,
} from "../scripts/runner/kernel-client";
import { root } from "./helpers/run";

let kernel: KernelClient;
let conn: ConnectionInfo;
let dealer: zmq.Dealer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "batchlab-kernel-signature-"));

before(async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, BATCHLAB_QUICK: "1" };
  delete env.NODE_TEST_CONTEXT;
  kernel = await KernelClient.start({
    argv: [process.execPath, path.join(root, "scripts", "kernel.cjs"), "{connection_file}"],
    cwd: root,
    env,
  });
  // The test plays a second client on the same shell socket, which needs the connection's ports and key.
  conn = (kernel as unknown as { conn: ConnectionInfo }).conn;
  dealer = new zmq.Dealer({ routingId: `forger-${randomUUID()}`, linger: 0 });
  dealer.connect(`${conn.transport}://${conn.ip}:${conn.shell_port}`);
  void readReplies();
});

after(async () => {
  dealer?.close();
  await kernel?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An execute_request whose cell writes `marker`: the file exists exactly when the cell ran. */
function executeRequest(marker: string): { msg: Message; parts: string[] } {
  const msg: Message = {
    header: {
      msg_id: randomUUID(),
      msg_type: "execute_request",
      session: randomUUID(),
      username: "test",
      date: new Date().toISOString(),
      version: "5.3",
    },
    parent_header: {},
    metadata: {},
    content: {
      code: `require("fs").writeFileSync(${JSON.stringify(marker)}, "ran");`,
      silent: false,
      store_history: false,
      user_expressions: {},
      allow_stdin: false,
      stop_on_error: true,
    },
  };
  const parts = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) =>
    JSON.stringify(p),
  );
  return { msg, parts };
}

/** Replies received on the test's own socket, read by one loop (a ZeroMQ socket takes one receive at a time). */
const replies: Message[] = [];
async function readReplies(): Promise<void> {
  try {
    for await (const frames of dealer) replies.push(decode(conn.key, frames as Buffer[]));
  } catch {
    // the socket was closed
  }
}

/** The shell reply to msgId, or null when none came within ms. */
async function replyTo(msgId: string, ms: number): Promise<Message | null> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const reply = replies.find((m) => m.parent_header.msg_id === msgId);
    if (reply) return reply;
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

test("a message with a forged signature is not executed, and the valid signature appears in no log", async () => {
  const marker = path.join(dir, "forged");
  const { msg, parts } = executeRequest(marker);
  const valid = sign(conn.key, parts);
  const logBefore = kernel.processLog.length;
  // Forged: right length, wrong bytes; then one of the wrong length.
  for (const forged of [
    "0".repeat(64),
    valid.slice(0, 63) + (valid[63] === "0" ? "1" : "0"),
    "abc",
  ]) {
    await dealer.send(["<IDS|MSG>", forged, ...parts]);
  }
  const reply = await replyTo(msg.header.msg_id, 3000);
  assert.equal(reply, null, "no reply to a forged message");
  assert.equal(fs.existsSync(marker), false, "the forged cell did not run");
  const log = kernel.processLog.slice(logBefore);
  assert.ok(
    !log.includes(valid),
    `the kernel's output never contains the valid signature:\n${log}`,
  );
  assert.ok(!/want/i.test(log), `no "want <signature>" line:\n${log}`);
  assert.match(
    log,
    /ignored a message with an invalid signature/,
    "the drop is logged (without signatures)",
  );
});

test("a correctly signed message from the same socket still runs", async () => {
  const marker = path.join(dir, "valid");
  const { msg, parts } = executeRequest(marker);
  await dealer.send(["<IDS|MSG>", sign(conn.key, parts), ...parts]);
  const reply = await replyTo(msg.header.msg_id, 60_000);
  assert.ok(reply, "the kernel replied");
  assert.equal(reply.content.status, "ok", JSON.stringify(reply.content));
  assert.equal(fs.readFileSync(marker, "utf8"), "ran");
  // And the project's own client, on its socket, is unaffected.
  const outcome = await kernel.execute("1 + 1", () => undefined, 60_000);
  assert.equal(outcome.status, "ok");
});
