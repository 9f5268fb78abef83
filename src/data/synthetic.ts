// Synthetic problems whose answers are known in closed form, so a notebook can compare what SGD
// finds with the truth and a test can check numbers against theory.

import { dataset, subset, type Dataset } from "./dataset";
import { permutation, rng, type Rng } from "../util/rng";
import { checkInRange, checkPositiveFinite, checkPositiveInteger, checkAllFinite, checkLength, checkObject } from "../util/validate";

export interface LinearProblem {
  data: Dataset;
  /** The weights that generated the targets (these problems have no intercept). */
  thetaStar: Float64Array;
  sigma: number;
}

export interface LinearDataOptions {
  n: number;
  d: number;
  /** Standard deviation of the target noise (default 0.1). */
  sigma?: number;
  seed?: number;
  /** True weights; default drawn from N(0, 1). */
  weights?: ArrayLike<number>;
  /** Per-feature standard deviations (default all 1): unequal scales make the loss ill-conditioned. */
  scales?: ArrayLike<number>;
}

/** y = xᵀw* + σ·ε with x ~ N(0, diag(scales²)) and ε ~ N(0, 1); no intercept. */
export function linearData(options: LinearDataOptions): LinearProblem {
  checkObject("options", options, "an object such as { n, d }");
  const { n, d } = options;
  checkPositiveInteger("n", n);
  checkPositiveInteger("d", d);
  const sigma = options.sigma ?? 0.1;
  checkInRange("sigma", sigma, 0, Infinity);
  const random = rng(options.seed ?? 0);
  const w = new Float64Array(d);
  if (options.weights !== undefined) {
    checkLength("weights", options.weights, d);
    checkAllFinite("weights", options.weights);
  }
  for (let j = 0; j < d; j++) w[j] = options.weights ? options.weights[j] : random.normal();
  const scales = options.scales;
  if (scales !== undefined) checkLength("scales", scales, d);
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = random.normal() * (scales ? scales[j] : 1);
      x[i * d + j] = v;
      s += v * w[j];
    }
    y[i] = s + sigma * random.normal();
  }
  return { data: dataset(x, y, { d, name: `linear (n=${n}, d=${d})` }), thetaStar: w, sigma };
}

export interface CorrelatedPairOptions {
  n: number;
  /** Correlation ρ of the two features, in (−1, 1): the loss contours' condition number is (1+|ρ|)/(1−|ρ|). */
  rho: number;
  sigma?: number;
  seed?: number;
  /** True weights (default [1.5, 0.5]). */
  weights?: [number, number];
}

/**
 * Linear regression on two correlated features with no intercept: its loss is an ill-conditioned
 * 2-D quadratic bowl, the classic picture for trajectories on contour lines.
 */
export function correlatedPair(options: CorrelatedPairOptions): LinearProblem {
  const { n, rho } = options;
  checkPositiveInteger("n", n);
  checkInRange("rho", rho, -0.999, 0.999);
  const sigma = options.sigma ?? 0.5;
  checkInRange("sigma", sigma, 0, Infinity);
  const random = rng(options.seed ?? 0);
  const [w0, w1] = options.weights ?? [1.5, 0.5];
  const c = Math.sqrt(1 - rho * rho);
  const x = new Float64Array(n * 2);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = random.normal();
    const b = rho * a + c * random.normal();
    x[2 * i] = a;
    x[2 * i + 1] = b;
    y[i] = w0 * a + w1 * b + sigma * random.normal();
  }
  return { data: dataset(x, y, { d: 2, name: `correlated pair (rho=${rho})` }), thetaStar: Float64Array.of(w0, w1), sigma };
}

export interface BlobOptions {
  n: number;
  classes: number;
  d: number;
  /** Distance of the class means from the origin in units of the within-class spread (default 1.5): smaller overlaps more. */
  separation?: number;
  seed?: number;
}

/** Overlapping Gaussian blobs, one per class, balanced classes (class of example i is i mod K before shuffling). */
export function gaussianBlobs(options: BlobOptions): Dataset {
  const { n, classes, d } = options;
  checkPositiveInteger("n", n);
  checkPositiveInteger("classes", classes);
  checkPositiveInteger("d", d);
  const separation = options.separation ?? 1.5;
  checkPositiveFinite("separation", separation);
  const random = rng(options.seed ?? 0);
  const means: Float64Array[] = [];
  for (let k = 0; k < classes; k++) {
    const mu = new Float64Array(d);
    let norm = 0;
    for (let j = 0; j < d; j++) {
      mu[j] = random.normal();
      norm += mu[j] * mu[j];
    }
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < d; j++) mu[j] *= separation / norm;
    means.push(mu);
  }
  const x = new Float64Array(n * d);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = random.int(classes);
    y[i] = k;
    for (let j = 0; j < d; j++) x[i * d + j] = means[k][j] + random.normal();
  }
  return dataset(x, y, { d, classes, name: `blobs (K=${classes}, d=${d})` });
}

/** Split off the last `testFraction` of a seeded random permutation as a test set. */
export function trainTestSplit(data: Dataset, testFraction: number, random: Rng = rng(0)): { train: Dataset; test: Dataset } {
  checkInRange("testFraction", testFraction, 0, 1);
  const nTest = Math.round(data.n * testFraction);
  const perm = permutation(data.n, random);
  return {
    train: subset(data, perm.subarray(0, data.n - nTest), `${data.name} train`),
    test: subset(data, perm.subarray(data.n - nTest), `${data.name} test`),
  };
}
