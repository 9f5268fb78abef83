// Straight lines through measured log escape times: ln τ̂ against m/η (the Arrhenius form) or against
// ln(m/η) (a power law, the form Mori et al. 2022 derive when the per-example losses vanish at the
// minimum). Each point is weighted by its number of escapes k (Var ln τ̂ ≈ 1/k); the slope's
// uncertainty comes from a bootstrap over seeds: every setting's runs are resampled with
// replacement, τ̂ re-estimated, the line refitted.

import { rng } from "../util/rng";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";
import { exponentialFit, type EscapeTimes } from "./survival";

export interface LineFit {
  slope: number;
  intercept: number;
  /** Σ k·(residual)²/(points − 2): about 1 when the line explains the points within their errors. */
  reducedChiSquare: number;
  points: number;
}

/** Weighted least squares y = intercept + slope·x. */
export function weightedLine(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number>,
): LineFit {
  const n = x.length;
  if (n < 2 || y.length !== n || w.length !== n)
    throw new BatchlabArgumentError("x.length", n, "at least 2, equal to y.length and w.length");
  let sw = 0,
    sx = 0,
    sy = 0;
  for (let i = 0; i < n; i++) {
    sw += w[i];
    sx += w[i] * x[i];
    sy += w[i] * y[i];
  }
  const mx = sx / sw,
    my = sy / sw;
  let sxx = 0,
    sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += w[i] * (x[i] - mx) ** 2;
    sxy += w[i] * (x[i] - mx) * (y[i] - my);
  }
  if (!(sxx > 0)) throw new BatchlabArgumentError("x", x, "at least two different values");
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  let chi = 0;
  for (let i = 0; i < n; i++) chi += w[i] * (y[i] - intercept - slope * x[i]) ** 2;
  return { slope, intercept, reducedChiSquare: n > 2 ? chi / (n - 2) : NaN, points: n };
}

export interface EscapePoint {
  /** The abscissa: m/η, or ln(m/η) for the power-law form. */
  x: number;
  runs: EscapeTimes;
}

export interface EscapeLineFit extends LineFit {
  /** Bootstrap standard error of the slope (over seeds). */
  slopeSE: number;
  /** 2.5 % and 97.5 % bootstrap quantiles of the slope. */
  slopeLow: number;
  slopeHigh: number;
  /** Settings left out because nothing escaped (ln τ̂ undefined). */
  skipped: number;
}

function resample(runs: EscapeTimes, random: ReturnType<typeof rng>): EscapeTimes {
  const n = runs.times.length;
  const times = new Float64Array(n),
    escaped = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const j = random.int(n);
    times[i] = runs.times[j];
    escaped[i] = runs.escaped[j];
  }
  return { times, escaped, budget: runs.budget };
}

function fitPoints(points: EscapePoint[]): LineFit | null {
  const used = points
    .map((p) => ({ x: p.x, fit: exponentialFit(p.runs) }))
    .filter((p) => p.fit.events > 0);
  if (used.length < 2 || new Set(used.map((p) => p.x)).size < 2) return null;
  return weightedLine(
    used.map((p) => p.x),
    used.map((p) => p.fit.logMean),
    used.map((p) => p.fit.events),
  );
}

/** ln τ̂ = intercept + slope·x through the settings, with a bootstrap over seeds for the slope. */
export function fitEscapeLine(
  points: EscapePoint[],
  options: { bootstrap?: number; seed?: number } = {},
): EscapeLineFit {
  const fit = fitPoints(points);
  if (!fit)
    throw new BatchlabArgumentError(
      "points",
      points.length,
      "at least two settings (at two values of x) with escapes",
    );
  const draws = options.bootstrap ?? 400;
  checkPositiveInteger("bootstrap", draws);
  const random = rng(options.seed ?? 0);
  const slopes: number[] = [];
  for (let b = 0; b < draws; b++) {
    const again = fitPoints(points.map((p) => ({ x: p.x, runs: resample(p.runs, random) })));
    if (again) slopes.push(again.slope);
  }
  slopes.sort((a, b) => a - b);
  const mean = slopes.reduce((s, v) => s + v, 0) / slopes.length;
  const sd = Math.sqrt(
    slopes.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, slopes.length - 1),
  );
  const q = (f: number) =>
    slopes[Math.min(slopes.length - 1, Math.max(0, Math.round(f * (slopes.length - 1))))];
  return {
    ...fit,
    slopeSE: sd,
    slopeLow: q(0.025),
    slopeHigh: q(0.975),
    skipped: points.filter((p) => exponentialFit(p.runs).events === 0).length,
  };
}
