// What a training step stores, and how it grows with the batch size.
//
// Parameters, their gradients and any optimizer state have the model's size p whatever m is. What
// grows with m is everything kept per example between the forward and the backward pass: the
// input rows, each layer's output, and (during backward) each layer's gradient. With 4-byte floats:
//
//     activation bytes ≈ 4 · m · Σ (stored widths)
//
// The analytic count below lists what the batchlab engine stores; measured counterparts are the
// engine's own allocation (exact bytes reserved in its WebAssembly memory), tfjs's tf.profile
// peak, and the process's resident memory.

import type { Dataset } from "../data/dataset";
import type { Tfjs } from "../backend/tfjs";
import type { FastModel } from "../engines/fastModel";
import { tfjsTrainer } from "../engines/tfjsNetwork";
import { mlpLayout } from "../models/mlp";
import { BatchlabArgumentError, checkPositiveFinite, checkPositiveInteger } from "../util/validate";

export interface StoredWidth {
  what: string;
  /** Floats per example. */
  floats: number;
}

/**
 * What training an MLP stores per example: the input row, each layer's output (post-ReLU for
 * hidden layers, logits for the last) and, in the backward pass, the gradient of each of them.
 */
export function storedWidths(widths: readonly number[]): StoredWidth[] {
  if (widths.length < 2)
    throw new BatchlabArgumentError("widths", widths, "at least [inputs, outputs]");
  widths.forEach((w, k) => checkPositiveInteger(`widths[${k}]`, w));
  const out: StoredWidth[] = [{ what: "input x", floats: widths[0] }];
  for (let l = 1; l < widths.length; l++) {
    const name = l === widths.length - 1 ? "logits z" : `hidden h${l}`;
    out.push({ what: name, floats: widths[l] }, { what: `gradient of ${name}`, floats: widths[l] });
  }
  return out;
}

/** 4 · Σ stored widths: activation bytes per example, at 4 bytes per float. */
export function activationBytesPerExample(widths: readonly number[], bytesPerFloat = 4): number {
  checkPositiveInteger("bytesPerFloat", bytesPerFloat);
  return bytesPerFloat * storedWidths(widths).reduce((s, w) => s + w.floats, 0);
}

/** Parameters p of an MLP: Σ (in·out + out), the length of mlp(widths)'s θ (its layout's size). */
export function mlpParameterCount(widths: readonly number[]): number {
  return mlpLayout(widths).size;
}

export interface MemoryRow {
  source: string;
  m: number;
  bytes: number;
}

/**
 * Activation memory of one step at each m, two ways: the growth of the engine's own allocation
 * (exact bytes it reserves) and the growth of the process's resident memory (RSS) during the step.
 * Each m gets a fresh model that first takes one step at m = 1, so that the parameters and the
 * engine's copy of the data are in place before the measured step; the models are kept alive until
 * the end so that no freed memory of an earlier one blurs a later RSS reading.
 */
export function measureEngineMemory(
  makeModel: () => FastModel,
  data: Dataset,
  batchSizes: readonly number[],
): { engine: MemoryRow[]; rss: MemoryRow[] } {
  const engine: MemoryRow[] = [];
  const rss: MemoryRow[] = [];
  const alive: FastModel[] = [];
  for (const m of batchSizes) {
    checkPositiveInteger("m", m);
    const model = makeModel();
    alive.push(model);
    const theta = new Float64Array(model.size);
    const out = new Float64Array(model.size);
    model.lossAndGradient(theta, data, [0], out);
    const allocatedBefore = model.memory().allocatedBytes;
    const rssBefore = process.memoryUsage().rss;
    model.lossAndGradient(
      theta,
      data,
      Int32Array.from({ length: m }, (_, k) => k % data.n),
      out,
    );
    engine.push({
      source: "batchlab engine allocation",
      m,
      bytes: model.memory().allocatedBytes - allocatedBefore,
    });
    rss.push({ source: "process RSS growth", m, bytes: process.memoryUsage().rss - rssBefore });
  }
  alive.length = 0;
  return { engine, rss };
}

/** tfjs's activation memory of one training step at each m: tf.profile's peak minus the bytes alive before it. */
export async function measureTfjsMemory(
  tf: Tfjs,
  widths: readonly number[],
  data: Dataset,
  batchSizes: readonly number[],
): Promise<MemoryRow[]> {
  const trainer = tfjsTrainer(tf, widths, data);
  try {
    const rows: MemoryRow[] = [];
    for (const m of batchSizes) {
      checkPositiveInteger("m", m);
      if (m > data.n) throw new BatchlabArgumentError("m", m, `at most n = ${data.n}`);
      const batch = Int32Array.from({ length: m }, (_, k) => k);
      const { peakBytes, baselineBytes } = await trainer.profileStep(batch, 1e-3);
      rows.push({
        source: `tfjs ${tf.getBackend()} peak (tf.profile)`,
        m,
        bytes: peakBytes - baselineBytes,
      });
    }
    return rows;
  } finally {
    trainer.dispose();
  }
}

/** The largest m whose fixed + m·perExample bytes fit the budget (0 when even m = 1 does not). */
export function largestBatchWithin(
  budgetBytes: number,
  fixedBytes: number,
  bytesPerExample: number,
): number {
  checkPositiveFinite("budgetBytes", budgetBytes);
  checkPositiveFinite("bytesPerExample", bytesPerExample);
  if (!(fixedBytes >= 0)) throw new BatchlabArgumentError("fixedBytes", fixedBytes, "≥ 0");
  return Math.max(0, Math.floor((budgetBytes - fixedBytes) / bytesPerExample));
}
