// A worker of the data-parallel engine (runs in a worker thread, started by worker.cjs). It holds
// its own one-worker engine (wasmMlp's MlpEngine) and a float32 copy of every dataset it is sent;
// per step it copies the float32 weights from shared memory, computes the mean gradient of its
// share of the batch with that engine, and writes it (float32, the kernels' rows) into its own slot
// of the shared gradients, and the share's summed loss beside it.

import type { Dataset } from "../../data/dataset";
import { loadKernels } from "../wasm/runtime";
import { MlpEngine } from "../wasmMlp";
import {
  COMMAND,
  DATA,
  EPOCH,
  PAUSE,
  PENDING,
  READY,
  STEP,
  shareClaimed,
  shareCount,
  shareDone,
  shareStart,
  writeError,
  type ShardMessage,
  type ShardSetup,
} from "./layout";

/** How long a worker spins for the next step before it sleeps (milliseconds). */
const SPIN_MS = 2;

interface MessagePortLike {
  on(event: "message", listener: (message: ShardMessage) => void): void;
  close(): void;
}

export async function serveShard(setup: ShardSetup, port: MessagePortLike): Promise<void> {
  await loadKernels(); // each thread assembles its own kernels (wabt loads asynchronously)
  const control = new Int32Array(setup.control);
  const w = setup.index;
  const engine = MlpEngine.of(setup.widths);
  const datasets = new Map<number, Dataset>();
  let weights: Float32Array = new Float32Array(0);
  let slot: Float32Array = new Float32Array(0);
  let losses: Float64Array = new Float64Array(0);
  let batch: Int32Array = new Int32Array(0);

  const finish = (): void => {
    if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
  };

  const step = (): void => {
    const count = Atomics.load(control, shareCount(w));
    if (count === 0) return; // m < K: this share has no examples
    const start = Atomics.load(control, shareStart(w));
    const data = datasets.get(Atomics.load(control, DATA));
    if (!data) throw new Error(`worker ${w} has no dataset ${Atomics.load(control, DATA)}`);
    engine.copyWeightsFrom(weights);
    losses[w] = engine.rowsGradient(data, batch.subarray(start, start + count), slot);
  };

  /** Answers commands until told to pause or stop; `seen` is the EPOCH the calling thread has already been served for. */
  const serve = (seen: number): void => {
    for (;;) {
      // Spin a little before sleeping: the next step usually starts a fraction of a millisecond
      // after this share is done, while a thread asleep in Atomics.wait took about a millisecond to
      // run again on a 2-core machine (as long as a share of a step at m = 128), and the calling
      // thread then took the share itself and waited for this one on top (bench: 0.5× one
      // worker at m = 128 without the spin).
      const spinUntil = performance.now() + SPIN_MS;
      while (Atomics.load(control, EPOCH) === seen && performance.now() < spinUntil);
      Atomics.wait(control, EPOCH, seen);
      const now = Atomics.load(control, EPOCH);
      if (now === seen) continue;
      seen = now;
      const command = Atomics.load(control, COMMAND);
      if (command === STEP) {
        // The calling thread may have taken this share (and even started later steps) while this
        // thread was not scheduled: then the swap fails and there is nothing to do.
        if (Atomics.compareExchange(control, shareClaimed(w), now - 1, now) !== now - 1) continue;
        try {
          step();
        } catch (e) {
          writeError(
            control,
            setup.errorText,
            w,
            e instanceof Error ? (e.stack ?? e.message) : String(e),
          );
        }
        Atomics.store(control, shareDone(w), now);
        Atomics.notify(control, shareDone(w));
        continue;
      }
      finish();
      if (command !== PAUSE) port.close(); // STOP: no more messages, the thread can end
      return;
    }
  };

  port.on("message", (message) => {
    switch (message.type) {
      case "buffers":
        weights = new Float32Array(message.weights);
        batch = new Int32Array(message.batch);
        slot = new Float32Array(message.gradients, w * engine.paddedSize * 4, engine.paddedSize);
        losses = new Float64Array(message.losses);
        break;
      case "data":
        datasets.set(message.id, {
          name: message.name,
          n: message.n,
          d: message.d,
          classes: message.classes,
          x: new Float64Array(message.x),
          y: new Float64Array(message.y),
        });
        break;
      case "drop":
        datasets.delete(message.id);
        break;
      case "run":
        serve(message.epoch);
        break;
    }
  });
  Atomics.add(control, READY, 1);
  Atomics.notify(control, READY);
}
