// Argument checks shared by every public function. Each error names the argument and the value
// it received, so a learner who passes m = 0 reads "m must be a positive integer, got 0" instead
// of a NaN three cells later.

export class BatchlabArgumentError extends RangeError {
  /**
   * `requirement` completes "<argument> must be …"; `where` (a row and column, a step, a config)
   * is appended in parentheses. A subclass with its own sentence passes `message` instead.
   */
  constructor(
    readonly argument: string,
    readonly value: unknown,
    requirement: string,
    options: { where?: string; message?: string } = {},
  ) {
    super(
      options.message ??
        `${argument} must be ${requirement}, got ${describe(value)}${options.where ? ` (${options.where})` : ""}`,
    );
    this.name = "BatchlabArgumentError";
  }
}

/** The value as an error message shows it: short, and with its type visible (1 vs "1"). */
function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === "object") {
    const name = (value as object).constructor?.name;
    return name && name !== "Object" ? `a ${name}` : "an object";
  }
  return String(value);
}

export function checkPositiveInteger(argument: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0)
    throw new BatchlabArgumentError(argument, value, "a positive integer");
}

export function checkNonNegativeInteger(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 0)
    throw new BatchlabArgumentError(argument, value, "a non-negative integer");
}

export function checkPositiveFinite(argument: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new BatchlabArgumentError(argument, value, "a finite number > 0");
  }
}

export function checkFinite(argument: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value))
    throw new BatchlabArgumentError(argument, value, "a finite number");
}

export function checkInRange(argument: string, value: number, lo: number, hi: number): void {
  if (typeof value !== "number" || !(value >= lo && value <= hi)) {
    throw new BatchlabArgumentError(argument, value, `a number in [${lo}, ${hi}]`);
  }
}

export function checkLength(argument: string, value: ArrayLike<number>, expected: number): void {
  checkArrayLike(argument, value, `an array of length ${expected}`);
  if (value.length !== expected)
    throw new BatchlabArgumentError(argument, value, `of length ${expected}`);
}

export function checkAllFinite(argument: string, values: ArrayLike<number>): void {
  checkArrayLike(argument, values, "a non-empty array of finite numbers");
  if (values.length === 0) throw new BatchlabArgumentError(argument, values, "non-empty");
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new BatchlabArgumentError(`${argument}[${i}]`, values[i], "a finite number");
    }
  }
}

/** A non-empty list (array or typed array) of numbers: what a JavaScript caller may pass instead is named. */
export function checkArrayLike(
  argument: string,
  value: unknown,
  requirement = "an array of numbers",
): asserts value is ArrayLike<number> {
  const ok = Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView));
  if (!ok) throw new BatchlabArgumentError(argument, value, requirement);
}

/**
 * Example indices: a non-empty list of integers in 0..n−1 (any non-negative integer when n is not
 * known). Checked at every use: a stray index would otherwise read past the data and give NaN.
 */
export function checkIndices(
  argument: string,
  indices: unknown,
  n?: number,
): asserts indices is ArrayLike<number> {
  const requirement =
    n === undefined
      ? "a non-empty list of example indices"
      : `a non-empty list of example indices in 0..${n - 1}`;
  checkArrayLike(argument, indices, requirement);
  if (indices.length === 0) throw new BatchlabArgumentError(argument, indices, requirement);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (typeof i !== "number" || !Number.isInteger(i) || i < 0 || (n !== undefined && i >= n)) {
      throw new BatchlabArgumentError(
        `${argument}[${k}]`,
        i,
        n === undefined ? "an example index (an integer ≥ 0)" : `an example index in 0..${n - 1}`,
      );
    }
  }
}

/** A plain object (an options bag, a record): not null, not an array, not a number or string. */
export function checkObject(argument: string, value: unknown, requirement = "an object"): void {
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new BatchlabArgumentError(argument, value, requirement);
}

export function checkFunction(argument: string, value: unknown, requirement = "a function"): void {
  if (typeof value !== "function") throw new BatchlabArgumentError(argument, value, requirement);
}

/** A random generator made by rng(seed) (anything with next(), int(n) and normal()). */
export function checkRng(argument: string, value: unknown): void {
  const r = value as { next?: unknown; int?: unknown; normal?: unknown } | null;
  if (
    r === null ||
    typeof r !== "object" ||
    typeof r.next !== "function" ||
    typeof r.int !== "function" ||
    typeof r.normal !== "function"
  ) {
    throw new BatchlabArgumentError(argument, value, "a random generator made by rng(seed)");
  }
}

export function checkString(argument: string, value: unknown): void {
  if (typeof value !== "string") throw new BatchlabArgumentError(argument, value, "a string");
}
