// Claims (src/claims): the line each prints, the condition each checks, the record each leaves for
// the runner, and the errors for a claim stated wrongly.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  above,
  atLeast,
  atMost,
  below,
  between,
  claim,
  claimBundle,
  claimThat,
  CLAIM_MIME,
  claimsSoFar,
  formatMeasured,
  judgeClaim,
  judgeClaimThat,
  near,
} from "../src/claims/index";
import { BatchlabArgumentError } from "../src/util/validate";
import { countClaims } from "../scripts/runner/claims";
import type { Notebook } from "../scripts/runner/nbformat";

function quietly<T>(f: () => T): T {
  const log = console.log;
  console.log = () => {};
  try {
    return f();
  } finally {
    console.log = log;
  }
}

describe("claims", () => {
  test("a claim prints its sentence, the measured value and what was wanted, with a true minus", () => {
    const r = quietly(() =>
      judgeClaim("The variance falls as 1/m", -1.00812, near(-1, 0.05), { label: "slope" }),
    );
    assert.equal(r.ok, true);
    assert.equal(r.line, "✓ The variance falls as 1/m: slope −1.008 (want −1 ± 0.05)");
    const f = quietly(() =>
      judgeClaim("Speed-up at m = 512", 1.52, atLeast(1.7), { unit: "×", digits: 2 }),
    );
    assert.equal(f.ok, false);
    assert.equal(f.line, "✗ Speed-up at m = 512: 1.52× (want ≥ 1.70×)");
  });

  test("conditions: edges included where they say so, NaN and infinity never hold", () => {
    const cases: Array<[string, ReturnType<typeof near>, number, boolean]> = [
      ["near edge", near(1, 0.25), 1.25, true],
      ["near out", near(1, 0.25), 1.2500001, false],
      ["between lo", between(2, 4), 2, true],
      ["between out", between(2, 4), 4.01, false],
      ["above edge", above(0), 0, false],
      ["below", below(0), -1e-9, true],
      ["atLeast edge", atLeast(3), 3, true],
      ["atMost out", atMost(3), 3.5, false],
    ];
    for (const [name, cond, v, want] of cases) assert.equal(cond.holds(v), want, name);
    assert.equal(judgeClaim("NaN fails", NaN, atMost(1)).ok, false);
    assert.equal(judgeClaim("∞ fails", Infinity, atLeast(0)).ok, false);
  });

  test("claimThat states a condition that is not one number", () => {
    const r = quietly(() =>
      judgeClaimThat("Time grows with m", false, "t = 3, 2, 4 ms", "each m slower than the last"),
    );
    assert.equal(r.line, "✗ Time grows with m: t = 3, 2, 4 ms (want each m slower than the last)");
  });

  test("every claim is recorded for the session, and its bundle carries the record the runner counts", () => {
    const before = claimsSoFar().length;
    const printed: string[] = [];
    const log = console.log;
    console.log = (line: string) => printed.push(line);
    try {
      assert.equal(
        claim("one", 1, near(1, 0)),
        undefined,
        "claim returns nothing, so a cell ending in one shows only its line",
      );
      claimThat("two", false, "3", "2 ± 0.5");
    } finally {
      console.log = log;
    }
    assert.deepEqual(printed, ["✓ one: 1 (want 1 ± 0)", "✗ two: 3 (want 2 ± 0.5)"]);
    assert.equal(claimsSoFar().length, before + 2);
    const ok = judgeClaim("one", 1, near(1, 0));
    const bad = judgeClaim("two", 3, near(2, 0.5));
    const nb: Notebook = {
      cells: [
        { cell_type: "markdown", source: "x", metadata: {} },
        {
          cell_type: "code",
          source: "",
          metadata: {},
          execution_count: 1,
          outputs: [
            { output_type: "display_data", data: claimBundle(ok), metadata: {} },
            {
              output_type: "stream",
              name: "stdout",
              text: "✗ not a claim: printed text is not counted",
            },
            { output_type: "display_data", data: claimBundle(bad), metadata: {} },
          ],
        },
      ],
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5,
    } as unknown as Notebook;
    assert.deepEqual(countClaims(nb), {
      checked: 2,
      failed: 1,
      failures: ["✗ two: 3 (want 2 ± 0.5)"],
    });
    assert.equal((claimBundle(bad)[CLAIM_MIME] as { ok: boolean }).ok, false);
    assert.match(String(claimBundle(bad)["text/html"]), /class="batchlab-claim failed"/);
  });

  test("numbers: fixed decimals on request, four significant digits otherwise", () => {
    assert.equal(formatMeasured(0.0041234), "0.004123");
    assert.equal(formatMeasured(12345.6), "12346");
    assert.equal(formatMeasured(-2.5, 2), "−2.50");
    assert.equal(formatMeasured(3e-6), "3.00e-6");
  });

  test("a claim stated wrongly throws a BatchlabArgumentError that names what is wrong", () => {
    const bad: Array<[string, () => unknown, RegExp]> = [
      ["empty text", () => claim("", 1, near(1, 0)), /claim text/],
      [
        "string value",
        () => claim("x", "1" as unknown as number, near(1, 0)),
        /value of claim "x"/,
      ],
      ["no condition", () => claim("x", 1, undefined as never), /condition of claim "x"/],
      ["negative tolerance", () => near(1, -0.1), /tolerance/],
      ["reversed range", () => between(3, 2), /hi/],
      ["NaN bound", () => atLeast(NaN), /bound/],
      [
        "holds not boolean",
        () => claimThat("x", 1 as unknown as boolean, "a", "b"),
        /holds of claim "x"/,
      ],
    ];
    for (const [name, f, re] of bad) {
      assert.throws(
        () => quietly(f),
        (e: unknown) => e instanceof BatchlabArgumentError && re.test((e as Error).message),
        name,
      );
    }
  });
});
