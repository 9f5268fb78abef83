// Chapter 4's runs as worker-pool jobs (src/pool): each receives the problem's spec, rebuilds the
// MNIST datasets and the MLP from it (once per worker), and calls the very function the calling
// thread calls when it runs them itself, so both give the same numbers. Each worker loads the
// WebAssembly kernels' assembler (wabt) once, asynchronously, before its first MLP.

import { loadKernels } from "../engines/wasm/runtime";
import { interpolationCurve } from "../curvature/interpolate";
import type { Params } from "../models/model";
import {
  equalLossRun,
  fixedEpochRun,
  sharpnessOf,
  type EqualLossConfig,
  type EqualLossOptions,
  type SharpnessJobOptions,
} from "./experiments";
import { mnistMlpProblem, type GeneralizationProblem, type MnistMlpSpec } from "./problem";

/** The spec's problem in this worker, once its kernels' assembler has loaded (the MLP needs it). */
async function problemFor(spec: MnistMlpSpec): Promise<Required<GeneralizationProblem>> {
  await loadKernels();
  return mnistMlpProblem(spec);
}

export async function fixedEpochJob(c: {
  spec: MnistMlpSpec;
  m: number;
  lr: number;
  seed: number;
  epochs: number;
}) {
  return fixedEpochRun(await problemFor(c.spec), c, c.epochs);
}

export async function equalLossJob(c: {
  spec: MnistMlpSpec;
  config: EqualLossConfig;
  options: EqualLossOptions;
}) {
  return equalLossRun(await problemFor(c.spec), c.config, c.options);
}

export async function sharpnessJob(c: {
  spec: MnistMlpSpec;
  theta: Params;
  options: SharpnessJobOptions;
}) {
  return sharpnessOf(await problemFor(c.spec), c.theta, c.options);
}

export async function interpolationJob(c: {
  spec: MnistMlpSpec;
  from: Params;
  to: Params;
  alphas: number[];
}) {
  const problem = await problemFor(c.spec);
  return interpolationCurve(problem.model, c.from, c.to, c.alphas, {
    train: problem.train,
    test: problem.test,
  });
}
