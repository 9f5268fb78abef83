// Exercise checks for every chapter. A grader is a function that throws ExerciseFailure with a
// message saying what is wrong ("you summed the gradients: divide by m"); check() runs it and
// prints one line, so a notebook cell with an exercise never stops the notebook, whatever the
// learner typed. Reference solutions are registered by name and printed only on request.

/** A wrong answer; the message is shown to the learner as is. */
export class ExerciseFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExerciseFailure";
  }
}

/** Thrown by todo(): the exercise is still the template. */
export class NotAttempted extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotAttempted";
  }
}

/** Placeholder for the learner's code: `return todo();` reads as "not attempted", not as an error. */
export function todo(what = "replace todo() with your answer"): never {
  throw new NotAttempted(what);
}

/**
 * For exercises whose answer is a value: a template leaves it `undefined`, which reads as "not
 * attempted" rather than as a wrong answer.
 */
export function answered<T>(value: T | undefined, name: string): T {
  if (value === undefined) throw new NotAttempted(`set ${name} to your answer`);
  return value;
}

/** Fail the exercise with a message for the learner. */
export function fail(message: string): never {
  throw new ExerciseFailure(message);
}

export type CheckStatus = "pass" | "fail" | "todo" | "error";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  message: string;
}

const MARK: Record<CheckStatus, string> = {
  pass: "✔ PASS",
  fail: "✘ FAIL",
  todo: "✎",
  error: "✘ ERROR",
};

/**
 * The line check() prints. An exercise not attempted yet reads as an invitation, not as an error:
 * "✎ try it: Exercise 2 · memory budget (set largestM to your answer)".
 */
export function formatResult(result: CheckResult): string {
  if (result.status === "todo") return `${MARK.todo} try it: ${result.name} (${result.message})`;
  return `${MARK[result.status]}  ${result.name}: ${result.message}`;
}

/**
 * Run a grader and print one line: PASS (with the grader's note when it returns a string), FAIL
 * with what was wrong, "try it" while the template is untouched, or ERROR when the learner's code threw.
 * Never throws. Returns nothing, so a notebook cell ending in check(...) shows only that line.
 */
export function check(name: string, grader: () => void | string): void {
  console.log(formatResult(grade(name, grader)));
}

/** What check() prints, as a value (for tests and tools); never throws. */
export function grade(name: string, grader: () => void | string): CheckResult {
  let result: CheckResult;
  try {
    const note = grader();
    result = {
      name,
      status: "pass",
      message: typeof note === "string" && note !== "" ? note : "correct.",
    };
  } catch (e) {
    if (e instanceof ExerciseFailure) result = { name, status: "fail", message: e.message };
    else if (e instanceof NotAttempted) result = { name, status: "todo", message: e.message };
    else {
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      result = { name, status: "error", message: `your code threw ${error}` };
    }
  }
  return result;
}

/** Relative difference |a − b| / max(|a|, |b|), 0 when both are 0. */
export function relativeDifference(a: number, b: number): number {
  const scale = Math.max(Math.abs(a), Math.abs(b));
  return scale === 0 ? 0 : Math.abs(a - b) / scale;
}

/** Whether a and b agree to a relative tolerance. */
export function nearlyEqual(a: number, b: number, rtol = 1e-9): boolean {
  return relativeDifference(a, b) <= rtol;
}

/** Fail unless `actual` is a finite number: the learner's answer must be one before it can be compared. */
export function expectNumber(what: string, actual: unknown): number {
  if (typeof actual !== "number" || !Number.isFinite(actual)) {
    fail(`${what} should be a finite number, but it is ${describeValue(actual)}.`);
  }
  return actual as number;
}

/** Fail unless |actual − expected| is within rtol relative to the larger of the two. */
export function expectClose(
  what: string,
  actual: unknown,
  expected: number,
  options: { rtol?: number; hint?: string } = {},
): void {
  const value = expectNumber(what, actual);
  if (!nearlyEqual(value, expected, options.rtol ?? 1e-6)) {
    fail(
      `${what} should be ${formatNumber(expected)}, got ${formatNumber(value)}.${options.hint ? " " + options.hint : ""}`,
    );
  }
}

/** A short description of any value, for messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined (did you forget to return it?)";
  if (value === null) return "null";
  if (typeof value === "number") return formatNumber(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return `a ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value;
}

/** A number at 6 significant digits, for messages. */
export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  const a = Math.abs(x);
  return a >= 1e-4 && a < 1e6 ? String(Number(x.toPrecision(6))) : x.toExponential(4);
}

export interface Solution {
  /** TypeScript the learner can paste into the exercise cell. */
  code: string;
  /** Why it is right, in a sentence or two. */
  explanation?: string;
}

const solutions = new Map<string, Solution>();

/** Register reference solutions by name (chapters do this in their grader modules). */
export function registerSolutions(entries: Record<string, Solution>): void {
  for (const [name, s] of Object.entries(entries)) {
    const existing = solutions.get(name);
    if (existing && existing.code !== s.code)
      throw new Error(`two different solutions registered as "${name}"`);
    solutions.set(name, s);
  }
}

/** Names of all registered solutions. */
export function solutionNames(): string[] {
  return Array.from(solutions.keys()).sort();
}

/** The registered solution, for tests and tools; undefined when none has that name. */
export function getSolution(name: string): Solution | undefined {
  return solutions.get(name);
}

/** Print the reference solution of an exercise (try first!). */
export function solution(name: string): void {
  const s = solutions.get(name);
  if (!s) {
    console.log(`No solution is called "${name}". Known: ${solutionNames().join(", ") || "none"}.`);
    return;
  }
  console.log(
    `Solution "${name}":\n\n${s.code.trim()}\n${s.explanation ? `\n${s.explanation.trim()}\n` : ""}`,
  );
}
