// Progress of a long sweep: which configuration is running, how far the sweep is, and when it
// will end. The interface is the one of `liveProgress` in src/display (a bar that updates in place
// in a notebook); `consoleProgress` is the same for a terminal, on stderr so it never mixes with
// results printed on stdout.

export interface ProgressHandle {
  /** `done` units of the total are finished; `extra` says what is running now. */
  update(done: number, extra?: string): void;
  /** The task is over (also after an error). */
  done(): void;
}

/** Starts a progress display for a task of `total` units. */
export type ProgressFactory = (label: string, total: number) => ProgressHandle;

export interface ConsoleProgressOptions {
  /** Where lines go (default process.stderr). */
  write?: (line: string) => void;
  /** At most one line per this many milliseconds, besides the first and the last (default 2000). */
  intervalMs?: number;
}

/** A ProgressFactory that prints a line now and then: for scripts, tests and the headless runner. */
export function consoleProgress(options: ConsoleProgressOptions = {}): ProgressFactory {
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const interval = options.intervalMs ?? 2000;
  return (label, total) => {
    let last = -Infinity;
    let latest = "";
    let finished = false;
    const line = (done: number, extra?: string) =>
      `${label}: ${done}/${total}${extra ? ` · ${extra}` : ""}`;
    return {
      update(done, extra) {
        latest = line(done, extra);
        const now = Date.now();
        if (now - last >= interval || done >= total) {
          last = now;
          write(latest);
        }
      },
      done() {
        if (finished) return;
        finished = true;
        write(`${label}: finished${latest ? ` (${latest.slice(label.length + 2)})` : ""}`);
      },
    };
  };
}

/** A ProgressFactory that shows nothing. */
export const silentProgress: ProgressFactory = () => ({ update() {}, done() {} });

/**
 * Estimated seconds left when `done` of `total` units took `elapsed` seconds. Units that cost
 * nothing (runs read from the cache) should be left out of both `done` and `total` by the caller,
 * or the estimate will be far too optimistic.
 */
export function remainingSeconds(elapsed: number, done: number, total: number): number {
  if (done <= 0) return NaN;
  return (elapsed / done) * Math.max(0, total - done);
}

/** Lets the event loop run (a notebook's progress messages are sent from it) before continuing. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
