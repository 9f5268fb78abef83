// A worker thread of the data-parallel engine: loads the library's TypeScript sources through tsx
// (no build step, in `npm start`, the tests and inside the tslab kernel alike, as src/pool does),
// then serves its share of every step (shard.ts). A failure to load is written into the shared
// error slot, so that the calling thread, which waits on shared memory and not on messages, sees it.
"use strict";
const path = require("node:path");
const { parentPort, workerData } = require("node:worker_threads");

function reportFailure(e) {
  const { control, errorText, index, slots } = workerData;
  const ctrl = new Int32Array(control);
  const bytes = new TextEncoder()
    .encode(`worker ${index} failed to load: ${e && e.stack ? e.stack : String(e)}`)
    .subarray(0, errorText.byteLength);
  new Uint8Array(errorText).set(bytes);
  Atomics.store(ctrl, slots.ERROR_LENGTH, bytes.length);
  Atomics.store(ctrl, slots.ERROR, index);
  Atomics.notify(ctrl, slots.READY);
}

try {
  require("tsx/cjs/api").register();
  // serveShard first loads the kernels' assembler (asynchronously), then serves steps.
  Promise.resolve(
    require(path.join(__dirname, "shard.ts")).serveShard(workerData, parentPort),
  ).catch(reportFailure);
} catch (e) {
  reportFailure(e);
}
