// The steps/examples trade-off of McCandlish et al. (2018): with η tuned for every batch size m,
//
//     S(m) = S_min · (1 + B_crit / m)        steps to reach the target
//     E(m) = m·S(m) = E_min · (1 + m / B_crit),  E_min = S_min·B_crit
//
// equivalently (S/S_min − 1)(E/E_min − 1) = 1. Below B_crit doubling m halves the steps (perfect
// scaling); above it, it barely changes them and doubles the examples.
//
// The fit is done on log S. Step counts span four decades, so a least-squares fit of S itself is
// dominated by the few small-m points with the largest counts (it was seen to miss B_crit by 3×),
// and checking the product identity point by point divides by S/S_min − 1 ≈ 0 at large m.

import { BatchlabArgumentError, checkObject, checkPositiveFinite } from "../util/validate";

export interface StepsPoint {
  m: number;
  steps: number;
}

export interface CriticalBatchFit {
  sMin: number;
  bCrit: number;
  /** E_min = S_min · B_crit. */
  eMin: number;
  /** Root-mean-square residual of ln S (0.1 ≈ 10 % typical misfit). */
  rmsLogResidual: number;
  /** Points fitted. */
  points: number;
  /** S(m) of the fit. */
  steps(m: number): number;
  /** E(m) = m·S(m) of the fit. */
  examples(m: number): number;
}

/** Every point is an object { m, steps } with both positive and finite. */
function checkStepsPoints(points: readonly StepsPoint[]): void {
  points.forEach((p, i) => {
    checkObject(`points[${i}]`, p, "a point { m, steps }");
    checkPositiveFinite(`points[${i}].m`, p.m);
    checkPositiveFinite(`points[${i}].steps`, p.steps);
  });
}

/** The predicted steps S_min·(1 + B_crit/m). */
export function paretoSteps(m: number, sMin: number, bCrit: number): number {
  return sMin * (1 + bCrit / m);
}

export interface CriticalBatchFitOptions {
  /**
   * "log" (default): least squares on ln S, every point weighted alike whatever its size.
   * "linear": least squares on S itself, only to show how badly it does — the points with the
   * most steps decide everything.
   */
  space?: "log" | "linear";
}

/**
 * Least-squares fit of ln S = ln S_min + ln(1 + B_crit/m). For a given B_crit the best S_min has
 * a closed form, so the fit is a one-dimensional search over ln B_crit: a scan over a wide range,
 * then golden-section refinement.
 */
export function fitCriticalBatch(
  points: readonly StepsPoint[],
  options: CriticalBatchFitOptions = {},
): CriticalBatchFit {
  const space = options.space ?? "log";
  if (space !== "log" && space !== "linear")
    throw new BatchlabArgumentError("options.space", space, `"log" or "linear"`);
  if (!Array.isArray(points) || points.length < 3)
    throw new BatchlabArgumentError("points", points, "an array of at least 3 points");
  checkStepsPoints(points);
  if (new Set(points.map((p) => p.m)).size < 2) {
    // S(m) at one m cannot separate S_min from B_crit: any B_crit fits as well as any other.
    throw new BatchlabArgumentError(
      "points",
      points,
      `points at 2 or more different batch sizes m (all are at m = ${points[0].m})`,
    );
  }
  const logS = points.map((p) => Math.log(p.steps));
  const fitAt = (logB: number): { logSMin: number; sse: number } => {
    const b = Math.exp(logB);
    if (space === "linear") {
      // S ≈ S_min·fᵢ with fᵢ = 1 + B/mᵢ: S_min = Σ Sᵢfᵢ / Σ fᵢ².
      const f = points.map((p) => 1 + b / p.m);
      const sMin =
        points.reduce((s, p, i) => s + p.steps * f[i], 0) / f.reduce((s, v) => s + v * v, 0);
      return {
        logSMin: Math.log(sMin),
        sse: points.reduce((s, p, i) => s + (p.steps - sMin * f[i]) ** 2, 0),
      };
    }
    const r = points.map((p, i) => logS[i] - Math.log1p(b / p.m));
    const logSMin = r.reduce((s, v) => s + v, 0) / r.length;
    return { logSMin, sse: r.reduce((s, v) => s + (v - logSMin) ** 2, 0) };
  };
  const ms = points.map((p) => p.m);
  // B_crit far outside the measured batch sizes cannot be told apart from 0 or ∞: search
  // two decades beyond them on each side.
  let lo = Math.log(Math.min(...ms) / 100);
  let hi = Math.log(Math.max(...ms) * 100);
  const scan = 200;
  let bestK = 0;
  let bestSse = Infinity;
  for (let k = 0; k <= scan; k++) {
    const sse = fitAt(lo + ((hi - lo) * k) / scan).sse;
    if (sse < bestSse) {
      bestSse = sse;
      bestK = k;
    }
  }
  const step = (hi - lo) / scan;
  const center = lo + step * bestK;
  lo = center - step;
  hi = center + step;
  const golden = (Math.sqrt(5) - 1) / 2;
  let a = hi - golden * (hi - lo);
  let b = lo + golden * (hi - lo);
  let fa = fitAt(a).sse;
  let fb = fitAt(b).sse;
  for (let it = 0; it < 80; it++) {
    if (fa < fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - golden * (hi - lo);
      fa = fitAt(a).sse;
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + golden * (hi - lo);
      fb = fitAt(b).sse;
    }
  }
  const logB = (lo + hi) / 2;
  const sMin = Math.exp(fitAt(logB).logSMin);
  const bCrit = Math.exp(logB);
  // Reported in log space for both fits, so that the two can be compared.
  const logResiduals = points.map((p, i) => logS[i] - Math.log(paretoSteps(p.m, sMin, bCrit)));
  return {
    sMin,
    bCrit,
    eMin: sMin * bCrit,
    rmsLogResidual: Math.sqrt(logResiduals.reduce((s, v) => s + v * v, 0) / points.length),
    points: points.length,
    steps: (m) => paretoSteps(m, sMin, bCrit),
    examples: (m) => m * paretoSteps(m, sMin, bCrit),
  };
}

/**
 * Slope of log₂ S against log₂ m by least squares over the given points: −1 where doubling m
 * halves the steps (perfect scaling), 0 on the plateau.
 */
export function logLogSlope(points: readonly StepsPoint[]): number {
  if (!Array.isArray(points) || points.length < 2)
    throw new BatchlabArgumentError("points", points, "at least 2 points");
  checkStepsPoints(points);
  if (new Set(points.map((p) => p.m)).size < 2)
    throw new BatchlabArgumentError(
      "points",
      points,
      `points at 2 or more different batch sizes m (all are at m = ${points[0].m})`,
    );
  const xs = points.map((p) => Math.log2(p.m));
  const ys = points.map((p) => Math.log2(p.steps));
  const mx = xs.reduce((s, v) => s + v, 0) / xs.length;
  const my = ys.reduce((s, v) => s + v, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  if (sxx === 0) throw new BatchlabArgumentError("points", points, "at least two different m");
  return sxy / sxx;
}

/**
 * Points on the fitted trade-off curve, for drawing: m from mMin to mMax (log-spaced), with the
 * predicted steps and examples.
 */
export function paretoCurve(
  fit: Pick<CriticalBatchFit, "steps">,
  mMin: number,
  mMax: number,
  count = 100,
): { m: number; steps: number; examples: number }[] {
  checkPositiveFinite("mMin", mMin);
  checkPositiveFinite("mMax", mMax);
  const out: { m: number; steps: number; examples: number }[] = [];
  for (let k = 0; k < count; k++) {
    const m = mMin * Math.pow(mMax / mMin, count === 1 ? 0 : k / (count - 1));
    const steps = fit.steps(m);
    out.push({ m, steps, examples: m * steps });
  }
  return out;
}
