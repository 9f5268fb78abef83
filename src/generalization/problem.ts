// Chapter 4's problem as data: which MNIST digits to train and test on and which MLP, in a plain
// object a worker thread can receive. A worker rebuilds the same datasets and the same model from
// it (src/pool: closures and models cannot cross a thread boundary), so its runs are the runs the
// calling thread would have made.

import { stableStringify } from "../sweeps/cache";
import type { Dataset } from "../data/dataset";
import { mnistPick, type MnistPick } from "../data/mnist";
import { wasmMlp } from "../engines/wasmMlp";
import type { Model } from "../models/model";
import { BatchlabArgumentError } from "../util/validate";

export interface MnistMlpSpec {
  train: MnistPick;
  test: MnistPick;
  /** The MLP's layer widths, 784 first and 10 last (the WebAssembly engine, wasmMlp). */
  widths: number[];
}

/** What the experiments train on. `spec`, when present, lets the worker pool rebuild it in another thread. */
export interface GeneralizationProblem {
  model: Model;
  train: Dataset;
  test: Dataset;
  spec?: MnistMlpSpec;
}

const built = new Map<string, Required<GeneralizationProblem>>();

/**
 * The datasets and the model a spec describes. Built once per thread and spec (the data are only
 * read by the experiments), so that a worker running many jobs loads MNIST once.
 */
export function mnistMlpProblem(spec: MnistMlpSpec): Required<GeneralizationProblem> {
  if (spec === null || typeof spec !== "object")
    throw new BatchlabArgumentError("spec", spec, "{ train, test, widths }");
  if (!Array.isArray(spec.widths) || spec.widths.length < 2)
    throw new BatchlabArgumentError(
      "spec.widths",
      spec.widths,
      "layer widths such as [784, 64, 10]",
    );
  const key = stableStringify(spec);
  const hit = built.get(key);
  if (hit) return hit;
  const problem = {
    model: wasmMlp(spec.widths),
    train: mnistPick("train", spec.train),
    test: mnistPick("test", spec.test),
    spec: { train: spec.train, test: spec.test, widths: [...spec.widths] },
  };
  built.set(key, problem);
  return problem;
}
