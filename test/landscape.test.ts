// Chapter 2b's library: landscapes made of data, escape times with censoring, and the escape-time
// laws measured against the answers theory gives (Kramers' integral, the saddle's growth law).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import ts from "typescript";
import {
  doubleWell,
  saddle,
  landscapeData,
  landscapeModel,
  whitenedRows,
  escapeRuns,
  noisyGdRuns,
  cloudRuns,
  meanLossCurve,
  exponentialFit,
  meanOfEscapedOnly,
  kaplanMeier,
  restrictedMean,
  escapeProbability,
  fitEscapeLine,
  weightedLine,
  escapeSlope,
  arrheniusExponent,
  kramersSteps,
  saddleEscapeSteps,
  isotropicVariance,
  exampleGradientCovariance,
  meanLoss,
  meanGradient,
  rng,
  grade,
  getSolution,
  gradeCensoredMean,
  gradeEscapeSlope,
  CENSORED_EXERCISE,
  SLOPE_EXERCISE,
  type EscapeTimes,
} from "../src/index";

const SPEC = { sharpCurvature: 10, flatCurvature: 2.5, barrierCurvature: 10, barrier: 1, noise: 4 };

describe("the double well", () => {
  const well = doubleWell(SPEC);
  const g = well.geometry;
  test("both minima sit at L = 0 under a barrier of ΔL; value and slope are continuous at the joins", () => {
    assert.equal(well.profile(g.sharpMin), 0);
    assert.ok(Math.abs(well.profile(g.flatMin)) < 1e-12);
    assert.ok(Math.abs(well.profile(g.top) - SPEC.barrier) < 1e-12);
    for (const x of [g.sharpJoin, g.flatJoin]) {
      const e = 1e-9;
      assert.ok(
        Math.abs(well.profile(x - e) - well.profile(x + e)) < 1e-8,
        `value continuous at ${x}`,
      );
      assert.ok(
        Math.abs(well.partial([x - e], 0) - well.partial([x + e], 0)) < 1e-7,
        `slope continuous at ${x}`,
      );
    }
    assert.equal(well.curvature([0.1], 0), SPEC.sharpCurvature);
    assert.equal(well.curvature([g.top], 0), -SPEC.barrierCurvature);
    assert.equal(well.curvature([g.flatMin], 0), SPEC.flatCurvature);
  });

  test("the examples' rows are centred and white exactly", () => {
    const x = whitenedRows(300, 3, 7);
    for (let a = 0; a < 3; a++) {
      let mean = 0;
      for (let i = 0; i < 300; i++) mean += x[i * 3 + a] / 300;
      assert.ok(Math.abs(mean) < 1e-12);
      for (let b = 0; b < 3; b++) {
        let c = 0;
        for (let i = 0; i < 300; i++) c += (x[i * 3 + a] * x[i * 3 + b]) / 300;
        assert.ok(Math.abs(c - (a === b ? 1 : 0)) < 1e-12, `cov[${a}][${b}] = ${c}`);
      }
    }
  });

  test("the mean of the examples' losses and gradients is L and ∇L (the full batch is plain GD)", () => {
    const w2 = doubleWell({ ...SPEC, valleyDims: 1 });
    const data = landscapeData(w2, 200, 3);
    const model = landscapeModel(w2);
    for (const x of [-0.2, 0.1, 0.5, 0.7, 1.2, 2]) {
      const theta = Float64Array.of(x, 0.3);
      assert.ok(Math.abs(meanLoss(model, theta, data) - w2.loss(theta)) < 1e-10);
      const grad = meanGradient(model, theta, data);
      for (let j = 0; j < 2; j++) assert.ok(Math.abs(grad[j] - w2.partial(theta, j)) < 1e-10);
    }
  });

  test("the batch-gradient fast path equals the mean of the examples' gradients", () => {
    const w2 = doubleWell({ ...SPEC, valleyDims: 2 });
    const data = landscapeData(w2, 64, 4);
    const model = landscapeModel(w2);
    const theta = Float64Array.of(0.4, -0.2, 0.1);
    const batch = [3, 3, 17, 60, 0];
    const fast = new Float64Array(3);
    model.batchGradient!(theta, data, batch, fast);
    const one = new Float64Array(3);
    for (let j = 0; j < 3; j++) {
      let sum = 0;
      for (const i of batch) {
        model.exampleGradient(theta, data, i, one);
        sum += one[j];
      }
      assert.ok(Math.abs(fast[j] - sum / batch.length) < 1e-12);
    }
  });

  test("the noise covariance is σ²·|H| near each minimum and at the barrier top (∝ curvature)", () => {
    const w2 = doubleWell({ ...SPEC, valleyDims: 1, valleyCurvature: 0.5 });
    const data = landscapeData(w2, 500, 5);
    const model = landscapeModel(w2);
    for (const x of [0.05, w2.geometry.top, w2.geometry.flatMin - 0.1]) {
      const theta = Float64Array.of(x, 0.2);
      const cov = exampleGradientCovariance(model, theta, data);
      const expected = [
        SPEC.noise ** 2 * Math.abs(w2.curvature(theta, 0)),
        0,
        0,
        SPEC.noise ** 2 * 0.5,
      ];
      for (let k = 0; k < 4; k++)
        assert.ok(
          Math.abs(cov[k] - expected[k]) < 1e-9,
          `θ₀ = ${x}: cov[${k}] = ${cov[k]}, want ${expected[k]}`,
        );
    }
    // and the ratio sharp/flat noise equals the curvature ratio
    const sharp = exampleGradientCovariance(model, Float64Array.of(0, 0), data)[0];
    const flat = exampleGradientCovariance(model, Float64Array.of(w2.geometry.flatMin, 0), data)[0];
    assert.ok(Math.abs(sharp / flat - SPEC.sharpCurvature / SPEC.flatCurvature) < 1e-9);
  });

  test("bad specs are refused with the argument's name", () => {
    assert.throws(() => doubleWell({ ...SPEC, barrier: 0 }), /barrier must be a finite number > 0/);
    assert.throws(() => landscapeData(doubleWell(SPEC), 1), /n must be more than dims/);
  });
});

describe("escape times with censoring", () => {
  // Exponential escape times with mean 1000, censored at 800 steps: most runs do not escape.
  function synthetic(tau: number, budget: number, n: number, seed: number): EscapeTimes {
    const random = rng(seed);
    const times = new Float64Array(n),
      escaped = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const t = Math.ceil(-tau * Math.log(1 - random.next()));
      escaped[i] = t <= budget ? 1 : 0;
      times[i] = Math.min(t, budget);
    }
    return { times, escaped, budget };
  }

  test("the exponential MLE recovers τ from heavily censored runs; dropping the censored runs does not", () => {
    const runs = synthetic(1000, 800, 4000, 1);
    const fit = exponentialFit(runs);
    assert.ok(
      escapeProbability(runs) < 0.6,
      "most of the interesting information is in censored runs",
    );
    assert.ok(Math.abs(fit.meanTime / 1000 - 1) < 0.06, `τ̂ = ${fit.meanTime}`);
    assert.ok(Math.abs(fit.logMean - Math.log(1000)) < 3 * fit.logSE);
    // The estimate that drops censored runs is biased low by more than half here.
    assert.ok(meanOfEscapedOnly(runs) < 0.5 * 1000, `escaped-only mean ${meanOfEscapedOnly(runs)}`);
    // And the MLE with the censored runs left out is just as wrong: they carry the exposure.
    const kept = Array.from(runs.escaped.keys()).filter((i) => runs.escaped[i]);
    const dropped = exponentialFit({
      times: Float64Array.from(kept, (i) => runs.times[i]),
      escaped: Uint8Array.from(kept, () => 1),
      budget: runs.budget,
    });
    assert.ok(dropped.meanTime < 0.5 * fit.meanTime);
  });

  test("no escape gives no estimate, only a lower bound", () => {
    const fit = exponentialFit({
      times: Float64Array.of(100, 100, 100),
      escaped: Uint8Array.of(0, 0, 0),
      budget: 100,
    });
    assert.equal(fit.meanTime, Infinity);
    assert.ok(Math.abs(fit.lowerBound - 300 / Math.log(20)) < 1e-12);
  });

  test("Kaplan–Meier and the restricted mean match the exponential law's closed forms", () => {
    const tau = 500,
      budget = 700;
    const runs = synthetic(tau, budget, 20000, 2);
    const km = kaplanMeier(runs);
    const k = km.t.findIndex((t) => t >= 300);
    assert.ok(Math.abs(km.survival[k] - Math.exp(-km.t[k] / tau)) < 0.015);
    const rmst = restrictedMean(runs);
    assert.ok(
      Math.abs(rmst / (tau * (1 - Math.exp(-budget / tau))) - 1) < 0.03,
      `restricted mean ${rmst}`,
    );
    // Without censoring the restricted mean is the plain mean.
    const all = {
      times: Float64Array.of(1, 2, 3, 10),
      escaped: Uint8Array.of(1, 1, 1, 1),
      budget: 10,
    };
    assert.ok(Math.abs(restrictedMean(all) - 4) < 1e-12);
  });

  test("a weighted line through exact points is exact", () => {
    const fit = weightedLine([1, 2, 3], [3, 5, 7], [1, 5, 2]);
    assert.ok(Math.abs(fit.slope - 2) < 1e-12 && Math.abs(fit.intercept - 1) < 1e-12);
  });
});

describe("escape-time laws against their known answers", () => {
  const well = doubleWell(SPEC);
  const data = landscapeData(well, 512, 1);

  test("Kramers' integral approaches the Arrhenius form 2π/(η·h)·e^E for a high barrier", () => {
    // D ∝ |L″| makes the prefactor 2π/h in SDE time (the D ratio cancels the curvature ratio).
    const m = 8,
      lr = 0.01;
    const E = arrheniusExponent(well, "sharp", m, lr);
    const ratio =
      kramersSteps(well, "sharp", m, lr) /
      (((2 * Math.PI) / (lr * SPEC.sharpCurvature)) * Math.exp(E));
    assert.ok(E > 9 && Math.abs(ratio - 1) < 0.12, `E = ${E}, ratio ${ratio}`);
  });

  test("with constant noise Kramers' integral approaches the textbook 2π/√(h·k)·e^(2ΔL/(ηv))", () => {
    const lr = 0.01,
      v = 8;
    const E = (2 * SPEC.barrier) / (lr * v);
    const textbook =
      (((2 * Math.PI) / Math.sqrt(SPEC.sharpCurvature * SPEC.barrierCurvature)) * Math.exp(E)) / lr;
    const ratio = kramersSteps(well, "sharp", 1, lr, { constantVariance: v }) / textbook;
    assert.ok(E > 20 && Math.abs(ratio - 1) < 0.08, `E = ${E}, ratio ${ratio}`);
  });

  test("SGD's measured slope of ln τ against m/η matches Kramers' prediction on the double well", () => {
    const model = landscapeModel(well);
    const settings = [
      [1, 0.01],
      [2, 0.01],
      [3, 0.01],
    ] as const;
    const points = settings.map(([m, lr]) => ({
      x: m / lr,
      runs: escapeRuns(model, data, {
        m,
        lr,
        seeds: 80,
        budget: 20000,
        seed: 11,
        escaped: (t) => t[0] >= well.geometry.flatMin,
      }),
    }));
    const fit = fitEscapeLine(points, { bootstrap: 100 });
    const theory = weightedLine(
      settings.map(([m, lr]) => m / lr),
      settings.map(([m, lr]) => Math.log(kramersSteps(well, "sharp", m, lr))),
      [1, 1, 1],
    );
    assert.ok(
      Math.abs(fit.slope / theory.slope - 1) < 0.15,
      `slope ${fit.slope} ± ${fit.slopeSE}, Kramers ${theory.slope}`,
    );
    assert.ok(
      Math.abs(theory.slope / escapeSlope(well, "sharp") - 1) < 0.15,
      "Kramers' slope is near the asymptotic one",
    );
    for (const p of points) {
      const tau = exponentialFit(p.runs).meanTime;
      const k = kramersSteps(well, "sharp", Math.round(p.x * 0.01), 0.01);
      assert.ok(Math.abs(Math.log(tau / k)) < 0.3, `τ̂ ${tau} against Kramers ${k} at m/η = ${p.x}`);
    }
  });

  test("the flat minimum's slope is larger: escape from the sharp one is exponentially faster", () => {
    assert.ok(escapeSlope(well, "flat") > 3 * escapeSlope(well, "sharp"));
    assert.ok(kramersSteps(well, "flat", 1, 0.01) > 30 * kramersSteps(well, "sharp", 1, 0.01));
  });

  test("isotropic noise of the same trace escapes more slowly than Hessian-shaped noise", () => {
    const w2 = doubleWell({ ...SPEC, valleyDims: 1 });
    const v = isotropicVariance(w2, "sharp", 1);
    assert.ok(Math.abs(v - (16 * 10.5) / 2) < 1e-12);
    const esc = (t: Float64Array) => t[0] >= w2.geometry.flatMin;
    const iso = exponentialFit(
      noisyGdRuns(w2, {
        lr: 0.01,
        seeds: 60,
        budget: 20000,
        start: [0, 0],
        escaped: esc,
        variance: () => v,
      }),
    );
    const sgd = exponentialFit(
      escapeRuns(landscapeModel(w2), landscapeData(w2, 512, 1), {
        m: 1,
        lr: 0.01,
        seeds: 60,
        budget: 20000,
        escaped: esc,
      }),
    );
    assert.ok(iso.meanTime > 1.8 * sgd.meanTime, `iso ${iso.meanTime} sgd ${sgd.meanTime}`);
  });

  test("the saddle: SGD leaves it in the predicted number of steps, GD in ln(x_e/x₀)/ln(1 + ηλ)", () => {
    const sad = saddle({ negativeCurvature: 1, positiveCurvature: 1, noise: 0.1 });
    const sd = landscapeData(sad, 256, 2);
    const model = landscapeModel(sad, [1e-12, 1]);
    const esc = (t: Float64Array) => Math.abs(t[0]) >= 0.2;
    const gd = escapeRuns(model, sd, { m: 256, lr: 0.05, seeds: 1, budget: 5000, escaped: esc });
    assert.ok(
      Math.abs(
        gd.times[0] - saddleEscapeSteps(sad, { m: "full", lr: 0.05, start: 1e-12, escapeAt: 0.2 }),
      ) <= 2,
    );
    for (const m of [1, 32]) {
      const runs = escapeRuns(model, sd, { m, lr: 0.05, seeds: 200, budget: 5000, escaped: esc });
      const mean = runs.times.reduce((s, t) => s + t, 0) / runs.times.length;
      const predicted = saddleEscapeSteps(sad, { m, lr: 0.05, start: 1e-12, escapeAt: 0.2 });
      assert.ok(Math.abs(mean / predicted - 1) < 0.06, `m = ${m}: ${mean} against ${predicted}`);
    }
  });

  test("same seed, same runs; the cloud and the loss curve are deterministic too", () => {
    const model = landscapeModel(well);
    const opts = {
      m: 2,
      lr: 0.01,
      seeds: 5,
      budget: 3000,
      seed: 9,
      escaped: (t: Float64Array) => t[0] >= well.geometry.flatMin,
    };
    assert.deepEqual(escapeRuns(model, data, opts), escapeRuns(model, data, opts));
    const c = { m: 4, lr: 0.03, seeds: 4, steps: 100, every: 20, seed: 3 };
    assert.deepEqual(cloudRuns(model, data, c), cloudRuns(model, data, c));
    const l = { m: 4, lr: 0.03, seeds: 3, steps: 50 };
    assert.deepEqual(meanLossCurve(model, data, l), meanLossCurve(model, data, l));
    assert.notDeepEqual(
      escapeRuns(model, data, opts).times,
      escapeRuns(model, data, { ...opts, seed: 10 }).times,
    );
  });
});

describe("chapter 2b exercises", () => {
  test("the reference solutions pass and the classic slips are named", () => {
    const { times, escaped } = CENSORED_EXERCISE;
    const atRisk = times.reduce((s: number, t) => s + t, 0);
    const k = escaped.reduce((s: number, e) => s + e, 0);
    assert.equal(grade("c", () => gradeCensoredMean(atRisk / k)).status, "pass");
    const escapedOnly = times.filter((_, i) => escaped[i]).reduce((s: number, t) => s + t, 0) / k;
    assert.match(
      grade("c", () => gradeCensoredMean(escapedOnly)).message,
      /drops the four slowest/,
    );
    assert.match(
      grade("c", () => gradeCensoredMean(atRisk / times.length)).message,
      /as if they had escaped/,
    );
    assert.equal(grade("c", () => gradeCensoredMean(undefined)).status, "todo");
    const { curvature: h, barrierCurvature: kk, barrier, noise } = SLOPE_EXERCISE;
    const s = kk / (h + kk);
    assert.equal(
      grade("s", () => gradeEscapeSlope(((2 * barrier) / noise ** 2) * (s / h + (1 - s) / kk)))
        .status,
      "pass",
    );
    assert.match(grade("s", () => gradeEscapeSlope((2 * barrier) / noise ** 2 / h)).message, /cap/);
    assert.match(
      grade("s", () => gradeEscapeSlope(((2 * barrier) / noise ** 2) * ((1 - s) / h + s / kk)))
        .message,
      /swapped/,
    );
  });

  test("the registered solutions, run as written, pass their checks", () => {
    const run = (key: string, name: string): unknown => {
      const js = ts.transpileModule(getSolution(key)!.code, {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None },
      }).outputText;
      return new Function("CENSORED_EXERCISE", "SLOPE_EXERCISE", `${js}\nreturn ${name};`)(
        CENSORED_EXERCISE,
        SLOPE_EXERCISE,
      );
    };
    assert.equal(
      grade("c", () => gradeCensoredMean(run("censored-mean", "myMeanEscape"))).status,
      "pass",
    );
    assert.equal(grade("s", () => gradeEscapeSlope(run("escape-slope", "mySlope"))).status, "pass");
  });
});
