// The shared control block of the data-parallel engine: one Int32Array over a SharedArrayBuffer
// that the calling thread and its worker threads read and write with Atomics. A step is a bump of
// EPOCH (Atomics.notify wakes the workers); no message crosses a thread per step, so a step costs
// a wake-up, not a message-passing round trip through the event loops.
//
// Each share of a step is claimed exactly once, by compare-and-swap of its CLAIMED slot from the
// previous epoch to this one: by its worker when it wakes, or by the calling thread once its own
// share is done and the worker has not woken yet (on a machine with more runnable threads than
// cores, a worker may not be scheduled for milliseconds). Whoever claims it computes it; a worker
// marks it DONE with the epoch and notifies. So a step never waits for a thread that is not running.
// Commands other than a step (pause, stop) are rare and acknowledged: PENDING counts down to zero.

/** Incremented by the calling thread to start a command; each worker waits on it. */
export const EPOCH = 0;
/** Workers that have not finished the current command; the last one to finish notifies. */
export const PENDING = 1;
/** What the bump of EPOCH asks for (STEP, PAUSE, STOP). */
export const COMMAND = 2;
/** Workers that have loaded their code and answer commands. */
export const READY = 3;
/** 0, or the index of a worker whose last command failed (its message is in the error text). */
export const ERROR = 4;
/** Bytes of the error text. */
export const ERROR_LENGTH = 5;
/** Id of the dataset the current step reads. */
export const DATA = 6;
/** Worker w's share of the batch: indices [start, start + count) of the shared batch buffer. */
export const shareStart = (w: number): number => 8 + 4 * w;
export const shareCount = (w: number): number => 9 + 4 * w;
/** The last epoch whose share w was claimed (by worker w or by the calling thread). */
export const shareClaimed = (w: number): number => 10 + 4 * w;
/** The last epoch whose share w worker w has finished. */
export const shareDone = (w: number): number => 11 + 4 * w;
/** Int32 slots of the control block for K workers. */
export const controlSlots = (workers: number): number => 8 + 4 * workers;

/** Compute the gradient of the share. */
export const STEP = 1;
/** Leave the waiting loop and read messages (new buffers or a new dataset), until "run". */
export const PAUSE = 2;
/** Leave for good. */
export const STOP = 3;

/** Bytes reserved for a worker's error message. */
export const ERROR_BYTES = 4096;

/** What a worker is started with (worker_threads workerData). */
export interface ShardSetup {
  widths: number[];
  /** This worker's index w ≥ 1 (share 0 is the calling thread's). */
  index: number;
  control: SharedArrayBuffer;
  errorText: SharedArrayBuffer;
  /** The slots worker.cjs needs to report a failure to load (it cannot import this file). */
  slots: { READY: number; ERROR: number; ERROR_LENGTH: number };
}

/** Messages to a worker between commands (while it is paused). */
export type ShardMessage =
  | {
      type: "buffers";
      /** The float32 weights (the kernels' padded rows). */
      weights: SharedArrayBuffer;
      /** Each share's float32 mean gradient, one slot per worker. */
      gradients: SharedArrayBuffer;
      /** Each share's summed loss (float64). */
      losses: SharedArrayBuffer;
      batch: SharedArrayBuffer;
    }
  | {
      type: "data";
      id: number;
      name: string;
      n: number;
      d: number;
      classes?: number;
      x: SharedArrayBuffer;
      y: SharedArrayBuffer;
    }
  | { type: "drop"; id: number }
  | { type: "run"; epoch: number };

/** Writes a failure into the shared error slot (worker side) or reads it (calling thread). */
export function writeError(
  control: Int32Array,
  errorText: SharedArrayBuffer,
  worker: number,
  message: string,
): void {
  const bytes = new TextEncoder().encode(message).subarray(0, ERROR_BYTES);
  new Uint8Array(errorText).set(bytes);
  Atomics.store(control, ERROR_LENGTH, bytes.length);
  Atomics.store(control, ERROR, worker);
}

export function readError(control: Int32Array, errorText: SharedArrayBuffer): string {
  const length = Atomics.load(control, ERROR_LENGTH);
  // TextDecoder refuses views of shared memory: copy first.
  return new TextDecoder().decode(new Uint8Array(errorText).slice(0, length));
}
