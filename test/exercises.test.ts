import { test } from "node:test";
import assert from "node:assert/strict";
import ts from "typescript";
import {
  ExerciseFailure,
  TWO_BATCH_EXERCISE,
  check,
  expectClose,
  fail,
  formatResult,
  getSolution,
  grade,
  gradeCombineWorkers,
  gradePredictedVariance,
  gradeSameExpectedStep,
  gradeTraceCov,
  gradeTwoBatchBSimple,
  gradeUpdateStep,
  registerSolutions,
  solution,
  solutionNames,
  todo,
  type CheckResult,
} from "../src/exercises/index";

const failMessage = (r: CheckResult): string => {
  assert.equal(r.status, "fail", `expected a failure, got ${r.status}: ${r.message}`);
  return r.message;
};

/** Run a registered solution's code and return the value of `name` it defines. */
function runSolution(key: string, name: string): unknown {
  const s = getSolution(key);
  assert.ok(s, `solution "${key}" is registered`);
  const js = ts.transpileModule(s.code, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
  }).outputText;
  return new Function("TWO_BATCH_EXERCISE", `${js}\nreturn ${name};`)(TWO_BATCH_EXERCISE);
}

function captureLog(fn: () => void): string {
  const original = console.log;
  const lines: string[] = [];
  console.log = (...args: unknown[]) => {
    lines.push(args.join(" "));
  };
  try {
    fn();
  } finally {
    console.log = original;
  }
  return lines.join("\n");
}

test("grade reports pass, fail, todo and error and never throws; check prints it", () => {
  assert.deepEqual(
    grade("a", () => "well done"),
    { name: "a", status: "pass", message: "well done" },
  );
  assert.equal(grade("b", () => undefined).message, "correct.");
  assert.deepEqual(
    grade("c", () => fail("η is missing")),
    { name: "c", status: "fail", message: "η is missing" },
  );
  assert.equal(grade("d", () => todo()).status, "todo");
  const err = grade("e", () => {
    throw new TypeError("x is not a function");
  });
  assert.equal(err.status, "error");
  assert.match(err.message, /your code threw TypeError: x is not a function/);
  assert.equal(formatResult({ name: "ex", status: "fail", message: "m." }), "✘ FAIL  ex: m.");
  const printed = captureLog(() => check("printed", () => fail("why")));
  assert.equal(printed, "✘ FAIL  printed: why");
});

test("expectClose names the quantity, the expected and the actual value", () => {
  assert.throws(
    () => expectClose("η", 0.2, 0.1),
    (e: unknown) => e instanceof ExerciseFailure && e.message === "η should be 0.1, got 0.2.",
  );
  assert.throws(
    () => expectClose("η", undefined, 0.1),
    /η should be a finite number, but it is undefined \(did you forget to return it\?\)/,
  );
  assert.doesNotThrow(() => expectClose("η", 0.1 + 1e-12, 0.1));
});

test("solutions print on request; unknown names list the known ones; clashes are refused", () => {
  const out = captureLog(() => solution("update-step"));
  assert.match(out, /Solution "update-step":/);
  assert.match(out, /function myUpdateStep/);
  assert.match(
    captureLog(() => solution("nope")),
    /No solution is called "nope"\. Known: .*update-step/,
  );
  registerSolutions({ "test-only": { code: "const x = 1;" } });
  registerSolutions({ "test-only": { code: "const x = 1;" } }); // the same again is fine (re-import)
  assert.throws(
    () => registerSolutions({ "test-only": { code: "const x = 2;" } }),
    /two different solutions registered as "test-only"/,
  );
  for (const name of [
    "update-step",
    "same-expected-step",
    "combine-workers",
    "trace-cov",
    "predicted-variance",
    "two-batch",
  ]) {
    assert.ok(solutionNames().includes(name), name);
  }
});

test("chapter 1, update step: the solution passes and each classic slip gets its own message", () => {
  const solved = runSolution("update-step", "myUpdateStep") as Parameters<
    typeof gradeUpdateStep
  >[0];
  assert.equal(grade("ex1", () => gradeUpdateStep(solved)).status, "pass");
  const step =
    (sign: number, byM: boolean, withLr: boolean) =>
    (theta: Float64Array, grads: Float64Array[], lr: number) =>
      theta.map(
        (t, j) =>
          t -
          (sign * (withLr ? lr : 1) * grads.reduce((a, g) => a + g[j], 0)) /
            (byM ? grads.length : 1),
      );
  assert.match(
    failMessage(grade("sum", () => gradeUpdateStep(step(1, false, true)))),
    /you summed the gradients/,
  );
  assert.match(
    failMessage(grade("uphill", () => gradeUpdateStep(step(-1, true, true)))),
    /you moved uphill/,
  );
  assert.match(
    failMessage(grade("no lr", () => gradeUpdateStep(step(1, true, false)))),
    /η is missing/,
  );
  assert.match(
    failMessage(grade("nothing", () => gradeUpdateStep(() => undefined as never))),
    /returned undefined \(did you forget to return it\?\)/,
  );
  const inPlace = (theta: Float64Array, grads: Float64Array[], lr: number) => {
    grads.forEach((g) =>
      g.forEach((v, j) => {
        theta[j] -= (lr * v) / grads.length;
      }),
    );
    return theta;
  };
  assert.match(
    failMessage(grade("in place", () => gradeUpdateStep(inPlace))),
    /changed its inputs in place/,
  );
  assert.equal(grade("todo", () => gradeUpdateStep(() => todo())).status, "todo");
});

test("chapter 1, same expected step: 0.1 passes; the scaling rules are recognised", () => {
  assert.equal(
    grade("ex2", () => gradeSameExpectedStep(runSolution("same-expected-step", "etaFor32"))).status,
    "pass",
  );
  assert.match(
    failMessage(grade("linear", () => gradeSameExpectedStep(3.2))),
    /linear scaling rule/,
  );
  assert.match(
    failMessage(grade("sqrt", () => gradeSameExpectedStep(0.1 * Math.sqrt(32)))),
    /square-root rule/,
  );
  assert.match(failMessage(grade("sum", () => gradeSameExpectedStep(0.1 / 32))), /summed gradient/);
  assert.match(
    failMessage(grade("text", () => gradeSameExpectedStep("0.1"))),
    /should be a finite number, but it is "0.1"/,
  );
});

test("chapter 1, combining workers: weights by share pass; the plain average fails only for unequal shares", () => {
  const solved = runSolution("combine-workers", "combine") as Parameters<
    typeof gradeCombineWorkers
  >[0];
  assert.equal(grade("ex3", () => gradeCombineWorkers(solved)).status, "pass");
  const plain = (means: Float64Array[]) =>
    means[0].map((_, j) => means.reduce((a, g) => a + g[j], 0) / means.length);
  const msg = failMessage(grade("plain", () => gradeCombineWorkers(plain)));
  assert.match(
    msg,
    /shares \[5, 5, 6\] the plain average of the K averages is not the batch mean/,
    "equal shares [8, 8, 8, 8] passed first",
  );
});

test("chapter 2, tr Σ: 1/N passes; 1/(N − 1), no centring and the sum are named", () => {
  const solved = runSolution("trace-cov", "myTraceCov") as Parameters<typeof gradeTraceCov>[0];
  assert.equal(grade("ex1", () => gradeTraceCov(solved)).status, "pass");
  const centredSum = (g: Float64Array, n: number, p: number) => solved(g, n, p) * n;
  const sample = (g: Float64Array, n: number, p: number) => centredSum(g, n, p) / (n - 1);
  const uncentred = (g: Float64Array, n: number) => g.reduce((a, v) => a + v * v, 0) / n;
  assert.match(failMessage(grade("n-1", () => gradeTraceCov(sample))), /you divided by N − 1/);
  assert.match(failMessage(grade("sum", () => gradeTraceCov(centredSum))), /you returned the sum/);
  assert.match(
    failMessage(grade("uncentred", () => gradeTraceCov(uncentred))),
    /you forgot to centre/,
  );
  const writes = (g: Float64Array, n: number, p: number) => {
    const v = solved(g, n, p);
    g[0] = 0;
    return v;
  };
  assert.match(
    failMessage(grade("writes", () => gradeTraceCov(writes))),
    /changed the gradient matrix/,
  );
});

test("chapter 2, predicted variance and two-batch B_simple", () => {
  assert.equal(
    grade("ex2", () => gradePredictedVariance(runSolution("predicted-variance", "predicted")))
      .status,
    "pass",
  );
  assert.match(
    failMessage(grade("no fpc", () => gradePredictedVariance(0.02))),
    /variance with replacement/,
  );
  assert.match(
    failMessage(grade("N", () => gradePredictedVariance(0.02 * 0.8))),
    /not \(N − m\)\/N/,
  );
  assert.equal(
    grade("ex3", () => gradeTwoBatchBSimple(runSolution("two-batch", "bSimpleEstimate"))).status,
    "pass",
  );
  assert.equal(
    grade("25", () => gradeTwoBatchBSimple(25)).status,
    "pass",
    "the numbers are built from |G|² = 0.04, tr Σ = 1",
  );
  assert.match(
    failMessage(grade("inverted", () => gradeTwoBatchBSimple(1 / 25))),
    /you inverted it/,
  );
  assert.match(
    failMessage(grade("big as G", () => gradeTwoBatchBSimple(1 / 0.0478125))),
    /used \|G_big\|² as \|G\|²/,
  );
});

test("value exercises left undefined read as not attempted", () => {
  const r = grade("ex2", () => gradeSameExpectedStep(undefined));
  assert.deepEqual(r, { name: "ex2", status: "todo", message: "set etaFor32 to your answer" });
  assert.equal(formatResult(r), "✎ try it: ex2 (set etaFor32 to your answer)");
  assert.equal(grade("ex", () => gradePredictedVariance(undefined)).status, "todo");
  assert.equal(grade("ex", () => gradeTwoBatchBSimple(undefined)).status, "todo");
});
