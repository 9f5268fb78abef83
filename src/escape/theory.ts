// What theory predicts for the escape experiments of chapter 2b, all in closed form or by one
// numerical integral, so the tests and the notebook can hold the measurements against them.
//
// Minibatch SGD with step η on the double well moves θ₀ by −η·W′ plus noise of variance
// η²·σ²·|W″|/m per step (batches drawn with replacement). Read with time t = η·steps, that is the
// stochastic differential equation dθ = −W′ dt + √(2D) dB with D(θ) = η·σ²·|W″(θ)|/(2m). Its mean
// first-passage time over the barrier is exactly (the first-passage formula for a 1-D diffusion, Gardiner)
//
//     τ = ∫ₐᵇ e^{Ψ(y)} ∫₋∞ʸ e^{−Ψ(z)}/D(z) dz dy,   Ψ(y) = ∫ₐʸ W′/D,
//
// and for a barrier of a few D or more it is dominated by e^{Ψ(top)}. Because D follows the
// curvature piece by piece, Ψ(top) = ΔL·s/Dₐ + ΔL·(1 − s)/D_top with s = k/(hₐ + k) the share of the
// barrier climbed inside the well:
//
//     ln τ ≈ const + (m/η)·(2ΔL/σ²)·(s/hₐ + (1 − s)/k)
//
// linear in m/η, with a slope that falls as the well gets sharper (hₐ up). With noise of constant
// variance v per coordinate (GD plus Gaussian noise) the exponent is 2ΔL/(η·v) instead.

import type { DoubleWell, Saddle } from "../data/landscape";
import { checkPositiveFinite, checkPositiveInteger } from "../util/validate";

export type Basin = "sharp" | "flat";

function wellCurvature(well: DoubleWell, from: Basin): number {
  return from === "sharp" ? well.spec.sharpCurvature : well.spec.flatCurvature;
}

/** s = k/(h + k): the share of the barrier ΔL that is climbed inside the well (the rest on the cap). */
export function wellShare(well: DoubleWell, from: Basin): number {
  const k = well.spec.barrierCurvature;
  return k / (wellCurvature(well, from) + k);
}

/** d ln τ / d(m/η) for minibatch noise σ²|H|/m: (2ΔL/σ²)·(s/h + (1 − s)/k). */
export function escapeSlope(well: DoubleWell, from: Basin): number {
  const h = wellCurvature(well, from),
    k = well.spec.barrierCurvature,
    s = wellShare(well, from);
  return ((2 * well.spec.barrier) / well.noise ** 2) * (s / h + (1 - s) / k);
}

/** The Arrhenius exponent Ψ(top) for batch size m and step η: escapeSlope · m/η. */
export function arrheniusExponent(well: DoubleWell, from: Basin, m: number, lr: number): number {
  checkPositiveInteger("m", m);
  checkPositiveFinite("lr", lr);
  return escapeSlope(well, from) * (m / lr);
}

/** The exponent for GD plus Gaussian noise of constant variance v per step along θ₀ (per unit η²): 2ΔL/(η·v). */
export function constantNoiseExponent(well: DoubleWell, variance: number, lr: number): number {
  checkPositiveFinite("variance", variance);
  checkPositiveFinite("lr", lr);
  return (2 * well.spec.barrier) / (lr * variance);
}

/**
 * The per-coordinate variance of isotropic noise with the same total variance (trace) as the
 * minibatch noise at the minimum: σ²·tr|H|/(p·m).
 */
export function isotropicVariance(well: DoubleWell, from: Basin, m: number): number {
  const p = well.dims;
  const trace = wellCurvature(well, from) + (p - 1) * well.spec.valleyCurvature;
  return (well.noise ** 2 * trace) / (p * m);
}

/**
 * The exact mean first-passage time of the SDE from one minimum to the other, in SGD steps
 * (SDE time / η), by the double integral above on a fine grid (trapezoids). With
 * `constantVariance` v the noise is GD's added Gaussian noise of variance v along θ₀ (m unused).
 */
export function kramersSteps(
  well: DoubleWell,
  from: Basin,
  m: number,
  lr: number,
  options: { constantVariance?: number; points?: number } = {},
): number {
  checkPositiveInteger("m", m);
  checkPositiveFinite("lr", lr);
  const points = options.points ?? 40000;
  checkPositiveInteger("points", points);
  const constant = options.constantVariance;
  if (constant !== undefined) checkPositiveFinite("constantVariance", constant);
  const { flatMin } = well.geometry;
  const h = wellCurvature(well, from);
  const sigma2 = well.noise ** 2;
  // Walk from the start minimum towards the other one: u = θ₀ (sharp start) or u = flatMin − θ₀.
  const sign = from === "sharp" ? 1 : -1;
  const x0 = from === "sharp" ? 0 : flatMin;
  const slope = (u: number) => sign * wellSlope(well, x0 + sign * u);
  // Minibatch noise: variance σ²|W″|/m per unit η²; or, for GD plus Gaussian noise, a constant variance v.
  const diffusion =
    constant !== undefined
      ? () => (lr * constant) / 2
      : (u: number) => (lr * sigma2 * Math.abs(curvatureAt(well, x0 + sign * u))) / (2 * m);
  const tail =
    8 * Math.sqrt(constant !== undefined ? (lr * constant) / (2 * h) : (lr * sigma2) / (2 * m)); // ~8 standard deviations of the stationary spread in the well
  const lo = -tail,
    hi = flatMin;
  const du = (hi - lo) / points;
  const psi = new Float64Array(points + 1);
  const u0 = Math.round(-lo / du); // grid index nearest the start minimum
  for (let i = 1; i <= points; i++) {
    const ua = lo + (i - 1) * du,
      ub = lo + i * du;
    psi[i] = psi[i - 1] + 0.5 * du * (slope(ua) / diffusion(ua) + slope(ub) / diffusion(ub));
  }
  const offset = psi[u0];
  let inner = 0,
    total = 0;
  let prevInner = 0,
    prevOuter = 0;
  for (let i = 0; i <= points; i++) {
    const u = lo + i * du;
    const f = Math.exp(-(psi[i] - offset)) / diffusion(u);
    inner = i === 0 ? 0 : inner + 0.5 * du * (prevInner + f);
    prevInner = f;
    const g = Math.exp(psi[i] - offset) * inner;
    if (i > u0) total += 0.5 * du * (prevOuter + g);
    prevOuter = g;
  }
  return total / lr;
}

function wellSlope(well: DoubleWell, x: number): number {
  return well.partial([x], 0);
}

function curvatureAt(well: DoubleWell, x: number): number {
  return well.curvature([x], 0);
}

/**
 * Mean steps for SGD to leave the saddle, |θ₀| ≥ escapeAt, starting on its stable direction:
 * near the saddle θ₀ grows like (1 + ηλ)ᵗ·(x₀ + s·Z) with Z standard normal and
 * s² = η·σ²/(m·(2 + ηλ)) the variance the noise adds, so with x₀ ≪ s
 * E[steps] = [ln(escapeAt/s) + (γ + ln 2)/2]/ln(1 + ηλ), and without noise (full batch, s = 0)
 * steps = ln(escapeAt/x₀)/ln(1 + ηλ). The quartic is ignored (escapeAt ≪ √(λ/q)).
 */
export function saddleEscapeSteps(
  sad: Saddle,
  options: { m: number | "full"; lr: number; start: number; escapeAt: number },
): number {
  const { lr, start, escapeAt } = options;
  checkPositiveFinite("lr", lr);
  checkPositiveFinite("escapeAt", escapeAt);
  const growth = Math.log(1 + lr * sad.spec.negativeCurvature);
  if (options.m === "full") {
    checkPositiveFinite("start", Math.abs(start));
    return Math.log(escapeAt / Math.abs(start)) / growth;
  }
  checkPositiveInteger("m", options.m);
  const spread = Math.sqrt(
    (lr * sad.noise ** 2) / (options.m * (2 + lr * sad.spec.negativeCurvature)),
  );
  const EULER_GAMMA = 0.5772156649015329;
  return (Math.log(escapeAt / spread) + (EULER_GAMMA + Math.LN2) / 2) / growth;
}
