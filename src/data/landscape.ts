// Rugged landscapes made of data, for chapter 2b: L(θ) = (1/N)·Σᵢ ℓᵢ(θ) with a sharp and a flat
// minimum (the double well) or a saddle, where each example's loss ℓᵢ tilts the landscape a little
// so that minibatch SGD on the ℓᵢ has real minibatch noise, not noise added by hand.
//
// The double well along θ₀ is made of three quadratic pieces joined with a continuous slope:
//
//     W(x) = ½·hₐ·x²                 x ≤ pₐ            (the sharp well, minimum at 0)
//            ΔL − ½·k·(x − c)²       pₐ ≤ x ≤ p_b      (the barrier top at c, curvature −k)
//            ½·h_b·(x − b)²          x ≥ p_b           (the flat well, minimum at b)
//
// so both minima sit at L = 0 under the same barrier ΔL (the "same depth"), with curvatures that are
// exactly hₐ, −k and h_b. Any further coordinates θ₁… are flat valleys ½·h⊥·θⱼ².
//
// Example i is a row ξᵢ of the dataset and its loss is ℓᵢ(θ) = L(θ) − σ·Σⱼ ξᵢⱼ·φⱼ(θⱼ), where φⱼ is
// piecewise linear with slope φⱼ′ = √|∂ⱼ²L|. The columns of ξ are centred and whitened exactly
// ((1/N)·Σᵢ ξᵢⱼ = 0, (1/N)·Σᵢ ξᵢⱼξᵢₖ = δⱼₖ), so
//   - the tilts cancel in the mean: (1/N)·Σᵢ ℓᵢ = L exactly, and the full batch is plain GD on L;
//   - the per-example gradients ∇ℓᵢ = ∇L − σ·ξᵢ ⊙ φ′ have covariance σ²·|H(θ)|, the Hessian's
//     absolute value, exactly: the noise of a batch of one follows the curvature, as it does near a
//     minimum of a real network's loss (where the gradient covariance approaches the Fisher
//     matrix, ≈ H). In words: each example has its own minimum, shifted by δ = σξ/√h, and the
//     shifts are wider in a flat well and narrower in a sharp one, so that every example's own loss
//     at the common minimum is the same size, ½σ²ξ², in both wells.
//
// The saddle: L(x, y) = −½λx² + ¼q·x⁴ + ½h·y², a saddle at 0 and minima at x = ±√(λ/q), with the
// same construction of the examples (φ = √λ·x and √h·y, so the noise is σ²·diag(λ, h) near 0).

import type { Dataset } from "./dataset";
import { rng } from "../util/rng";
import { BatchlabArgumentError, checkNonNegativeInteger, checkPositiveFinite, checkPositiveInteger } from "../util/validate";

/** A loss landscape L(θ) with its gradient, curvature and per-example tilt functions. */
export interface Landscape {
  readonly kind: "double-well" | "saddle";
  /** Number of parameters. */
  readonly dims: number;
  /** σ: the per-example noise scale (the covariance of one example's gradient is σ²·|H|). */
  readonly noise: number;
  /** L(θ). */
  loss(theta: ArrayLike<number>): number;
  /** ∂L/∂θⱼ. */
  partial(theta: ArrayLike<number>, j: number): number;
  /** ∂²L/∂θⱼ² (the Hessians here are diagonal). */
  curvature(theta: ArrayLike<number>, j: number): number;
  /** φⱼ(θⱼ), the tilt each example's ξᵢⱼ multiplies. */
  tilt(theta: ArrayLike<number>, j: number): number;
  /** φⱼ′(θⱼ) = √|∂ⱼ²L|. */
  tiltSlope(theta: ArrayLike<number>, j: number): number;
}

export interface DoubleWellSpec {
  /** hₐ: curvature of the sharp minimum (at θ₀ = 0). */
  sharpCurvature: number;
  /** h_b: curvature of the flat minimum. */
  flatCurvature: number;
  /** k: |curvature| at the top of the barrier. */
  barrierCurvature: number;
  /** ΔL: height of the barrier above both minima (they have the same depth). */
  barrier: number;
  /** σ: per-example gradient noise scale. */
  noise: number;
  /** Extra flat coordinates θ₁… (default 0: a 1-D landscape). */
  valleyDims?: number;
  /** h⊥: curvature of the extra coordinates (default 0.5). */
  valleyCurvature?: number;
}

/** Where the pieces of the double well meet. */
export interface DoubleWellGeometry {
  /** The sharp minimum (0), the barrier top and the flat minimum along θ₀. */
  sharpMin: number;
  top: number;
  flatMin: number;
  /** Where the sharp well meets the barrier, and where the barrier meets the flat well. */
  sharpJoin: number;
  flatJoin: number;
}

export interface DoubleWell extends Landscape {
  readonly kind: "double-well";
  readonly spec: Readonly<Required<DoubleWellSpec>>;
  readonly geometry: DoubleWellGeometry;
  /** W(x), the profile along θ₀. */
  profile(x: number): number;
  /** "sharp" for θ₀ left of the barrier top, "flat" to its right. */
  basin(theta: ArrayLike<number>): "sharp" | "flat";
}

/**
 * Half-widths of a quadratic well of curvature h joined to the barrier cap −k with a continuous
 * slope at height ΔL below the top: ½h·u² + ½k·v² = ΔL and h·u = k·v.
 */
function joinWidths(h: number, k: number, barrier: number): { well: number; cap: number } {
  const well = Math.sqrt((2 * barrier * k) / (h * (h + k)));
  return { well, cap: (h * well) / k };
}

/** The sharp-and-flat double well (see the file header). */
export function doubleWell(spec: DoubleWellSpec): DoubleWell {
  const s: Required<DoubleWellSpec> = { valleyDims: 0, valleyCurvature: 0.5, ...spec };
  checkPositiveFinite("sharpCurvature", s.sharpCurvature);
  checkPositiveFinite("flatCurvature", s.flatCurvature);
  checkPositiveFinite("barrierCurvature", s.barrierCurvature);
  checkPositiveFinite("barrier", s.barrier);
  checkPositiveFinite("noise", s.noise);
  checkNonNegativeInteger("valleyDims", s.valleyDims);
  checkPositiveFinite("valleyCurvature", s.valleyCurvature);
  const ha = s.sharpCurvature, hb = s.flatCurvature, k = s.barrierCurvature, dL = s.barrier;
  const a = joinWidths(ha, k, dL);
  const b = joinWidths(hb, k, dL);
  const sharpJoin = a.well;
  const top = a.well + a.cap;
  const flatJoin = top + b.cap;
  const flatMin = flatJoin + b.well;
  const rootHa = Math.sqrt(ha), rootK = Math.sqrt(k), rootHb = Math.sqrt(hb), rootV = Math.sqrt(s.valleyCurvature);
  const phiAtSharpJoin = rootHa * sharpJoin;
  const phiAtFlatJoin = phiAtSharpJoin + rootK * (flatJoin - sharpJoin);

  const profile = (x: number): number => {
    if (x <= sharpJoin) return 0.5 * ha * x * x;
    if (x < flatJoin) return dL - 0.5 * k * (x - top) * (x - top);
    return 0.5 * hb * (x - flatMin) * (x - flatMin);
  };
  const slope = (x: number): number => (x <= sharpJoin ? ha * x : x < flatJoin ? -k * (x - top) : hb * (x - flatMin));
  const second = (x: number): number => (x <= sharpJoin ? ha : x < flatJoin ? -k : hb);
  const phi = (x: number): number =>
    x <= sharpJoin ? rootHa * x : x < flatJoin ? phiAtSharpJoin + rootK * (x - sharpJoin) : phiAtFlatJoin + rootHb * (x - flatJoin);
  const phiSlope = (x: number): number => (x <= sharpJoin ? rootHa : x < flatJoin ? rootK : rootHb);
  const dims = 1 + s.valleyDims;

  return {
    kind: "double-well", dims, noise: s.noise, spec: s,
    geometry: { sharpMin: 0, top, flatMin, sharpJoin, flatJoin },
    profile,
    basin: (theta) => (theta[0] < top ? "sharp" : "flat"),
    loss(theta) {
      let v = profile(theta[0]);
      for (let j = 1; j < dims; j++) v += 0.5 * s.valleyCurvature * theta[j] * theta[j];
      return v;
    },
    partial: (theta, j) => (j === 0 ? slope(theta[0]) : s.valleyCurvature * theta[j]),
    curvature: (theta, j) => (j === 0 ? second(theta[0]) : s.valleyCurvature),
    tilt: (theta, j) => (j === 0 ? phi(theta[0]) : rootV * theta[j]),
    tiltSlope: (theta, j) => (j === 0 ? phiSlope(theta[0]) : rootV),
  };
}

export interface SaddleSpec {
  /** λ: |curvature| along the escape direction x at the saddle. */
  negativeCurvature: number;
  /** h: curvature along y. */
  positiveCurvature: number;
  /** q: the quartic that turns x back up, minima at ±√(λ/q) (default λ: minima at ±1). */
  quartic?: number;
  noise: number;
}

export interface Saddle extends Landscape {
  readonly kind: "saddle";
  readonly spec: Readonly<Required<SaddleSpec>>;
}

/** L(x, y) = −½λx² + ¼q·x⁴ + ½h·y² with per-example tilts σ·(ξ₀·√λ·x + ξ₁·√h·y). */
export function saddle(spec: SaddleSpec): Saddle {
  const s: Required<SaddleSpec> = { quartic: spec.negativeCurvature, ...spec };
  checkPositiveFinite("negativeCurvature", s.negativeCurvature);
  checkPositiveFinite("positiveCurvature", s.positiveCurvature);
  checkPositiveFinite("quartic", s.quartic);
  checkPositiveFinite("noise", s.noise);
  const lam = s.negativeCurvature, h = s.positiveCurvature, q = s.quartic;
  const roots = [Math.sqrt(lam), Math.sqrt(h)];
  return {
    kind: "saddle", dims: 2, noise: s.noise, spec: s,
    loss: (t) => -0.5 * lam * t[0] * t[0] + 0.25 * q * t[0] ** 4 + 0.5 * h * t[1] * t[1],
    partial: (t, j) => (j === 0 ? -lam * t[0] + q * t[0] ** 3 : h * t[1]),
    curvature: (t, j) => (j === 0 ? -lam + 3 * q * t[0] * t[0] : h),
    tilt: (t, j) => roots[j] * t[j],
    tiltSlope: (_t, j) => roots[j],
  };
}

/**
 * n rows of `dims` numbers whose columns have mean exactly 0 and covariance exactly the identity
 * (population normalisation 1/n): normal draws, centred, then orthonormalised column by column
 * (modified Gram–Schmidt) and scaled by √n.
 */
export function whitenedRows(n: number, dims: number, seed: number): Float64Array {
  checkPositiveInteger("n", n);
  checkPositiveInteger("dims", dims);
  if (n <= dims) throw new BatchlabArgumentError("n", n, `more than dims = ${dims} examples`);
  const random = rng(seed);
  const cols: Float64Array[] = [];
  for (let j = 0; j < dims; j++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = random.normal();
    let mean = 0;
    for (let i = 0; i < n; i++) mean += c[i];
    mean /= n;
    for (let i = 0; i < n; i++) c[i] -= mean;
    for (const prev of cols) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += c[i] * prev[i];
      for (let i = 0; i < n; i++) c[i] -= dot * prev[i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += c[i] * c[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) c[i] /= norm;
    cols.push(c);
  }
  const x = new Float64Array(n * dims);
  const scale = Math.sqrt(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < dims; j++) x[i * dims + j] = cols[j][i] * scale;
  return x;
}

/** The N examples of a landscape: row i is ξᵢ (targets unused, 0). */
export function landscapeData(landscape: Landscape, n: number, seed = 0): Dataset {
  checkNonNegativeInteger("seed", seed);
  const x = whitenedRows(n, landscape.dims, seed);
  return { name: `${landscape.kind} (N = ${n})`, n, d: landscape.dims, x, y: new Float64Array(n) };
}
