// Argument checks shared by every public function. Each error names the argument and the value
// it received, so a learner who passes m = 0 reads "m must be a positive integer, got 0" instead
// of a NaN three cells later.

export class BatchlabArgumentError extends RangeError {
  constructor(readonly argument: string, readonly value: unknown, requirement: string) {
    super(`${argument} must be ${requirement}, got ${describe(value)}`);
    this.name = "BatchlabArgumentError";
  }
}

function describe(value: unknown): string {
  if (typeof value === "number") return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  return String(value);
}

export function checkPositiveInteger(argument: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) throw new BatchlabArgumentError(argument, value, "a positive integer");
}

export function checkNonNegativeInteger(argument: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new BatchlabArgumentError(argument, value, "a non-negative integer");
}

export function checkPositiveFinite(argument: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new BatchlabArgumentError(argument, value, "a finite number > 0");
  }
}

export function checkFinite(argument: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new BatchlabArgumentError(argument, value, "a finite number");
}

export function checkInRange(argument: string, value: number, lo: number, hi: number): void {
  if (typeof value !== "number" || !(value >= lo && value <= hi)) {
    throw new BatchlabArgumentError(argument, value, `a number in [${lo}, ${hi}]`);
  }
}

export function checkLength(argument: string, value: ArrayLike<number>, expected: number): void {
  if (value.length !== expected) throw new BatchlabArgumentError(argument, value, `of length ${expected}`);
}

export function checkAllFinite(argument: string, values: ArrayLike<number>): void {
  if (values.length === 0) throw new BatchlabArgumentError(argument, values, "non-empty");
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new BatchlabArgumentError(`${argument}[${i}]`, values[i], "a finite number");
    }
  }
}
