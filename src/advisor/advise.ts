// The batch-size advisor: the course's measurements, run in a few seconds on the learner's own
// problem, turned into a recommended batch size m and learning rate η.
//
//   1. η at a small base batch size: given, or tuned by short runs on a grid (chapter 3);
//   2. the gradient noise scale B_simple = tr Σ / |G|² at the start and along a short run at that
//      η (chapter 2), taken as the estimate of the critical batch size B_crit (chapter 3);
//   3. the curvature λ_max after the short run, whose stability limit 2/λ_max no batch size can
//      move (chapter 3);
//   4. time per step t(m) measured on this machine (chapter 5);
//   5. steps S(m) = S_min·(1 + B_crit/m) (McCandlish et al. 2018) times t(m) = t₀ + c·m fitted to
//      the step times of every m: the wall-clock time to the same target for every candidate m.
//      The answer is a band, every m within a factor 2 of the fitted curve's minimiser m*, and the
//      recommendation its smallest m that fits the memory budget (costBand.ts: choosing from the
//      fitted curve, not from each noisy timing, is what makes reruns agree), with η from the
//      linear or square-root rule, capped by the curvature, and a warmup when the rate grows a lot.
//
// The decision (step 5) is the pure function adviseFromMeasurements, so it can be tested and
// re-run with other assumptions without measuring again.

import type { Dataset } from "../data/dataset";
import { subset } from "../data/dataset";
import type { Model, Params } from "../models/model";
import { checkCompatible } from "../models/model";
import { trackNoiseScale, type NoiseTrackingRow } from "../noise/twoBatch";
import { hessianOperator } from "../curvature/hessian";
import { powerIteration } from "../curvature/eigen";
import { measureStepTimes, timingLoad, trainRunner, type StepTimeRow } from "../compute/timing";
import { fitOverhead, type OverheadFit } from "../compute/roofline";
import { interpolateStepTime } from "../compute/target";
import { largestBatchWithin } from "../compute/memory";
import { scaledLearningRate } from "../learningRate/scaling";
import { paretoSteps } from "../sweeps/pareto";
import { train } from "../update/train";
import { permutation, rng } from "../util/rng";
import {
  BatchlabArgumentError,
  checkInRange,
  checkObject,
  checkPositiveFinite,
  checkPositiveInteger,
} from "../util/validate";
import { AdvisorInputError, checkAdvisorData } from "./inputs";
import { BAND_FACTOR, MIN_BAND_FACTOR, costBand, fittedCost, type CostBand } from "./costBand";
import { median as medianOf, powersOfTwoUpTo } from "../util/stats";

export type ScalingRule = "linear" | "sqrt";

/**
 * How far B_crit may lie from B_simple measured after a short run, either way. Two effects pull in
 * opposite directions: at the target, B_simple overestimated B_crit by a factor of up to about 4 on
 * chapter 3's ill-conditioned problem (McCandlish et al.'s B_noise weighs the noise by the
 * curvature, B_simple does not); and B_simple keeps growing after a short run (chapter 2 §6), so
 * an early value underestimates the later ones. The advisor reports B_crit in
 * [B_simple / 4, 4 · B_simple] and uses B_simple itself for the decision.
 */
export const BCRIT_FACTOR = 4;

/**
 * The cap on η as a fraction of the stability limit 2/λ_max: chapter 3's tuned rates at the largest
 * batches stopped at about 0.85·2/λ_max at the minimum; curvature can grow during training (it does
 * in neural networks), so the advisor keeps a margin of 2.
 */
export const STABILITY_FRACTION = 0.5;

/** Share of the run spent warming η up (Goyal et al. 2017 warm up over 5 of 90 epochs). */
export const WARMUP_SHARE = 0.05;

export interface TuningTrial {
  lr: number;
  /** Training loss after the tuning run (NaN when it diverged). */
  finalLoss: number;
  diverged: boolean;
}

export interface BaseLr {
  m: number;
  lr: number;
  /** True when the advisor tuned it, false when it was given. */
  tuned: boolean;
  trials: TuningTrial[];
  /** The best η is the first or last rate tried: the true best may lie outside the grid. */
  atEdge: boolean;
}

export interface NoiseMeasurement {
  rows: NoiseTrackingRow[];
  /** Exact B_simple at the start, and after the short run: the median over its second half (over `examples` examples). */
  bSimpleStart: number;
  bSimpleEnd: number;
  /** The two-batch (online) estimate, the median over the second half of the short run (NaN when it never was positive). */
  bSimpleEstimateEnd: number;
  examples: number;
  bSmall: number;
  bBig: number;
  /** θ at the end of the short run (pass it as `init` to ask again from there). */
  thetaAfter: Params;
}

export interface CurvatureMeasurement {
  lambdaMaxStart: number;
  lambdaMaxEnd: number;
  /** 2/λ_max: gradient descent with a larger η diverges along the top eigenvector. */
  lrLimitStart: number;
  lrLimitEnd: number;
  examples: number;
}

export interface Measurements {
  n: number;
  p: number;
  base: BaseLr;
  noise: NoiseMeasurement;
  curvature: CurvatureMeasurement | null;
  stepTimes: StepTimeRow[];
}

export interface DecisionOptions {
  /** η scaling rule from the base batch size (default "linear"). */
  rule?: ScalingRule;
  /** Epochs the base run (m = base, η = base η) needs to reach your target (default 10). */
  baseEpochs?: number;
  /** Largest batch size to consider (default min(n, 4096)). */
  maxBatchSize?: number;
  /** Activation memory: a budget, the bytes every run needs whatever m, and the bytes per example. */
  memory?: { budgetBytes: number; fixedBytes?: number; bytesPerExample: number };
  /** Cap on η as a fraction of 2/λ_max (default STABILITY_FRACTION). */
  stabilityFraction?: number;
  /**
   * The band holds every m within this factor of the fitted optimum m*, either way (default
   * BAND_FACTOR = 2, see costBand.ts; from √2 to 16).
   */
  bandFactor?: number;
}

export interface CandidateRow {
  m: number;
  /** S(m)/S_min = 1 + B_crit/m and E(m)/E_min = 1 + m/B_crit. */
  stepsFactor: number;
  examplesFactor: number;
  steps: number;
  /** t(m) used for the decision: the fitted t₀ + c·m. */
  secondsPerStep: number;
  /** t(m) as measured (the median of the repeats; interpolated between measured m). */
  measuredSecondsPerStep: number;
  /** Estimated wall-clock time to the target, S(m)·(t₀ + c·m). */
  seconds: number;
  /** The fitted time to target ÷ the fitted curve's minimum: what the band is read from. */
  relativeCost: number;
  /** η the rule gives, and η after the curvature cap. */
  ruleLr: number;
  lr: number;
  fitsMemory: boolean;
}

export interface Recommendation {
  m: number;
  lr: number;
  rule: ScalingRule;
  /** Linear warmup steps (0: none needed). */
  warmupSteps: number;
  steps: number;
  seconds: number;
  examples: number;
  /** Why, one sentence each, for the printout. */
  reasons: string[];
}

export interface BatchSizeAdvice extends Measurements {
  bCrit: { estimate: number; low: number; high: number };
  overhead: OverheadFit;
  /** m* = √(B_crit·t₀/c) of the two models (chapter 5). */
  modelOptimum: number;
  candidates: CandidateRow[];
  /**
   * Every m within a factor of the fitted optimum m* (the recommendation is the smallest), the
   * candidate with the smallest fitted time, and the range of t₀/c over which the choice stays the
   * same: see costBand.ts.
   */
  band: CostBand;
  recommendation: Recommendation;
  /** The base batch size's own row, for comparison. */
  baseline: CandidateRow;
  warnings: string[];
  assumptions: Required<Pick<DecisionOptions, "rule" | "baseEpochs" | "stabilityFraction">> & {
    maxBatchSize: number;
  };
}

/** A candidate's fitted time to target ÷ the fitted curve's minimum. */
function fittedCostRatio(m: number, bCrit: number, band: CostBand): number {
  return fittedCost(m, bCrit, band.breakEven) / fittedCost(band.optimumM, bCrit, band.breakEven);
}

/** Step times the fit can use: named by index when one is not. */
function checkStepTimes(stepTimes: readonly StepTimeRow[]): void {
  if (!Array.isArray(stepTimes))
    throw new AdvisorInputError(
      `measurements.stepTimes must be an array of timed rows { m, secondsPerStep }, got ${stepTimes === null ? "null" : typeof stepTimes}`,
      "measurements.stepTimes",
    );
  stepTimes.forEach((r, i) => {
    if (!r || !Number.isInteger(r.m) || r.m < 1)
      throw new AdvisorInputError(
        `measurements.stepTimes[${i}].m is ${r ? r.m : r}: a batch size must be a positive integer`,
        `measurements.stepTimes[${i}]`,
      );
    if (!(r.secondsPerStep > 0) || !Number.isFinite(r.secondsPerStep)) {
      throw new AdvisorInputError(
        `measurements.stepTimes[${i}].secondsPerStep is ${r.secondsPerStep} at m = ${r.m}: a step time must be a positive number of seconds`,
        `measurements.stepTimes[${i}]`,
      );
    }
  });
  const distinct = new Set(stepTimes.map((r) => r.m)).size;
  if (distinct < 3) {
    throw new AdvisorInputError(
      `measurements.stepTimes holds ${distinct} distinct batch size${distinct === 1 ? "" : "s"}: fitting t(m) = t₀ + c·m and judging the fit needs at least 3 (time m = 1, 2, 4, … up to the largest candidate)`,
      "measurements.stepTimes",
    );
  }
}

/**
 * The decision, from measurements: every power-of-two m up to maxBatchSize gets a predicted time to
 * target from the fitted step time; the band is every m within the tolerance of the fitted minimum,
 * and its smallest m that fits the memory budget is recommended (costBand.ts). Pure and deterministic.
 */
export function adviseFromMeasurements(
  measurements: Measurements,
  options: DecisionOptions = {},
): BatchSizeAdvice {
  checkObject(
    "measurements",
    measurements,
    "an object { n, base, noise, curvature, stepTimes } (see recommendBatchSize)",
  );
  checkObject("options", options);
  const { n, base, noise, curvature, stepTimes } = measurements;
  const rule = options.rule ?? "linear";
  if (rule !== "linear" && rule !== "sqrt")
    throw new BatchlabArgumentError("rule", rule, `"linear" or "sqrt"`);
  const baseEpochs = options.baseEpochs ?? 10;
  checkPositiveFinite("baseEpochs", baseEpochs);
  const stabilityFraction = options.stabilityFraction ?? STABILITY_FRACTION;
  checkInRange("stabilityFraction", stabilityFraction, 1e-6, 1);
  const maxBatchSize = options.maxBatchSize ?? Math.min(n, 4096);
  checkPositiveInteger("maxBatchSize", maxBatchSize);
  checkStepTimes(stepTimes);
  const bandFactor = options.bandFactor ?? BAND_FACTOR;
  checkInRange("bandFactor", bandFactor, MIN_BAND_FACTOR, 16);
  const warnings: string[] = [];

  const bSimple =
    Number.isFinite(noise.bSimpleEnd) && noise.bSimpleEnd > 0
      ? noise.bSimpleEnd
      : noise.bSimpleEstimateEnd;
  if (!(bSimple > 0) || !Number.isFinite(bSimple)) {
    throw new AdvisorInputError(
      `the gradient noise scale could not be measured (B_simple = ${bSimple}): the mean gradient is zero or the noise is. ` +
        `Is the model already at a minimum, or are all targets equal?`,
      "measurements.noise",
    );
  }
  const bCrit = { estimate: bSimple, low: bSimple / BCRIT_FACTOR, high: bSimple * BCRIT_FACTOR };

  const measuredMax = Math.max(...stepTimes.map((r) => r.m));
  const measuredMin = Math.min(...stepTimes.map((r) => r.m));
  const sizes = powersOfTwoUpTo(Math.min(maxBatchSize, measuredMax)).filter(
    (m) => m >= measuredMin,
  );
  if (sizes.indexOf(base.m) < 0 && base.m >= measuredMin && base.m <= measuredMax)
    sizes.push(base.m);
  sizes.sort((a, b) => a - b);
  const memoryLimit = options.memory
    ? largestBatchWithin(
        options.memory.budgetBytes,
        options.memory.fixedBytes ?? 0,
        options.memory.bytesPerExample,
      )
    : Infinity;
  if (memoryLimit < 1)
    throw new AdvisorInputError(
      `not even m = 1 fits the memory budget of ${options.memory!.budgetBytes} bytes`,
      "options.memory",
    );
  if (sizes.length === 0)
    throw new AdvisorInputError(
      `no power of two from the smallest timed m = ${measuredMin} up to maxBatchSize = ${maxBatchSize} was timed: time smaller batches`,
      "measurements.stepTimes",
    );
  if (sizes[0] > memoryLimit) {
    throw new AdvisorInputError(
      `no timed batch size (from m = ${measuredMin}) fits the memory budget, which allows m ≤ ${memoryLimit}: time smaller batches`,
      "options.memory",
    );
  }

  // t(m) = t₀ + c·m fitted to every timed m at once (relative least squares, chapter 5): the
  // decision reads this line, never a single timing (costBand.ts).
  const fit = fitOverhead(stepTimes);
  const fittedTime = (m: number) => fit.overheadSeconds + fit.secondsPerExample * m;
  const band = costBand(
    sizes.filter((m) => m <= memoryLimit),
    bCrit.estimate,
    fit,
    bandFactor,
  );
  const ratioOf = (m: number) => fittedCostRatio(m, bCrit.estimate, band);

  // Steps: the base run needs baseEpochs·n/base steps, which fixes S_min of S(m) = S_min·(1 + B/m).
  const baseSteps = Math.ceil((baseEpochs * n) / base.m);
  const sMin = baseSteps / (1 + bCrit.estimate / base.m);
  const lrCap = curvature ? stabilityFraction * curvature.lrLimitEnd : Infinity;
  const row = (m: number): CandidateRow => {
    const steps = Math.ceil(paretoSteps(m, sMin, bCrit.estimate));
    const ruleLr = scaledLearningRate(rule, { lr: base.lr, batchSize: base.m }, m);
    return {
      m,
      stepsFactor: 1 + bCrit.estimate / m,
      examplesFactor: 1 + m / bCrit.estimate,
      steps,
      secondsPerStep: fittedTime(m),
      measuredSecondsPerStep: interpolateStepTime(
        stepTimes,
        Math.min(measuredMax, Math.max(measuredMin, m)),
      ),
      seconds: steps * fittedTime(m),
      relativeCost: ratioOf(m),
      ruleLr,
      lr: Math.min(ruleLr, lrCap),
      fitsMemory: m <= memoryLimit,
    };
  };
  const candidates = sizes.map(row);
  const best = candidates.find((c) => c.m === band.choice)!;
  const baseline = candidates.find((c) => c.m === base.m) ?? row(base.m);
  const modelOptimum = Math.sqrt((bCrit.estimate * fit.overheadSeconds) / fit.secondsPerExample);

  const reasons: string[] = [];
  reasons.push(
    `B_simple after the short run is ${round(bSimple)}: the estimate of B_crit, likely within a factor ${BCRIT_FACTOR} of it ` +
      `(chapters 2 and 3). Below B_crit doubling m nearly halves the steps; above it, it mostly doubles the examples.`,
  );
  const se = fit.breakEvenLogSe;
  const { low, high } = band.stableBreakEven;
  const seAway = (edge: number) => (Math.abs(Math.log(fit.breakEvenBatch / edge)) / se).toFixed(1);
  const range =
    low > 0 && high < Infinity
      ? `from ${round(low)} to ${round(high)}`
      : low > 0
        ? `above ${round(low)}`
        : high < Infinity
          ? `below ${round(high)}`
          : "whatever its value";
  reasons.push(
    `On this machine a step costs about ${formatTime(fit.overheadSeconds)} + ${formatTime(fit.secondsPerExample)} per example: ` +
      `t₀ + c·m fitted to all ${stepTimes.length} timed m, t₀/c ≈ ${round(fit.breakEvenBatch)}` +
      (Number.isFinite(se) ? ` ± ${Math.round(100 * se)} % (standard error)` : "") +
      `, the timings scattered ±${(100 * fit.rmsRelativeError).toFixed(0)} % (rms) about the line (chapter 5). ` +
      `With S(m) = S_min(1 + B_crit/m), the fitted time to target S(m)·(t₀ + c·m) is smallest at m* = √(B_crit·t₀/c) ≈ ${round(modelOptimum)}` +
      (band.optimumM !== modelOptimum ? ` (${round(band.optimumM)} within the candidates)` : "") +
      `.`,
  );
  reasons.push(
    `Rule: the band is every m within a factor ${bandFactor} of m* (each costs at most ${Math.round(100 * (band.costBound - 1) * 10) / 10} % more than the fitted minimum, whatever B_crit and t₀/c), ` +
      `and the advisor takes its smallest m (fewest examples per update, least memory). ` +
      `Band: m = ${band.ms.map((m) => `${m} (${ratioOf(m).toFixed(2)}×)`).join(", ")}; recommended: m = ${band.choice}. ` +
      `The same rule gives m = ${band.choice} for any t₀/c ${range}` +
      (Number.isFinite(se) && se > 0 && (low > 0 || high < Infinity)
        ? `: this fit's ${round(fit.breakEvenBatch)} is ` +
          [
            low > 0 ? `${seAway(low)} standard errors above the lower end` : "",
            high < Infinity ? `${seAway(high)} standard errors below the upper end` : "",
          ]
            .filter(Boolean)
            .join(" and ")
        : "") +
      `.`,
  );
  if (memoryLimit < Infinity) reasons.push(`The memory budget allows m ≤ ${memoryLimit}.`);
  const capped = best.lr < best.ruleLr;
  reasons.push(
    capped
      ? `The ${rule} rule asks for η = ${fmt(best.ruleLr)} at m = ${best.m}, above ${stabilityFraction} × 2/λ_max = ${fmt(lrCap)}: η is capped there, as chapter 3 found the best η saturating below the curvature limit.`
      : `η = ${fmt(best.lr)} is the ${rule} rule from η = ${fmt(base.lr)} at m = ${base.m} (chapter 3)${curvature ? `, below ${stabilityFraction} × 2/λ_max = ${fmt(lrCap)}` : ""}.`,
  );

  // Warmup: when η grows a lot over the tuned base rate, or is above the stability limit at the start.
  const growth = best.lr / base.lr;
  const unsafeAtStart = curvature !== null && best.lr > curvature.lrLimitStart;
  const warmupSteps =
    growth >= 4 || unsafeAtStart ? Math.max(10, Math.round(WARMUP_SHARE * best.steps)) : 0;
  if (warmupSteps > 0) {
    reasons.push(
      `Warm η up linearly over the first ${warmupSteps} steps (${Math.round(WARMUP_SHARE * 100)} % of the run, Goyal et al. 2017): ` +
        (unsafeAtStart
          ? `η is above 2/λ_max = ${fmt(curvature!.lrLimitStart)} at the start, where the loss is sharper.`
          : `η is ${growth.toFixed(1)}× the tuned base rate.`),
    );
  }

  if (base.atEdge)
    warnings.push(
      `the best base η (${fmt(base.lr)}) is at the edge of the grid tried; widen lrGrid to be sure it is the best`,
    );
  if (bCrit.estimate > n)
    warnings.push(
      `B_simple (${round(bCrit.estimate)}) exceeds the number of examples n = ${n}: full-batch gradient descent is already in the noise-free regime`,
    );
  if (band.fastestM === sizes[sizes.length - 1] && band.fastestM < maxBatchSize)
    warnings.push(
      `the fastest m is the largest one timed (${band.fastestM}); time larger batches to look further`,
    );
  if (
    Number.isFinite(se) &&
    ((low > 0 && fit.breakEvenBatch * Math.exp(-2 * se) < low) ||
      fit.breakEvenBatch * Math.exp(2 * se) > high)
  ) {
    warnings.push(
      `t₀/c is within two standard errors of a value where the band's smallest m changes (${range}): another run of the timings may recommend a neighbouring m`,
    );
  }
  if (!(fit.overheadSeconds > 0)) {
    warnings.push(
      `the fitted per-step overhead t₀ is 0: these timings (±${(100 * fit.rmsRelativeError).toFixed(0)} % rms about the line) do not resolve it, ` +
        `so m* and the band sit at the smallest m timed; time the steps again on a quieter machine before trusting this m`,
    );
  }
  const load = timingLoad(stepTimes);
  if (load.overloaded)
    warnings.push(
      `the load average reached ${load.loadAverage.toFixed(1)} on ${load.cores} cores while the steps were timed: the times are noisier than on an idle machine`,
    );
  if (noise.examples < n)
    warnings.push(`B_simple was measured on ${noise.examples} of the ${n} examples`);
  if (!curvature)
    warnings.push("curvature was not measured: η is not capped by the stability limit");
  if (
    Number.isFinite(noise.bSimpleEnd) &&
    Number.isFinite(noise.bSimpleStart) &&
    noise.bSimpleEnd > 4 * noise.bSimpleStart
  ) {
    warnings.push(
      `B_simple grew ${(noise.bSimpleEnd / noise.bSimpleStart).toFixed(0)}× during the short run and keeps growing as the loss falls: ` +
        `later in training a larger m pays (increase m, or re-run the advisor from a trained θ)`,
    );
  }

  return {
    ...measurements,
    bCrit,
    overhead: fit,
    modelOptimum,
    candidates,
    band,
    baseline,
    recommendation: {
      m: best.m,
      lr: best.lr,
      rule,
      warmupSteps,
      steps: best.steps,
      seconds: best.seconds,
      examples: best.m * best.steps,
      reasons,
    },
    warnings,
    assumptions: { rule, baseEpochs, stabilityFraction, maxBatchSize },
  };
}

export interface AdvisorOptions extends DecisionOptions {
  /** The small batch size η is tuned at (default 32, at most n/8). */
  baseBatchSize?: number;
  /** η at the base batch size; tuned when left out. */
  baseLr?: number;
  /** Rates tried when tuning (default 2^k for k = −10 … 4). */
  lrGrid?: readonly number[];
  /** Steps of each tuning run (default 100). */
  tuneSteps?: number;
  /** Steps of the short run along which the noise is measured (default 200). */
  shortRunSteps?: number;
  /** Exact noise statistics use at most this many examples, a random subset (default 5000). */
  noiseExamples?: number;
  /** Measure λ_max (default true); the Hessian products use at most 1000 examples. */
  curvature?: boolean;
  /** Measured step times to use instead of timing now (e.g. from chapter 5, or fixed ones in tests). */
  stepTimes?: readonly StepTimeRow[];
  /** Timing: target seconds per measurement (default 0.05) and repeats (default 3). */
  timing?: { seconds?: number; repeats?: number };
  /** Start from this θ instead of model.init(rng(seed)). */
  init?: Params;
  seed?: number;
  /** Progress lines ("tuning η at m = 32 …"). */
  log?: (line: string) => void;
}

/** 2^k for k = −10 … 4: from 0.001 to 16, a factor 2 apart. */
export const DEFAULT_LR_GRID: readonly number[] = Array.from(
  { length: 15 },
  (_, k) => 2 ** (k - 10),
);

/** η for a short run at batch size m: the lowest final training loss on a grid, walking up until it gets worse twice. */
export function tuneBaseLr(
  model: Model,
  data: Dataset,
  options: { m: number; grid?: readonly number[]; steps?: number; seed?: number; init?: Params },
): BaseLr {
  const grid = [...(options.grid ?? DEFAULT_LR_GRID)].sort((a, b) => a - b);
  if (grid.length === 0)
    throw new BatchlabArgumentError("lrGrid", grid, "a non-empty array of rates");
  grid.forEach((lr, i) => checkPositiveFinite(`lrGrid[${i}]`, lr));
  const steps = options.steps ?? 100;
  checkPositiveInteger("tuneSteps", steps);
  const evalSize = Math.min(data.n, 2000);
  const trials: TuningTrial[] = [];
  let worse = 0;
  for (const lr of grid) {
    const run = train(model, data, {
      batchSize: options.m,
      lr,
      steps,
      seed: options.seed ?? 0,
      init: options.init,
      evalEvery: steps,
      evalSize,
      divergenceFactor: 10,
    });
    const last = run.history[run.history.length - 1].trainLoss;
    const diverged = run.diverged || !Number.isFinite(last);
    trials.push({ lr, finalLoss: diverged ? NaN : last, diverged });
    const ok = trials.filter((t) => !t.diverged);
    const bestSoFar = Math.min(...ok.map((t) => t.finalLoss));
    if (diverged || last > bestSoFar) worse++;
    else worse = 0;
    if (worse >= 2) break;
  }
  const ok = trials.filter((t) => !t.diverged);
  if (ok.length === 0) {
    throw new AdvisorInputError(
      `every learning rate from ${grid[0]} up diverged at m = ${options.m}: scale the features (mean 0, variance 1) or give smaller rates in lrGrid`,
      "lrGrid",
    );
  }
  const best = ok.reduce((a, t) => (t.finalLoss < a.finalLoss ? t : a));
  return {
    m: options.m,
    lr: best.lr,
    tuned: true,
    trials,
    atEdge: best.lr === grid[0] || best.lr === grid[grid.length - 1],
  };
}

/** λ_max of the training loss's Hessian at θ by power iteration, over at most `examples` examples. */
export function topHessianEigenvalue(
  model: Model,
  theta: Params,
  data: Dataset,
  examples = 1000,
  seed = 0,
): number {
  const k = Math.min(data.n, examples);
  const batch = Int32Array.from({ length: k }, (_, i) => Math.floor((i * data.n) / k));
  return powerIteration(hessianOperator(model, theta, data, { batch }), {
    maxIterations: 30,
    tolerance: 1e-3,
    seed,
  }).value;
}

/**
 * Measures the problem (base η, gradient noise along a short run, curvature, time per step) and
 * recommends a batch size and learning rate: see adviseFromMeasurements for the decision. Throws
 * AdvisorInputError with a message for the learner on data it cannot work with.
 */
export function recommendBatchSize(
  model: Model,
  data: Dataset,
  options: AdvisorOptions = {},
): BatchSizeAdvice {
  checkAdvisorData(data);
  const seed = options.seed ?? 0;
  const random = rng(seed);
  const init = options.init ? Float64Array.from(options.init) : model.init(random.fork());
  checkCompatible(model, init, data);
  const log = options.log ?? (() => undefined);
  const base =
    options.baseBatchSize ?? Math.min(32, Math.max(8, 2 ** Math.floor(Math.log2(data.n / 8))));
  checkPositiveInteger("baseBatchSize", base);
  if (base > data.n / 8) {
    throw new AdvisorInputError(
      `baseBatchSize = ${base} is more than n/8 = ${Math.floor(data.n / 8)}: the base batch size must be small next to the data to measure noise`,
      "baseBatchSize",
    );
  }

  // 1. Base η.
  let baseLr: BaseLr;
  if (options.baseLr !== undefined) {
    checkPositiveFinite("baseLr", options.baseLr);
    baseLr = { m: base, lr: options.baseLr, tuned: false, trials: [], atEdge: false };
  } else {
    log(`tuning η at m = ${base} …`);
    baseLr = tuneBaseLr(model, data, {
      m: base,
      grid: options.lrGrid,
      steps: options.tuneSteps,
      seed,
      init,
    });
  }

  // 2. Noise along a short run at the base η, on a random subset when the data are large.
  const noiseExamples = Math.min(data.n, options.noiseExamples ?? 5000);
  checkPositiveInteger("noiseExamples", noiseExamples);
  const work =
    noiseExamples < data.n
      ? subset(data, permutation(data.n, random.fork()).subarray(0, noiseExamples), data.name)
      : data;
  const steps = options.shortRunSteps ?? 200;
  checkPositiveInteger("shortRunSteps", steps);
  const bSmall = Math.max(1, Math.floor(base / 8));
  log(`short run: ${steps} steps at m = ${base}, η = ${fmt(baseLr.lr)}, measuring B_simple …`);
  const tracked = trackNoiseScale(model, work, {
    bSmall,
    bBig: base,
    lr: baseLr.lr,
    steps,
    recordEvery: Math.max(1, Math.round(steps / 8)),
    seed,
    init,
  });
  const rows = tracked.rows;
  const last = rows[rows.length - 1];
  if (!Number.isFinite(last.trainLoss) || last.trainLoss > 10 * rows[0].trainLoss) {
    throw new AdvisorInputError(
      `the short run at η = ${fmt(baseLr.lr)} diverged (training loss ${last.trainLoss}); give a smaller baseLr`,
      "baseLr",
    );
  }
  // One record can be far off (θ jitters at the base η), so the end value is the median of the second half.
  const late = rows.filter((r) => r.step >= steps / 2);
  const noise: NoiseMeasurement = {
    rows,
    bSimpleStart: rows[0].exactBSimple,
    bSimpleEnd: median(late.map((r) => r.exactBSimple)),
    bSimpleEstimateEnd: median(
      late.map((r) => r.estBSimple).filter((v) => Number.isFinite(v) && v > 0),
    ),
    examples: work.n,
    bSmall,
    bBig: base,
    thetaAfter: tracked.theta,
  };

  // 3. Curvature at the start and after the short run.
  let curvature: CurvatureMeasurement | null = null;
  if (options.curvature ?? true) {
    log("curvature: power iteration on Hessian-vector products …");
    const lambdaMaxStart = topHessianEigenvalue(model, init, work);
    const lambdaMaxEnd = topHessianEigenvalue(model, tracked.theta, work);
    if (lambdaMaxStart > 0 && lambdaMaxEnd > 0) {
      curvature = {
        lambdaMaxStart,
        lambdaMaxEnd,
        lrLimitStart: 2 / lambdaMaxStart,
        lrLimitEnd: 2 / lambdaMaxEnd,
        examples: Math.min(work.n, 1000),
      };
    }
  }

  // 4. Time per step on this machine.
  const maxBatchSize = options.maxBatchSize ?? Math.min(data.n, 4096);
  let stepTimes: StepTimeRow[];
  if (options.stepTimes) {
    stepTimes = [...options.stepTimes];
  } else {
    const sizes = powersOfTwoUpTo(maxBatchSize);
    log(`timing steps at m = ${sizes[0]} … ${sizes[sizes.length - 1]} …`);
    stepTimes = measureStepTimes(trainRunner(model, data, { seed }), sizes, {
      seconds: options.timing?.seconds ?? 0.05,
      repeats: options.timing?.repeats ?? 3,
    });
  }

  return adviseFromMeasurements(
    { n: data.n, p: model.size, base: baseLr, noise, curvature, stepTimes },
    { ...options, maxBatchSize },
  );
}

/** The median, NaN for no values (a noise estimate may have none). */
function median(values: number[]): number {
  return values.length === 0 ? NaN : medianOf(values);
}

function round(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x >= 100 ? String(Math.round(x)) : x.toPrecision(2);
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Number(x.toPrecision(3)).toString();
}

function formatTime(seconds: number): string {
  if (seconds >= 1) return `${seconds.toPrecision(3)} s`;
  if (seconds >= 1e-3) return `${(seconds * 1e3).toPrecision(3)} ms`;
  return `${(seconds * 1e6).toPrecision(3)} µs`;
}

/** The advice as a few printable lines. */
export function formatAdvice(advice: BatchSizeAdvice): string {
  const r = advice.recommendation;
  const b = advice.baseline;
  const lines = [
    `Recommended: m = ${r.m}, η = ${fmt(r.lr)} (${r.rule} rule from η = ${fmt(advice.base.lr)} at m = ${advice.base.m}${advice.base.tuned ? ", tuned" : ", given"})` +
      (r.warmupSteps > 0 ? `, linear warmup over ${r.warmupSteps} steps` : ", no warmup"),
    `Estimated to reach your target in ${r.steps} steps, ${formatTime(r.seconds)} on this machine, ` +
      `against ${b.steps} steps, ${formatTime(b.seconds)} at m = ${b.m} (if m = ${advice.base.m} needs ${advice.assumptions.baseEpochs} epochs).`,
    ...r.reasons.map((s) => `  · ${s}`),
    ...advice.warnings.map((w) => `  ! ${w}`),
  ];
  return lines.join("\n");
}
