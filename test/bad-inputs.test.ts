// Bad inputs at the public boundary: every function a notebook imports is called here the way a
// learner might get it wrong (wrong type, out-of-range number, mislabelled data, a batch index past
// the end…), from TypeScript or from JavaScript without types. Each call must throw a
// BatchlabArgumentError (or a subclass) whose message names the argument: never return, never end
// in a bare TypeError or RangeError from deep inside the arithmetic.

import { before, test } from "node:test";
import { loadKernels } from "../src/engines/wasm/runtime";
import assert from "node:assert/strict";
import * as aq from "arquero";
import {
  BatchlabArgumentError,
  dataset,
  linearRegression,
  logisticRegression,
  softmaxRegression,
  mlp,
  meanLoss,
  meanGradient,
  sgdStep,
  train,
  withReplacement,
  permutation,
  rng,
  linearData,
  gaussianBlobs,
  correlatedPair,
  mnistSubset,
  gradientNoise,
  gradientMatrix,
  measureBatchVariance,
  powersOfTwo,
  fitPowerLaw,
  drawsForBudget,
  twoBatchEstimate,
  withoutReplacementCorrection,
  estimateNoiseScale,
  trackNoiseScale,
  show,
  showTable,
  liveProgress,
  grid,
  fitCriticalBatch,
  logLogSlope,
  adviseFromArrays,
  adviseFromMeasurements,
  recommendBatchSize,
  scaledLearningRate,
  linearWarmup,
  lrGridValues,
  summarizeSeeds,
  compareMeans,
  spearman,
  accuracyStandardError,
  fitLine,
  formatBytes,
  largestBatchWithin,
  optimalBatchModel,
  mlpParameterCount,
  mlpFlopsPerExample,
  linearFlopsPerExample,
  activationBytesPerExample,
  alphaGrid,
  leastSquares,
  loadMnist,
  wasmLinear,
  wasmMlp,
  storedWidths,
  rescaleHiddenLayer,
  type Dataset,
} from "../src/index";

before(() => loadKernels()); // wabt, which assembles the kernels, loads asynchronously

// A JavaScript caller passes anything: `js(v)` hands a value to a typed parameter unchecked.
const js = (value: unknown): any => value;

const reg: Dataset = dataset(
  [
    [1, 2],
    [3, 4],
    [5, 6],
    [7, 8],
  ],
  [1, 2, 3, 4],
);
const bin: Dataset = dataset(
  [
    [1, 0],
    [0, 1],
    [1, 1],
    [0, 0],
  ],
  [0, 1, 1, 0],
);
const three: Dataset = dataset(
  [
    [1, 0],
    [0, 1],
    [1, 1],
    [0, 0],
  ],
  [0, 1, 2, 1],
  { classes: 3 },
);
const lin = linearRegression(2);
const logi = logisticRegression(2);
const soft = softmaxRegression(2, 3);
const net = mlp([2, 3, 3]);
const theta2 = new Float64Array(3);
const thetaSoft = new Float64Array(soft.size);
const thetaNet = net.init(rng(0));
/** The same features with other targets (bypassing dataset()'s own checks is what a hand-built object does). */
const relabel = (data: Dataset, y: number[]): Dataset => ({ ...data, y: Float64Array.from(y) });
const exampleGradient = (theta: Float64Array) => new Float64Array(theta.length);
const table = aq.table({ m: [1, 2], loss: [0.5, 0.25] });
const stepsPoints = [
  { m: 8, steps: 1000 },
  { m: 16, steps: 520 },
  { m: 32, steps: 280 },
  { m: 64, steps: 160 },
];
const rows64 = Array.from({ length: 80 }, (_, i) => [i / 80, (i % 7) / 7]);
const matrix = gradientMatrix(lin, theta2, reg);

interface Case {
  /** What is wrong, for the test name. */
  what: string;
  /** The argument the message must name. */
  argument: string;
  call: () => unknown;
}
const c = (what: string, argument: string, call: () => unknown): Case => ({ what, argument, call });

const groups: Record<string, Case[]> = {
  "dataset: features and targets": [
    c("NaN feature", "x", () =>
      dataset(
        [
          [1, 2],
          [3, NaN],
        ],
        [0, 1],
      ),
    ),
    c("Infinity feature", "x", () => dataset([[1, Infinity]], [0])),
    c("string feature", "x", () =>
      dataset(
        js([
          [1, "2"],
          [3, 4],
        ]),
        [0, 1],
      ),
    ),
    c("null feature", "x", () =>
      dataset(
        js([
          [1, null],
          [3, 4],
        ]),
        [0, 1],
      ),
    ),
    c("undefined feature", "x", () =>
      dataset(
        js([
          [1, undefined],
          [3, 4],
        ]),
        [0, 1],
      ),
    ),
    c("boolean feature", "x", () =>
      dataset(
        js([
          [1, true],
          [3, 4],
        ]),
        [0, 1],
      ),
    ),
    c("ragged rows", "x[1]", () => dataset([[1, 2], [3]], [0, 1])),
    c("empty x", "x", () => dataset([], [])),
    c("empty row", "x[0]", () => dataset([[]], [0])),
    c("x is null", "x", () => dataset(js(null), [0])),
    c("x is a string", "x", () => dataset(js("1,2"), [0])),
    c("x is a number", "x", () => dataset(js(3), [0])),
    c("row is null", "x[1]", () => dataset(js([[1, 2], null]), [0, 1])),
    c("row is a number", "x[1]", () => dataset(js([[1, 2], 5]), [0, 1])),
    c("flat x without d", "options.d", () => dataset(new Float64Array(4), [0, 1])),
    c("flat x with d not dividing", "x.length", () =>
      dataset(new Float64Array(5), [0, 1], { d: 2 }),
    ),
    c("flat x with d = 0", "options.d", () => dataset(new Float64Array(4), [0, 1], { d: 0 })),
    c("too few targets", "y.length", () => dataset([[1], [2]], [0])),
    c("NaN target", "y", () => dataset([[1], [2]], [0, NaN])),
    c("string target", "y", () => dataset([[1], [2]], js([0, "1"]))),
    c("null target", "y", () => dataset([[1], [2]], js([0, null]))),
    c("y is null", "y", () => dataset([[1], [2]], js(null))),
    c("y is a number", "y", () => dataset([[1], [2]], js(2))),
    c("class index too large", "y", () => dataset([[1], [2]], [0, 3], { classes: 3 })),
    c("negative class", "y", () => dataset([[1], [2]], [0, -1], { classes: 2 })),
    c("fractional class", "y", () => dataset([[1], [2]], [0, 1.5], { classes: 2 })),
    c("classes = 0", "options.classes", () => dataset([[1], [2]], [0, 0], { classes: 0 })),
    c("classes is a string", "options.classes", () =>
      dataset([[1], [2]], [0, 1], js({ classes: "2" })),
    ),
  ],
  "models: construction": [
    c("linear inputs 0", "inputs", () => linearRegression(0)),
    c("linear inputs string", "inputs", () => linearRegression(js("2"))),
    c("logistic inputs NaN", "inputs", () => logisticRegression(NaN)),
    c("logistic inputs null", "inputs", () => logisticRegression(js(null))),
    c("softmax classes 1.5", "classes", () => softmaxRegression(2, 1.5)),
    c("softmax classes missing", "classes", () => js(softmaxRegression)(2)),
    c("mlp widths too short", "widths", () => mlp([2, 3])),
    c("mlp width 0", "widths[1]", () => mlp([2, 0, 3])),
    c("mlp widths string", "widths", () => mlp(js("2,3,3"))),
    c("mlp width string", "widths[1]", () => mlp(js([2, "3", 3]))),
    c("wasmLinear inputs -1", "inputs", () => wasmLinear(-1)),
    c("wasmMlp width 2.5", "widths[1]", () => wasmMlp([2, 2.5, 3])),
  ],
  "models: labels checked against outputs at first use": [
    c("logistic with label 2", "y", () => meanLoss(logi, theta2, relabel(bin, [0, 1, 2, 0]))),
    c("logistic with label -1", "y", () => meanGradient(logi, theta2, relabel(bin, [0, 1, -1, 0]))),
    c("logistic with label 0.5", "y", () => meanLoss(logi, theta2, relabel(bin, [0, 1, 0.5, 0]))),
    c("logistic trained with label 2", "y", () =>
      train(logi, relabel(bin, [0, 1, 2, 0]), { batchSize: 2, lr: 0.1, steps: 3 }),
    ),
    c("logistic trained on 3-class data", "y", () =>
      train(logi, three, { batchSize: 2, lr: 0.1, steps: 3 }),
    ),
    c("softmax with label 5 of 3", "y", () =>
      meanLoss(soft, thetaSoft, relabel(bin, [0, 1, 5, 0])),
    ),
    c("softmax with label 1.5", "y", () =>
      meanGradient(soft, thetaSoft, relabel(bin, [0, 1.5, 1, 0])),
    ),
    c("softmax with label -1", "y", () =>
      train(soft, relabel(bin, [0, -1, 1, 0]), { batchSize: 2, lr: 0.1, steps: 3 }),
    ),
    c("softmax on data with 4 classes", "y", () =>
      meanLoss(
        soft,
        thetaSoft,
        dataset(
          [
            [1, 0],
            [0, 1],
            [1, 1],
            [0, 0],
          ],
          [0, 1, 2, 3],
          { classes: 4 },
        ),
      ),
    ),
    c("mlp with label -1", "y", () =>
      train(net, relabel(bin, [0, -1, 1, 0]), { batchSize: 2, lr: 0.1, steps: 3 }),
    ),
    c("mlp with label 3 of 3", "y", () => meanLoss(net, thetaNet, relabel(bin, [0, 3, 1, 0]))),
    c("mlp with label NaN", "y", () => meanGradient(net, thetaNet, relabel(bin, [0, NaN, 1, 0]))),
    c("softmax with label NaN in gradientNoise", "y", () =>
      gradientNoise(soft, thetaSoft, relabel(bin, [NaN, 0, 1, 0])),
    ),
    c("logistic with label 2 in estimateNoiseScale", "y", () =>
      estimateNoiseScale(logi, theta2, relabel(bin, [0, 2, 1, 0]), {
        bSmall: 1,
        bBig: 2,
        draws: 4,
        replacement: "with",
      }),
    ),
  ],
  "models: batch indices checked against n": [
    c("meanLoss index 999", "batch", () => meanLoss(lin, theta2, reg, [999])),
    c("meanLoss index -1", "batch", () => meanLoss(lin, theta2, reg, [-1])),
    c("meanLoss index 1.5", "batch", () => meanLoss(lin, theta2, reg, [1.5])),
    c("meanLoss index n", "batch", () => meanLoss(lin, theta2, reg, [0, 4])),
    c("meanLoss index NaN", "batch", () => meanLoss(lin, theta2, reg, [NaN])),
    c("meanLoss index string", "batch", () => meanLoss(lin, theta2, reg, js(["1"]))),
    c("meanLoss batch a number", "batch", () => meanLoss(lin, theta2, reg, js(2))),
    c("meanLoss batch null", "batch", () => meanLoss(lin, theta2, reg, js(null))),
    c("meanLoss empty batch", "batch", () => meanLoss(lin, theta2, reg, [])),
    c("meanGradient index -1", "batch", () => meanGradient(lin, theta2, reg, [-1])),
    c("meanGradient index 4", "batch", () => meanGradient(lin, theta2, reg, [4])),
    c("meanGradient index 0.5", "batch", () => meanGradient(soft, thetaSoft, three, [0.5])),
    c("meanGradient mlp index 10", "batch", () => meanGradient(net, thetaNet, three, [10])),
    c("meanGradient batch a string", "batch", () => meanGradient(lin, theta2, reg, js("01"))),
    c("gradientNoise examples past n", "batch", () => gradientNoise(lin, theta2, reg, [0, 7])),
    c("gradientMatrix negative example", "batch", () => gradientMatrix(lin, theta2, reg, [-2])),
  ],
  "models: θ and data": [
    c("θ too short", "theta.length", () => meanLoss(lin, new Float64Array(2), reg)),
    c("θ null", "theta", () => meanLoss(lin, js(null), reg)),
    c("θ a number", "theta", () => meanGradient(lin, js(3), reg)),
    c("θ an object", "theta", () => meanLoss(lin, js({ 0: 0, 1: 0, 2: 0 }), reg)),
    c("θ of strings", "theta", () => meanLoss(lin, js(["0", "0", "0"]), reg)),
    c("data null", "data", () => meanLoss(lin, theta2, js(null))),
    c("data a plain array", "data", () => meanLoss(lin, theta2, js([[1, 2]]))),
    c("data with 3 features for a 2-input model", "data.d", () =>
      meanLoss(lin, theta2, dataset([[1, 2, 3]], [0])),
    ),
    c("model null", "model", () => meanLoss(js(null), theta2, reg)),
    c("model a string", "model", () => meanGradient(js("linear"), theta2, reg)),
    c("model null in meanGradient", "model", () => meanGradient(js(null), theta2, reg)),
  ],
  "update: sgdStep": [
    c("batch a number", "batch", () => sgdStep(theta2, js(5), exampleGradient, 0.1)),
    c("batch null", "batch", () => sgdStep(theta2, js(null), exampleGradient, 0.1)),
    c("batch empty", "batch", () => sgdStep(theta2, [], exampleGradient, 0.1)),
    c("batch index -1", "batch", () => sgdStep(theta2, [-1], exampleGradient, 0.1)),
    c("batch index 1.5", "batch", () => sgdStep(theta2, [1.5], exampleGradient, 0.1)),
    c("batch index string", "batch", () => sgdStep(theta2, js(["0"]), exampleGradient, 0.1)),
    c("lr 0", "lr", () => sgdStep(theta2, [0], exampleGradient, 0)),
    c("lr string", "lr", () => sgdStep(theta2, [0], exampleGradient, js("0.1"))),
    c("lr NaN", "lr", () => sgdStep(theta2, [0], exampleGradient, NaN)),
    c("gradient not a function", "gradient", () => sgdStep(theta2, [0], js([0, 0, 0]), 0.1)),
    c("gradient of wrong length", "gradient", () => sgdStep(theta2, [0], () => [1], 0.1)),
    c("gradient returns a number", "gradient", () =>
      sgdStep(
        theta2,
        [0],
        js(() => 0),
        0.1,
      ),
    ),
    c("gradient returns null", "gradient", () =>
      sgdStep(
        theta2,
        [0],
        js(() => null),
        0.1,
      ),
    ),
    c("θ null", "theta", () => sgdStep(js(null), [0], exampleGradient, 0.1)),
    c("θ a number", "theta", () => sgdStep(js(1), [0], exampleGradient, 0.1)),
  ],
  "update: train": [
    c("batchSize 0", "batchSize", () => train(lin, reg, { batchSize: 0, lr: 0.1, steps: 1 })),
    c("batchSize string", "batchSize", () =>
      train(lin, reg, js({ batchSize: "2", lr: 0.1, steps: 1 })),
    ),
    c("batchSize larger than n", "batchSize", () =>
      train(lin, reg, { batchSize: 5, lr: 0.1, steps: 1 }),
    ),
    c("lr negative", "lr", () => train(lin, reg, { batchSize: 2, lr: -1, steps: 1 })),
    c("lr string", "lr", () => train(lin, reg, js({ batchSize: 2, lr: "0.1", steps: 1 }))),
    c("lr schedule returning NaN at step 2", "lr(2)", () =>
      train(lin, reg, { batchSize: 2, lr: (s) => (s === 2 ? NaN : 0.1), steps: 5 }),
    ),
    c("no steps or epochs", "steps", () => train(lin, reg, { batchSize: 2, lr: 0.1 })),
    c("steps 1.5", "steps", () => train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1.5 })),
    c("steps string", "steps", () => train(lin, reg, js({ batchSize: 2, lr: 0.1, steps: "3" }))),
    c("epochs 0", "epochs", () => train(lin, reg, { batchSize: 2, lr: 0.1, epochs: 0 })),
    c("sampler unknown", "sampler", () =>
      train(lin, reg, js({ batchSize: 2, lr: 0.1, steps: 1, sampler: "random" })),
    ),
    c("last unknown", "last", () =>
      train(lin, reg, js({ batchSize: 2, lr: 0.1, steps: 1, last: "skip" })),
    ),
    c("momentum 1", "momentum", () =>
      train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1, momentum: 1 }),
    ),
    c("momentum string", "momentum", () =>
      train(lin, reg, js({ batchSize: 2, lr: 0.1, steps: 1, momentum: "0.9" })),
    ),
    c("weightDecay negative", "weightDecay", () =>
      train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1, weightDecay: -1 }),
    ),
    c("evalEvery 0", "evalEvery", () =>
      train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1, evalEvery: 0 }),
    ),
    c("evalSize 0", "evalSize", () =>
      train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1, evalSize: 0 }),
    ),
    c("seed string", "seed", () =>
      train(lin, reg, js({ batchSize: 2, lr: 0.1, steps: 1, seed: "1" })),
    ),
    c("init of wrong length", "theta.length", () =>
      train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1, init: new Float64Array(5) }),
    ),
    c("options missing", "options", () => train(lin, reg, js(undefined))),
    c("data null", "data", () => train(lin, js(null), { batchSize: 2, lr: 0.1, steps: 1 })),
    c("testData with wrong d", "data.d", () =>
      train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1, testData: dataset([[1]], [0]) }),
    ),
    c("divergenceFactor 0", "divergenceFactor", () =>
      train(lin, reg, { batchSize: 2, lr: 0.1, steps: 1, divergenceFactor: 0 }),
    ),
  ],
  "sampling and random numbers": [
    c("withReplacement m 0", "m", () => withReplacement(4, 0, rng(0))),
    c("withReplacement n string", "n", () => withReplacement(js("4"), 2, rng(0))),
    c("withReplacement random missing", "random", () => withReplacement(4, 2, js(undefined))),
    c("permutation n -1", "n", () => permutation(-1, rng(0))),
    c("permutation n 2.5", "n", () => permutation(2.5, rng(0))),
    c("permutation random a number", "random", () => permutation(4, js(7))),
    c("rng seed NaN", "seed", () => rng(NaN)),
    c("rng seed string", "seed", () => rng(js("seven"))),
    c("rng seed Infinity", "seed", () => rng(Infinity)),
  ],
  "synthetic data and MNIST": [
    c("linearData n 0", "n", () => linearData({ n: 0, d: 2 })),
    c("linearData d string", "d", () => linearData(js({ n: 10, d: "2" }))),
    c("linearData sigma negative", "sigma", () => linearData({ n: 10, d: 2, sigma: -1 })),
    c("linearData weights of wrong length", "weights", () =>
      linearData({ n: 10, d: 2, weights: [1, 2, 3] }),
    ),
    c("linearData scales of wrong length", "scales", () =>
      linearData({ n: 10, d: 2, scales: [1] }),
    ),
    c("linearData options missing", "options", () => linearData(js(undefined))),
    c("gaussianBlobs classes 0", "classes", () => gaussianBlobs({ n: 10, classes: 0, d: 2 })),
    c("gaussianBlobs separation 0", "separation", () =>
      gaussianBlobs({ n: 10, classes: 2, d: 2, separation: 0 }),
    ),
    c("correlatedPair rho 1", "rho", () => correlatedPair({ n: 10, rho: 1 })),
    c("correlatedPair n string", "n", () => correlatedPair(js({ n: "10", rho: 0.5 }))),
    c("mnistSubset perClass 0", "perClass", () => mnistSubset(three, 0, 0)),
    c("mnistSubset perClass too large", "perClass", () => mnistSubset(three, 5, 0)),
    c("mnistSubset regression data", "data.classes", () => mnistSubset(reg, 1, 0)),
    c("leastSquares on null", "data", () => leastSquares(js(null))),
    c("loadMnist options a string", "options", () => loadMnist(js("mnist.json.gz"))),
    c("loadMnist file a number", "options.file", () => loadMnist(js({ file: 5 }))),
  ],
  noise: [
    c("twoBatchEstimate bBig ≤ bSmall", "bBig", () =>
      twoBatchEstimate({ bSmall: 8, bBig: 8 }, 1, 1),
    ),
    c("twoBatchEstimate bSmall 0", "bSmall", () => twoBatchEstimate({ bSmall: 0, bBig: 8 }, 1, 1)),
    c("twoBatchEstimate norm NaN", "normSqSmall", () =>
      twoBatchEstimate({ bSmall: 1, bBig: 8 }, NaN, 1),
    ),
    c("twoBatchEstimate norm string", "normSqBig", () =>
      twoBatchEstimate({ bSmall: 1, bBig: 8 }, 1, js("1")),
    ),
    c("withoutReplacementCorrection n 1", "n", () =>
      withoutReplacementCorrection({ gradNormSq: 1, traceCov: 1 }, 1),
    ),
    c("withoutReplacementCorrection estimate null", "estimate", () =>
      withoutReplacementCorrection(js(null), 10),
    ),
    c("estimateNoiseScale bBig > n without replacement", "bBig", () =>
      estimateNoiseScale(lin, theta2, reg, {
        bSmall: 1,
        bBig: 8,
        draws: 4,
        replacement: "without",
      } as never),
    ),
    c("estimateNoiseScale draws 0", "draws", () =>
      estimateNoiseScale(lin, theta2, reg, { bSmall: 1, bBig: 2, draws: 0, replacement: "with" }),
    ),
    c("trackNoiseScale lr 0", "lr", () =>
      trackNoiseScale(lin, reg, { bSmall: 1, bBig: 2, lr: 0, steps: 1, recordEvery: 1 }),
    ),
    c("trackNoiseScale recordEvery 0", "recordEvery", () =>
      trackNoiseScale(lin, reg, { bSmall: 1, bBig: 2, lr: 0.1, steps: 1, recordEvery: 0 }),
    ),
    c("measureBatchVariance m 0", "batchSizes[0]", () =>
      measureBatchVariance(matrix, { batchSizes: [0], draws: 4 } as never),
    ),
    c("measureBatchVariance matrix null", "matrix", () =>
      measureBatchVariance(js(null), { batchSizes: [1], draws: 4 } as never),
    ),
    c("powersOfTwo max 0", "max", () => powersOfTwo(0)),
    c("fitPowerLaw lengths differ", "y.length", () => fitPowerLaw([1, 2], [1])),
    c("fitPowerLaw negative point", "point 1", () => fitPowerLaw([1, 2], [1, -1])),
    c("drawsForBudget min 0", "min", () => drawsForBudget(100, 0)),
  ],
  display: [
    c("show(null)", "figure", () => show(js(null))),
    c("show(undefined)", "figure", () => show(js(undefined))),
    c("show a string", "figure", () => show(js("figure"))),
    c("show({ data: 'x' })", "figure.data", () => show(js({ data: "x" }))),
    c("show({ data: [1] })", "figure.data[0]", () => show(js({ data: [1] }))),
    c("show layout a string", "figure.layout", () => show(js({ data: [], layout: "big" }))),
    c("show with claim and no id", "options.id", () => show({ data: [] }, { claim: "x" })),
    c("show with a bad id", "options.id", () => show({ data: [] }, { id: "a b" })),
    c("showTable rows", "table", () => showTable(js([{ a: 1 }]))),
    c("showTable null", "table", () => showTable(js(null))),
    c("showTable a string", "table", () => showTable(js("table"))),
    c("showTable digits 0", "options.digits", () => showTable(table, { digits: 0 })),
    c("showTable digits 101", "options.digits", () => showTable(table, { digits: 101 })),
    c("showTable digits string", "options.digits", () => showTable(table, js({ digits: "3" }))),
    c("showTable limit -1", "options.limit", () => showTable(table, { limit: -1 })),
    c("showTable limit NaN", "options.limit", () => showTable(table, { limit: NaN })),
    c("liveProgress total -1", "total", () => liveProgress("x", -1)),
    c("liveProgress total string", "total", () => liveProgress("x", js("10"))),
    c("liveProgress label a number", "label", () => liveProgress(js(3), 10)),
  ],
  "sweeps and the Pareto fit": [
    c("fitCriticalBatch all at one m", "points", () =>
      fitCriticalBatch([
        { m: 8, steps: 100 },
        { m: 8, steps: 110 },
        { m: 8, steps: 90 },
      ]),
    ),
    c("fitCriticalBatch two points", "points", () => fitCriticalBatch(stepsPoints.slice(0, 2))),
    c("fitCriticalBatch m 0", "points[0].m", () =>
      fitCriticalBatch([{ m: 0, steps: 1 }, ...stepsPoints]),
    ),
    c("fitCriticalBatch steps NaN", "points[1].steps", () =>
      fitCriticalBatch([stepsPoints[0], { m: 16, steps: NaN }, ...stepsPoints.slice(2)]),
    ),
    c("fitCriticalBatch point null", "points[2]", () =>
      fitCriticalBatch(js([...stepsPoints.slice(0, 2), null, stepsPoints[3]])),
    ),
    c("fitCriticalBatch space", "options.space", () =>
      fitCriticalBatch(stepsPoints, js({ space: "semilog" })),
    ),
    c("logLogSlope one point", "points", () => logLogSlope(stepsPoints.slice(0, 1))),
    c("logLogSlope all at one m", "points", () =>
      logLogSlope([
        { m: 8, steps: 100 },
        { m: 8, steps: 50 },
      ]),
    ),
    c("logLogSlope m negative", "points[0].m", () =>
      logLogSlope([
        { m: -8, steps: 100 },
        { m: 16, steps: 50 },
      ]),
    ),
    c("grid empty axis", "axes.m", () => grid({ m: [] })),
    c("grid axis a number", "axes.m", () => grid(js({ m: 8 }))),
    c("grid axes null", "axes", () => grid(js(null))),
    c("scaledLearningRate m 0", "m", () =>
      scaledLearningRate("linear", { lr: 0.1, batchSize: 8 }, 0),
    ),
    c("scaledLearningRate unknown rule", "rule", () =>
      scaledLearningRate(js("cubic"), { lr: 0.1, batchSize: 8 }, 16),
    ),
    c("scaledLearningRate base lr 0", "base.lr", () =>
      scaledLearningRate("linear", { lr: 0, batchSize: 8 }, 16),
    ),
    c("linearWarmup steps -1", "steps", () => linearWarmup(0.1, -1)),
    c("linearWarmup lr NaN", "lr", () => linearWarmup(NaN, 10)),
    c("lrGridValues min > max", "grid.max", () => lrGridValues({ min: 1, max: 0.1, perOctave: 2 })),
    c("lrGridValues perOctave 0", "grid.perOctave", () =>
      lrGridValues({ min: 0.1, max: 1, perOctave: 0 }),
    ),
  ],
  statistics: [
    c("summarizeSeeds empty", "values", () => summarizeSeeds([])),
    c("summarizeSeeds NaN", "values", () => summarizeSeeds([1, NaN])),
    c("summarizeSeeds strings", "values", () => summarizeSeeds(js(["1", "2"]))),
    c("compareMeans a null", "a", () => compareMeans(js(null), [1, 2])),
    c("compareMeans NaN", "b", () => compareMeans([1, 2], [1, NaN])),
    c("spearman lengths differ", "y", () => spearman([1, 2, 3], [1, 2])),
    c("spearman NaN", "x", () => spearman([1, NaN, 3], [1, 2, 3])),
    c("accuracyStandardError p 2", "p", () => accuracyStandardError(2, 100)),
    c("accuracyStandardError n 0", "n", () => accuracyStandardError(0.5, 0)),
    c("fitLine lengths differ", "y", () => fitLine([1, 2, 3], [1, 2])),
    c("fitLine one x value", "x", () => fitLine([1, 1, 1], [1, 2, 3])),
    c("fitLine NaN", "y", () => fitLine([1, 2, 3], [1, NaN, 3])),
  ],
  "compute and memory": [
    c("formatBytes Infinity", "bytes", () => formatBytes(Infinity)),
    c("formatBytes NaN", "bytes", () => formatBytes(NaN)),
    c("formatBytes string", "bytes", () => formatBytes(js("1024"))),
    c("largestBatchWithin budget NaN", "budgetBytes", () => largestBatchWithin(NaN, 0, 10)),
    c("largestBatchWithin bytesPerExample 0", "bytesPerExample", () =>
      largestBatchWithin(1000, 0, 0),
    ),
    c("optimalBatchModel bNoise 0", "bNoise", () => optimalBatchModel(0, 1e-3, 1e-5)),
    c("optimalBatchModel overhead negative", "overheadSeconds", () =>
      optimalBatchModel(100, -1, 1e-5),
    ),
    c("mlpParameterCount width 0", "widths[1]", () => mlpParameterCount([2, 0, 3])),
    c("mlpParameterCount widths string", "widths", () => mlpParameterCount(js("2,3"))),
    c("mlpFlopsPerExample width -1", "widths[0]", () => mlpFlopsPerExample([-1, 3])),
    c("linearFlopsPerExample d 0", "d", () => linearFlopsPerExample(0)),
    c("activationBytesPerExample width NaN", "widths[1]", () =>
      activationBytesPerExample([2, NaN, 3]),
    ),
    c("storedWidths width 1.5", "widths[1]", () => storedWidths([2, 1.5, 3])),
  ],
  curvature: [
    c("alphaGrid points 0", "points", () => alphaGrid(0)),
    c("alphaGrid from NaN", "from", () => alphaGrid(10, NaN)),
    c("rescaleHiddenLayer alpha 0", "alpha", () => rescaleHiddenLayer([2, 3, 3], thetaNet, 1, 0)),
    c("rescaleHiddenLayer layer 5", "layer", () => rescaleHiddenLayer([2, 3, 3], thetaNet, 5, 2)),
    c("rescaleHiddenLayer θ of wrong length", "theta", () =>
      rescaleHiddenLayer([2, 3, 3], new Float64Array(3), 1, 2),
    ),
  ],
  advisor: [
    c("y ∈ {−1, 1} is not silently regression", "y", () =>
      adviseFromArrays(
        rows64,
        rows64.map((_, i) => (i % 2 ? 1 : -1)),
      ),
    ),
    c("x with NaN", "x[3][1]", () =>
      adviseFromArrays(
        rows64.map((r, i) => (i === 3 ? [r[0], NaN] : r)),
        rows64.map((_, i) => i % 2),
      ),
    ),
    c("x with a string", "x[2][0]", () =>
      adviseFromArrays(
        js(rows64.map((r, i) => (i === 2 ? ["1", r[1]] : r))),
        rows64.map((_, i) => i % 2),
      ),
    ),
    c("x null", "x", () => adviseFromArrays(js(null), [0, 1])),
    c("y null", "y", () => adviseFromArrays(rows64, js(null))),
    c("y too short", "y", () => adviseFromArrays(rows64, [0, 1])),
    c("too few examples", "x", () => adviseFromArrays([[1], [2], [3]], [0, 1, 0])),
    c("one class only", "y", () =>
      adviseFromArrays(
        rows64,
        rows64.map(() => 0),
      ),
    ),
    c("task unknown", "options.task", () =>
      adviseFromArrays(
        rows64,
        rows64.map((_, i) => i % 2),
        js({ task: "ranking" }),
      ),
    ),
    c("hidden width 0", "options.hidden[0]", () =>
      adviseFromArrays(
        rows64,
        rows64.map((_, i) => i % 2),
        { hidden: [0] },
      ),
    ),
    c("hidden for regression", "options.hidden", () =>
      adviseFromArrays(
        rows64,
        rows64.map((_, i) => i / 3),
        { hidden: [4] },
      ),
    ),
    c("recommendBatchSize on tiny data", "data", () => recommendBatchSize(lin, reg)),
    c("recommendBatchSize data null", "data", () => recommendBatchSize(lin, js(null))),
    c("adviseFromMeasurements null", "measurements", () => adviseFromMeasurements(js(null))),
  ],
};

/** The message names the argument as a word of its own ("y" in "data.y[2] must be…", not in "number"). */
function namesArgument(error: unknown, argument: string): boolean {
  const escaped = argument.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return (
    error instanceof Error &&
    new RegExp(`(^|[^A-Za-z0-9_])${escaped}($|[^A-Za-z0-9_])`).test(error.message)
  );
}

type Outcome = "clear" | "misnamed" | "raw" | "returned";

async function outcome(kase: Case): Promise<{ outcome: Outcome; error?: unknown }> {
  try {
    const value = kase.call();
    if (value instanceof Promise) await value;
    return { outcome: "returned" };
  } catch (error) {
    if (!(error instanceof BatchlabArgumentError)) return { outcome: "raw", error };
    return { outcome: namesArgument(error, kase.argument) ? "clear" : "misnamed", error };
  }
}

const all = Object.values(groups).flat();

test(`the table holds at least 150 bad inputs (${all.length})`, () => {
  assert.ok(all.length >= 150, `${all.length} cases`);
});

for (const [group, cases] of Object.entries(groups)) {
  test(`bad inputs: ${group}`, async () => {
    const failures: string[] = [];
    for (const kase of cases) {
      const result = await outcome(kase);
      if (result.outcome === "clear") continue;
      const got =
        result.outcome === "returned"
          ? "returned without an error"
          : `${(result.error as Error)?.name}: ${(result.error as Error)?.message}`;
      failures.push(
        `${kase.what} (${result.outcome}, expected a BatchlabArgumentError naming ${kase.argument}): ${got}`,
      );
    }
    assert.deepEqual(failures, []);
  });
}

test("bad inputs: counts by outcome", async () => {
  const counts: Record<Outcome, number> = { clear: 0, misnamed: 0, raw: 0, returned: 0 };
  for (const kase of all) counts[(await outcome(kase)).outcome]++;
  if (process.env.BATCHLAB_BAD_INPUTS_REPORT)
    console.log(`bad inputs: ${all.length} cases`, counts);
  assert.deepEqual(counts, { clear: all.length, misnamed: 0, raw: 0, returned: 0 });
});
