// Escape times with censoring. A run that has not escaped when its step budget ends is *censored*:
// we know only that its escape time is longer than the budget. Dropping such runs keeps the fast
// escapes and throws away the slow ones, so the "mean escape time" comes out too short, and the
// more so the rarer escape is: exactly the settings the theory is about. Two honest ways:
//
//  - the exponential model. A Kramers escape, after a short settling into the well, is a Poisson
//    event: its time is exponential with mean τ. With k escapes among n runs, the maximum-likelihood
//    estimate is τ̂ = (total steps at risk, censored runs counted to the budget) / k, and ln τ̂ has
//    standard error ≈ 1/√k. With k = 0 there is no estimate, only a lower bound.
//  - Kaplan–Meier. No model: the survival curve S(t) = P(not escaped by t), estimated step by step
//    from the runs still at risk, and the restricted mean ∫₀ᵀ S(t) dt, the mean of min(escape, T).
//    Both are drawn in the notebook; the semi-log KM curve being straight is the check that the
//    exponential model fits.

import { BatchlabArgumentError, checkPositiveFinite } from "../util/validate";

/** Escape times of many seeds of one setting: steps to escape, or the budget when censored. */
export interface EscapeTimes {
  /** Steps until escape; equal to `budget` for a censored run. */
  times: Float64Array;
  /** 1 when the run escaped within the budget, 0 when censored. */
  escaped: Uint8Array;
  budget: number;
}

export interface ExponentialFit {
  /** τ̂ = exposure / events (Infinity when nothing escaped). */
  meanTime: number;
  /** ln τ̂ and its standard error 1/√k. */
  logMean: number;
  logSE: number;
  events: number;
  runs: number;
  /** Total steps at risk: Σ min(tᵢ, budget). */
  exposure: number;
  /** A 95 % lower bound on τ when nothing escaped: exposure/ln 20 (from P(no escape) = e^(−exposure/τ) ≥ 0.05). */
  lowerBound: number;
}

function checkTimes(runs: EscapeTimes): void {
  if (runs.times.length === 0 || runs.times.length !== runs.escaped.length) {
    throw new BatchlabArgumentError(
      "runs",
      runs.times.length,
      "non-empty times and escaped arrays of the same length",
    );
  }
  checkPositiveFinite("budget", runs.budget);
}

/** Maximum-likelihood mean escape time under an exponential model with right-censoring. */
export function exponentialFit(runs: EscapeTimes): ExponentialFit {
  checkTimes(runs);
  let events = 0,
    exposure = 0;
  for (let i = 0; i < runs.times.length; i++) {
    exposure += Math.min(runs.times[i], runs.budget);
    events += runs.escaped[i];
  }
  const meanTime = events > 0 ? exposure / events : Infinity;
  return {
    meanTime,
    logMean: Math.log(meanTime),
    logSE: events > 0 ? 1 / Math.sqrt(events) : Infinity,
    events,
    runs: runs.times.length,
    exposure,
    lowerBound: exposure / Math.log(20),
  };
}

/** The share of runs that escaped within the budget. */
export function escapeProbability(runs: EscapeTimes): number {
  checkTimes(runs);
  let k = 0;
  for (let i = 0; i < runs.escaped.length; i++) k += runs.escaped[i];
  return k / runs.escaped.length;
}

/** The mean over the runs that escaped only: the biased estimate that drops censored runs. */
export function meanOfEscapedOnly(runs: EscapeTimes): number {
  checkTimes(runs);
  let k = 0,
    sum = 0;
  for (let i = 0; i < runs.times.length; i++)
    if (runs.escaped[i]) {
      k++;
      sum += runs.times[i];
    }
  return k > 0 ? sum / k : NaN;
}

/** Kaplan–Meier survival curve: S jumps down at each escape time t (steps), from S(0) = 1. */
export function kaplanMeier(runs: EscapeTimes): { t: number[]; survival: number[] } {
  checkTimes(runs);
  const order = Array.from(runs.times.keys()).sort(
    (a, b) => runs.times[a] - runs.times[b] || runs.escaped[b] - runs.escaped[a],
  );
  let atRisk = order.length;
  let s = 1;
  const t = [0],
    survival = [1];
  let i = 0;
  while (i < order.length) {
    const time = runs.times[order[i]];
    let deaths = 0,
      leaving = 0;
    while (i < order.length && runs.times[order[i]] === time) {
      deaths += runs.escaped[order[i]];
      leaving++;
      i++;
    }
    if (deaths > 0) {
      s *= 1 - deaths / atRisk;
      t.push(time);
      survival.push(s);
    }
    atRisk -= leaving;
  }
  return { t, survival };
}

/** Restricted mean escape time ∫₀ᵀ S(t) dt from the Kaplan–Meier curve (T = the budget by default). */
export function restrictedMean(runs: EscapeTimes, horizon = runs.budget): number {
  const { t, survival } = kaplanMeier(runs);
  let area = 0;
  for (let k = 0; k < t.length; k++) {
    const from = t[k];
    const to = Math.min(k + 1 < t.length ? t[k + 1] : horizon, horizon);
    if (to > from) area += survival[k] * (to - from);
  }
  return area;
}

export interface EscapeSummary {
  runs: number;
  escaped: number;
  /** Share escaped within the budget. */
  probability: number;
  /** τ̂ (exponential MLE) and its 95 % interval τ̂·e^(∓1.96/√k); Infinity when nothing escaped. */
  meanTime: number;
  low: number;
  high: number;
  /** 95 % lower bound when nothing escaped (else NaN). */
  lowerBound: number;
  /** Kaplan–Meier restricted mean up to the budget, and the exponential model's own, τ̂·(1 − e^(−T/τ̂)). */
  restrictedMean: number;
  restrictedMeanModel: number;
  /** The biased mean of the escaped runs only. */
  escapedOnlyMean: number;
}

/** Everything the notebook prints about one setting's runs, times multiplied by `scale` (η gives SDE time). */
export function escapeSummary(runs: EscapeTimes, scale = 1): EscapeSummary {
  const fit = exponentialFit(runs);
  const z = 1.96 * fit.logSE;
  const tau = fit.meanTime;
  const budget = runs.budget;
  return {
    runs: fit.runs,
    escaped: fit.events,
    probability: escapeProbability(runs),
    meanTime: tau * scale,
    low: tau * Math.exp(-z) * scale,
    high: tau * Math.exp(z) * scale,
    lowerBound: fit.events === 0 ? fit.lowerBound * scale : NaN,
    restrictedMean: restrictedMean(runs) * scale,
    restrictedMeanModel:
      (Number.isFinite(tau) ? tau * (1 - Math.exp(-budget / tau)) : budget) * scale,
    escapedOnlyMean: meanOfEscapedOnly(runs) * scale,
  };
}
