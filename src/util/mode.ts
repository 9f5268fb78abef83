// Quick mode shrinks every notebook's budget so the whole course executes in the test suite;
// full mode gives the lecture-quality figures. The runner sets BATCHLAB_QUICK=1 for the kernel.

/** True when BATCHLAB_QUICK is set to anything but "", "0" or "false" (in `env`, default the process's). */
export function isQuick(
  env: Record<string, string | undefined> | undefined = typeof process !== "undefined"
    ? process.env
    : undefined,
): boolean {
  const v = env?.BATCHLAB_QUICK || "";
  return v !== "" && v !== "0" && v.toLowerCase() !== "false";
}

/** The quick-mode value in quick mode, the full value otherwise. */
export function budget<T>(quick: T, full: T): T {
  return isQuick() ? quick : full;
}
