// A pool worker: loads the library's TypeScript sources through tsx (so no build step is needed,
// in `npm start` and inside the tslab kernel alike), then runs the jobs it is sent, one at a time.
// Messages in:  { id, job: { module, name }, file, config }
// Messages out: { id, type: "progress", fraction } | { id, type: "result", value, seconds } | { id, type: "error", message, stack }
"use strict";
const { parentPort } = require("node:worker_threads");
require("tsx/cjs/api").register();

const cache = new Map();
function load(file, name) {
  const key = `${file}#${name}`;
  if (!cache.has(key)) {
    const fn = require(file)[name];
    if (typeof fn !== "function") throw new Error(`${name} is not a function exported by ${file}`);
    cache.set(key, fn);
  }
  return cache.get(key);
}

parentPort.on("message", async (msg) => {
  const { id } = msg;
  try {
    const fn = load(msg.file, msg.job.name);
    const t0 = performance.now();
    const value = await fn(msg.config, {
      report: (fraction) => parentPort.postMessage({ id, type: "progress", fraction }),
    });
    parentPort.postMessage({ id, type: "result", value, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    parentPort.postMessage({
      id,
      type: "error",
      message: e instanceof Error ? e.message : String(e),
      stack: e instanceof Error ? e.stack : undefined,
    });
  }
});
