// The mean loss of a model over a dataset, through the model's batched path when it has one (the
// fast engines of src/engines do, in float32), else through meanLoss's per-example float64 loop.
// Curves that evaluate the loss at many points (a full-batch run checked after every step, an
// interpolation line) would otherwise spend most of their time here.

import { allIndicesOf, type Dataset } from "../data/dataset";
import { checkCompatible, meanLoss, type Model, type Params } from "../models/model";

/** A model with a batched loss (the fast engines of src/engines have one). */
interface BatchLossModel extends Model {
  batchLoss(theta: Params, data: Dataset, batch: ArrayLike<number>): number;
}

function hasBatchLoss(model: Model): model is BatchLossModel {
  return typeof (model as Partial<BatchLossModel>).batchLoss === "function";
}

/**
 * The mean loss over `batch` (all examples by default), batched when the model allows it.
 */
export function datasetLoss(
  model: Model,
  theta: Params,
  data: Dataset,
  batch: ArrayLike<number> = allIndicesOf(data),
): number {
  if (!hasBatchLoss(model)) return meanLoss(model, theta, data, batch);
  checkCompatible(model, theta, data);
  return model.batchLoss(theta, data, batch);
}
