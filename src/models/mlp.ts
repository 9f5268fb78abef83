// A multilayer perceptron with ReLU hidden layers and a softmax cross-entropy output, with its
// backward pass written by hand. θ holds, layer after layer, W (out × in, row-major) then b (out).
// He initialisation (N(0, 2/in)) keeps the activations' scale steady through ReLU layers.

import type { Dataset } from "../data/dataset";
import type { Rng } from "../util/rng";
import { BatchlabArgumentError, checkPositiveInteger } from "../util/validate";
import type { Model, Params } from "./model";
import { softmaxInPlace } from "./softmax";

/** One layer's place in θ: W (outputs × inputs, row-major) from offset w, then b (outputs) from b. */
export interface MlpLayer {
  inputs: number;
  outputs: number;
  /** Offset of W in θ; b follows at w + inputs·outputs. */
  w: number;
  b: number;
}

/**
 * Where each layer's W and b sit in the θ of mlp(widths), and θ's size. The one place the layout
 * is derived: the exact Hessian product (curvature/mlpHessian.ts) and the WebAssembly engine
 * (engines/wasmMlp.ts) read θ through it too.
 */
export function mlpLayout(widths: readonly number[]): { layers: MlpLayer[]; size: number } {
  if (!Array.isArray(widths) || widths.length < 3) {
    throw new BatchlabArgumentError(
      "widths",
      widths,
      "[inputs, hidden…, classes] with at least one hidden layer",
    );
  }
  widths.forEach((w, k) => checkPositiveInteger(`widths[${k}]`, w));
  const layers: MlpLayer[] = [];
  let offset = 0;
  for (let l = 1; l < widths.length; l++) {
    const inputs = widths[l - 1];
    const outputs = widths[l];
    layers.push({ inputs, outputs, w: offset, b: offset + inputs * outputs });
    offset += inputs * outputs + outputs;
  }
  return { layers, size: offset };
}

/** Forward pass for example i: leaves the activations in acts (acts[0] = xᵢ), returns the output logits (acts[L]). */
function forward(
  layers: readonly MlpLayer[],
  acts: Float64Array[],
  theta: Params,
  data: Dataset,
  i: number,
): Float64Array {
  const d = acts[0].length;
  acts[0].set(data.x.subarray(i * d, (i + 1) * d));
  for (let l = 0; l < layers.length; l++) {
    const { inputs, outputs, w, b } = layers[l];
    const h = acts[l];
    const z = acts[l + 1];
    const hidden = l < layers.length - 1;
    for (let o = 0; o < outputs; o++) {
      let s = theta[b + o];
      const row = w + o * inputs;
      for (let j = 0; j < inputs; j++) s += theta[row + j] * h[j];
      z[o] = hidden && s < 0 ? 0 : s;
    }
  }
  return acts[layers.length];
}

/** Backward pass after forward(i): adds scale·∇L(θ; xᵢ) into out (deltas: one scratch vector per layer). */
function backward(
  layers: readonly MlpLayer[],
  acts: Float64Array[],
  deltas: Float64Array[],
  theta: Params,
  label: number,
  out: Float64Array,
  scale: number,
): void {
  const L = layers.length;
  const top = deltas[L];
  top.set(acts[L]);
  softmaxInPlace(top);
  top[label] -= 1; // ∂L/∂z = softmax(z) − onehot(y)
  for (let l = L - 1; l >= 0; l--) {
    const { inputs, outputs, w, b } = layers[l];
    const h = acts[l];
    const delta = deltas[l + 1];
    const below = deltas[l];
    if (l > 0) below.fill(0);
    for (let o = 0; o < outputs; o++) {
      const g = delta[o];
      if (g === 0) continue;
      const row = w + o * inputs;
      const sg = scale * g;
      out[b + o] += sg;
      for (let j = 0; j < inputs; j++) out[row + j] += sg * h[j];
      if (l > 0) for (let j = 0; j < inputs; j++) below[j] += g * theta[row + j];
    }
    if (l > 0) for (let j = 0; j < inputs; j++) if (h[j] <= 0) below[j] = 0; // ReLU'
  }
}

export function mlp(widths: readonly number[]): Model {
  const { layers, size } = mlpLayout(widths);
  const K = widths[widths.length - 1];
  const d = widths[0];
  // Scratch buffers (one activation and one delta vector per layer): the model is not re-entrant.
  const acts = widths.map((w) => new Float64Array(w));
  const deltas = widths.map((w) => new Float64Array(w));

  return {
    name: `MLP ${widths.join("-")}`,
    size,
    inputs: d,
    classes: K,
    init(random: Rng): Params {
      const theta = new Float64Array(size);
      for (const { inputs, outputs, w } of layers) {
        const std = Math.sqrt(2 / inputs);
        for (let k = 0; k < inputs * outputs; k++) theta[w + k] = std * random.normal();
      }
      return theta;
    },
    predict(theta, data, i) {
      const z = forward(layers, acts, theta, data, i);
      let best = 0;
      for (let k = 1; k < K; k++) if (z[k] > z[best]) best = k;
      return best;
    },
    exampleLoss(theta, data, i) {
      const z = forward(layers, acts, theta, data, i);
      const zy = z[data.y[i]];
      return softmaxInPlace(Float64Array.from(z)) - zy;
    },
    exampleGradient(theta, data, i, out) {
      out.fill(0);
      forward(layers, acts, theta, data, i);
      backward(layers, acts, deltas, theta, data.y[i], out, 1);
    },
    batchGradient(theta, data, batch, out) {
      out.fill(0);
      const scale = 1 / batch.length;
      for (let k = 0; k < batch.length; k++) {
        forward(layers, acts, theta, data, batch[k]);
        backward(layers, acts, deltas, theta, data.y[batch[k]], out, scale);
      }
    },
  };
}
