// Data sets: the Dataset type, synthetic problems with known answers, MNIST, and landscapes made of data.

// The Dataset type and its checks
export {
  dataset, row, subset, allIndicesOf, allIndices, checkLabels, checkDataset, type Dataset,
  type DatasetOptions,
} from "./dataset";
// Synthetic problems with known answers
export {
  linearData, correlatedPair, gaussianBlobs, trainTestSplit, type LinearProblem, type LinearDataOptions,
  type CorrelatedPairOptions, type BlobOptions,
} from "./synthetic";
// The logistic teacher of chapter 3
export { logisticTeacher, type TeacherProblem, type LogisticTeacherOptions } from "./logisticTeacher";
// The airfoil-like regression of chapter 3 (d2l's comparison)
export { airfoilLike, standardiseColumns, type AirfoilLikeOptions } from "./airfoilLike";
// MNIST digits
export {
  mnistFilePath, loadMnist, indicesByClass, stratifiedSubset, mnistSubset, mnistImage, MNIST_SIDE,
  MNIST_FEATURES, MNIST_CLASSES, MNIST_SOURCE_COUNTS, MNIST_FORMAT, MNIST_FORMAT_VERSION, MNIST_FILE,
  MnistFileError, mnistPick, type MnistPick, type MnistHeader, type MnistInfo, type Mnist,
  type LoadMnistOptions,
} from "./mnist";
// Landscapes made of data (chapter 2b)
export {
  doubleWell, saddle, whitenedRows, landscapeData, type Landscape, type DoubleWellSpec,
  type DoubleWellGeometry, type DoubleWell, type SaddleSpec, type Saddle,
} from "./landscape";
