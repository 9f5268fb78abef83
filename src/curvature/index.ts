// Curvature: Hessian-vector products, the top eigenvalue, sharpness, and 1-D slices of the loss.

// Hessian-vector products and small exact Hessians
export {
  hessianOperator,
  hessianVectorProduct,
  matrixOperator,
  denseMatrix,
  logisticRegressionHessian,
  type LinearOperator,
  type HessianOptions,
} from "./hessian";
// The top eigenvalue (power iteration) and small eigenproblems
export {
  powerIteration,
  symmetricEigenvalues,
  type PowerIterationOptions,
  type PowerIterationResult,
} from "./eigen";
// Keskar's ε-sharpness
export {
  sharpnessBox,
  epsilonSharpness,
  type SharpnessOptions,
  type SharpnessResult,
} from "./sharpness";
// The loss along a line between two solutions
export { interpolate, alphaGrid, interpolationCurve, type InterpolationPoint } from "./interpolate";
// The mean loss over a dataset
export { datasetLoss } from "./loss";
// The MLP's exact Hessian-vector product
export { mlpHessianVectorProduct, type HessianVectorProduct } from "./mlpHessian";
// Dinh et al.'s rescaling
export { rescaleHiddenLayer } from "./reparametrize";
