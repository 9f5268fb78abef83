// How many workers the pool uses: one per core by default, BATCHLAB_WORKERS=n to choose, and 1 for
// the serial behaviour (every job runs in the calling thread, as before the pool existed).

import * as os from "node:os";
import { BatchlabArgumentError } from "../util/validate";

/** The number of workers: BATCHLAB_WORKERS when set, else the machine's available parallelism. */
export function workerCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BATCHLAB_WORKERS;
  if (raw === undefined || raw.trim() === "") return Math.max(1, os.availableParallelism());
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new BatchlabArgumentError("BATCHLAB_WORKERS", raw, "a positive integer (1 = no workers)");
  return n;
}
