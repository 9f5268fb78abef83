// Models: a loss per example and its gradient. A new model is a file here that returns a Model.

// The Model interface and what every model gets
export {
  checkCompatible,
  meanLoss,
  accuracy,
  perExampleGradients,
  meanGradient,
  type Params,
  type Model,
} from "./model";
// Linear regression
export { linearRegression, type LinearOptions } from "./linear";
// Logistic regression
export { softplus, sigmoid, logisticRegression } from "./logistic";
// Softmax regression
export { softmaxInPlace, softmaxRegression } from "./softmax";
// The MLP and its parameter layout
export { mlpLayout, mlp, type MlpLayer } from "./mlp";
// A landscape of data/landscape.ts as a model
export { landscapeModel, type LandscapeModel } from "./landscape";
