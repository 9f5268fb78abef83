// The advisor for a learner's own data as plain arrays: rows of features and one target each.

import { modelForArrays, type ArrayModelOptions } from "./inputs";
import { recommendBatchSize, type AdvisorOptions, type BatchSizeAdvice } from "./advise";

/**
 * recommendBatchSize for x (rows of features) and y (targets): builds the dataset and a model
 * (linear regression; logistic or softmax regression, or an MLP with `hidden` layers, for class
 * indices) and measures it. Bad rows are reported by index before anything is trained.
 */
export function adviseFromArrays(
  x: number[][],
  y: number[],
  options: AdvisorOptions & ArrayModelOptions = {},
): BatchSizeAdvice & { modelName: string } {
  const { data, model } = modelForArrays(x, y, options);
  return { ...recommendBatchSize(model, data, options), modelName: model.name };
}
