// The same networks in TensorFlow.js, as the comparison engine: an MLP (ReLU hidden layers,
// softmax cross-entropy) or logistic regression, trained by a manual minibatch-SGD loop on
// whatever backend loadTfjs() activated.
//
// Two measured choices make this the fast way to use tfjs here, not the textbook one:
//   - Dense layers get their gradient from tf.customGrad with explicit tf.transpose. The built-in
//     matMul gradient passes transpose flags to the kernel instead, and the wasm backend's
//     matMul is an order of magnitude slower with those flags than on a transposed copy.
//   - A batch tensor is built from a Float32Array filled row by row, not with tensor.slice or
//     tf.gather on a dataset tensor, whose per-call cost dominates small batches.
// Weights live in tf.Variables as x·W (in × out); θ in the course's layout (out × in) is converted
// only by getTheta/setTheta/lossAndGradient, which the checks use, never by step().

import type { Dataset } from "../data/dataset";
import type { Tfjs } from "../backend/tfjs";
import { rng } from "../util/rng";
import { mlp } from "../models/mlp";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";
import type * as TfTypes from "@tensorflow/tfjs";

type Tensor = TfTypes.Tensor;
type Tensor2D = TfTypes.Tensor2D;
type Variable = TfTypes.Variable;

export type NetworkOutput = "softmax" | "logistic";

export interface TfjsTrainer {
  /** The tfjs backend the trainer runs on ("wasm", "cpu", "tensorflow"). */
  readonly backend: string;
  readonly size: number;
  /** One plain SGD step θ ← θ − η·∇ on the batch's examples. */
  step(batch: ArrayLike<number>, lr: number): void;
  /** Mean loss and mean gradient (in θ's layout) at the given θ, on the batch. Leaves θ set. */
  lossAndGradient(theta: Float64Array, batch: ArrayLike<number>, out: Float64Array): number;
  getTheta(): Float64Array;
  setTheta(theta: Float64Array): void;
  /** Bytes tfjs holds in tensors right now (tf.memory().numBytes). */
  tensorBytes(): number;
  /**
   * Runs one step under tf.profile: the peak bytes of all tensors alive during it, the bytes alive
   * just before it (the weights, mostly), and how many new bytes it left behind.
   */
  profileStep(
    batch: ArrayLike<number>,
    lr: number,
  ): Promise<{ peakBytes: number; baselineBytes: number; newBytes: number }>;
  dispose(): void;
}

export interface TfjsTrainerOptions {
  /** "softmax" (an MLP, widths [d, h…, K]) or "logistic" (widths [d, 1]). Default "softmax". */
  output?: NetworkOutput;
  /** Seed of the initial θ (the same θ as mlp(widths).init(rng(seed)) for "softmax"; zeros for "logistic"). */
  seed?: number;
}

interface DenseLayer {
  inputs: number;
  outputs: number;
}

/** The widths and labels a trainer accepts: an MLP [d, h…, K] for softmax, [d, 1] for logistic. */
function checkTrainerInputs(widths: readonly number[], data: Dataset, output: NetworkOutput): void {
  if (output !== "softmax" && output !== "logistic")
    throw new BatchlabArgumentError("output", output, `"softmax" or "logistic"`);
  widths.forEach((w, k) => checkPositiveInteger(`widths[${k}]`, w));
  if (output === "logistic" && (widths.length !== 2 || widths[1] !== 1))
    throw new BatchlabArgumentError("widths", widths, "[d, 1] for logistic output");
  if (output === "softmax" && widths.length < 2)
    throw new BatchlabArgumentError("widths", widths, "[d, …, K]");
  if (data.d !== widths[0])
    throw new BatchlabArgumentError("data.d", data.d, `${widths[0]} features`);
}

/** Labels as float32 rows of K: one-hot (softmax) or 0/1 (logistic, K = 1), each checked. */
function targetRows(data: Dataset, K: number, output: NetworkOutput): Float32Array {
  const targets = new Float32Array(data.n * K);
  for (let i = 0; i < data.n; i++) {
    const y = data.y[i];
    if (output === "softmax") {
      if (!Number.isInteger(y) || y < 0 || y >= K)
        throw new BatchlabArgumentError(`data.y[${i}]`, y, `a class index in 0..${K - 1}`);
      targets[i * K + y] = 1;
    } else {
      if (y !== 0 && y !== 1) throw new BatchlabArgumentError(`data.y[${i}]`, y, "0 or 1");
      targets[i] = y;
    }
  }
  return targets;
}

/**
 * The network's loss on a batch, x·W + b layer after layer with ReLU between, through dense layers
 * whose gradients are written out (see the file's header for why).
 */
function networkLoss(
  tf: Tfjs,
  layers: readonly DenseLayer[],
  weights: Variable[],
  biases: Variable[],
  output: NetworkOutput,
): (x: Tensor2D, y: Tensor2D) => TfTypes.Scalar {
  // Hidden and output layers: gradients for the layer's input, W and b.
  const dense = tf.customGrad(((
    x: Tensor2D,
    W: Tensor2D,
    b: Tensor,
    save: TfTypes.GradSaveFunc,
  ) => {
    save([x, W]);
    return {
      value: tf.add(tf.matMul(x, W), b),
      gradFunc: (dy: Tensor2D, saved: Tensor[]) => {
        const [xs, Ws] = saved as Tensor2D[];
        return [tf.matMul(dy, tf.transpose(Ws)), tf.matMul(tf.transpose(xs), dy), tf.sum(dy, 0)];
      },
    };
  }) as unknown as Parameters<Tfjs["customGrad"]>[0]) as (
    x: Tensor2D,
    W: Tensor2D,
    b: Tensor,
  ) => Tensor2D;

  // The first layer's input is data: taken from the closure, not as an argument, so that no
  // gradient is computed for it (that product would be a third of the MLP's arithmetic, unused).
  let batchX: Tensor2D | null = null;
  const firstDense = tf.customGrad(((W: Tensor2D, b: Tensor, save: TfTypes.GradSaveFunc) => {
    const x = batchX as Tensor2D;
    save([x]);
    return {
      value: tf.add(tf.matMul(x, W), b),
      gradFunc: (dy: Tensor2D, saved: Tensor[]) => [
        tf.matMul(tf.transpose(saved[0] as Tensor2D), dy),
        tf.sum(dy, 0),
      ],
    };
  }) as unknown as Parameters<Tfjs["customGrad"]>[0]) as (W: Tensor2D, b: Tensor) => Tensor2D;

  return (x, y) => {
    batchX = x;
    let h = x;
    layers.forEach((_, l) => {
      const z =
        l === 0
          ? firstDense(weights[0] as Tensor2D, biases[0])
          : dense(h, weights[l] as Tensor2D, biases[l]);
      h = l < layers.length - 1 ? tf.relu(z) : z;
    });
    return output === "softmax"
      ? tf.losses.softmaxCrossEntropy(y, h)
      : tf.losses.sigmoidCrossEntropy(y, h);
  };
}

/** Batch tensors (features, targets) for a list of example indices, filled row by row into reused buffers. */
function batchMaker(
  tf: Tfjs,
  data: Dataset,
  features: Float32Array,
  targets: Float32Array,
  K: number,
): (batch: ArrayLike<number>) => [Tensor2D, Tensor2D] {
  const d = data.d;
  // Batch buffers, reused while m stays the same.
  let xBuf = new Float32Array(0);
  let yBuf = new Float32Array(0);
  return (batch) => {
    const m = batch.length;
    if (m === 0)
      throw new BatchlabArgumentError("batch", batch, "a non-empty list of example indices");
    if (xBuf.length !== m * d) {
      xBuf = new Float32Array(m * d);
      yBuf = new Float32Array(m * K);
    }
    for (let k = 0; k < m; k++) {
      const i = batch[k];
      if ((i | 0) !== i || i < 0 || i >= data.n)
        throw new BatchlabArgumentError(`batch[${k}]`, i, `an example index in 0..${data.n - 1}`);
      xBuf.set(features.subarray(i * d, (i + 1) * d), k * d);
      yBuf.set(targets.subarray(i * K, (i + 1) * K), k * K);
    }
    return [tf.tensor2d(xBuf, [m, d]), tf.tensor2d(yBuf, [m, K])];
  };
}

/** θ (the course's layout: W out × in, then b, per layer) into the variables (W in × out). */
function assignTheta(
  tf: Tfjs,
  layers: readonly DenseLayer[],
  weights: Variable[],
  biases: Variable[],
  theta: Float64Array,
): void {
  let o = 0;
  layers.forEach((l, k) => {
    const w = new Float32Array(l.inputs * l.outputs);
    for (let r = 0; r < l.outputs; r++)
      for (let c = 0; c < l.inputs; c++) w[c * l.outputs + r] = theta[o + r * l.inputs + c];
    o += l.inputs * l.outputs;
    // assign() keeps the new data alive; tidy disposes only the temporary tensor handle.
    tf.tidy(() => weights[k].assign(tf.tensor2d(w, [l.inputs, l.outputs])));
    tf.tidy(() =>
      biases[k].assign(tf.tensor1d(Float32Array.from(theta.subarray(o, o + l.outputs)))),
    );
    o += l.outputs;
  });
}

/** Tensors for W (in × out) and b, back into θ's layout (out × in, then b). */
function readTheta(
  layers: readonly DenseLayer[],
  ws: Tensor[],
  bs: Tensor[],
  out: Float64Array,
): void {
  let o = 0;
  layers.forEach((l, k) => {
    const w = ws[k].dataSync();
    for (let r = 0; r < l.outputs; r++)
      for (let c = 0; c < l.inputs; c++) out[o + r * l.inputs + c] = w[c * l.outputs + r];
    o += l.inputs * l.outputs;
    out.set(bs[k].dataSync(), o);
    o += l.outputs;
  });
}

/** An SGD trainer for `data` on tfjs. Call dispose() when done: tensors are not garbage collected. */
export function tfjsTrainer(
  tf: Tfjs,
  widths: readonly number[],
  data: Dataset,
  options: TfjsTrainerOptions = {},
): TfjsTrainer {
  const output = options.output ?? "softmax";
  checkTrainerInputs(widths, data, output);
  const K = widths[widths.length - 1];
  const layers: DenseLayer[] = widths
    .slice(1)
    .map((outputs, l) => ({ inputs: widths[l], outputs }));
  const size = layers.reduce((s, l) => s + l.inputs * l.outputs + l.outputs, 0);

  // Features once as float32; labels as one-hot rows (softmax) or 0/1 (logistic).
  const batchTensors = batchMaker(
    tf,
    data,
    Float32Array.from(data.x),
    targetRows(data, K, output),
    K,
  );
  const weights: Variable[] = [];
  const biases: Variable[] = [];
  layers.forEach((l) => {
    weights.push(tf.tidy(() => tf.variable(tf.zeros([l.inputs, l.outputs]) as Tensor2D)));
    biases.push(tf.tidy(() => tf.variable(tf.zeros([l.outputs]))));
  });
  const lossOf = networkLoss(tf, layers, weights, biases, output);
  const variables = (): Variable[] => layers.flatMap((_, l) => [weights[l], biases[l]]);

  const setTheta = (theta: Float64Array): void => {
    if (theta.length !== size)
      throw new BatchlabArgumentError("theta.length", theta.length, `${size}`);
    assignTheta(tf, layers, weights, biases, theta);
  };
  const initial =
    output === "softmax" ? mlp(widths).init(rng(options.seed ?? 0)) : new Float64Array(size);
  setTheta(initial);

  const step = (batch: ArrayLike<number>, lr: number): void => {
    checkPositiveFinite("lr", lr);
    tf.tidy(() => {
      const [x, y] = batchTensors(batch);
      const { grads } = tf.variableGrads(() => lossOf(x, y), variables());
      for (const v of variables()) v.assign(tf.sub(v, tf.mul(grads[v.name], lr)));
    });
  };

  return {
    backend: tf.getBackend(),
    size,
    step,
    lossAndGradient(theta, batch, out) {
      if (out.length !== size) throw new BatchlabArgumentError("out.length", out.length, `${size}`);
      setTheta(theta);
      return tf.tidy(() => {
        const [x, y] = batchTensors(batch);
        const { value, grads } = tf.variableGrads(() => lossOf(x, y), variables());
        readTheta(
          layers,
          weights.map((w) => grads[w.name]),
          biases.map((b) => grads[b.name]),
          out,
        );
        return value.dataSync()[0];
      });
    },
    getTheta() {
      const theta = new Float64Array(size);
      readTheta(layers, weights, biases, theta);
      return theta;
    },
    setTheta,
    tensorBytes: () => tf.memory().numBytes,
    async profileStep(batch, lr) {
      const baselineBytes = tf.memory().numBytes;
      const info = await tf.profile(() => step(batch, lr));
      return { peakBytes: info.peakBytes, baselineBytes, newBytes: info.newBytes };
    },
    dispose() {
      for (const v of variables()) v.dispose();
    },
  };
}
