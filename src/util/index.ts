// Small helpers every folder uses: random numbers, argument checks, quick mode, linear algebra,
// formatting and statistics.

// Seeded random numbers
export { rng, permutation, type Rng } from "./rng";
// Argument checks
export {
  checkPositiveInteger,
  checkNonNegativeInteger,
  checkPositiveFinite,
  checkFinite,
  checkInRange,
  checkLength,
  checkAllFinite,
  checkArrayLike,
  checkIndices,
  checkObject,
  checkFunction,
  checkRng,
  checkString,
  BatchlabArgumentError,
} from "./validate";
// Quick mode
export { isQuick, budget } from "./mode";
// Small linear algebra
export { solve, leastSquares, distance, dot } from "./linalg";
// Formatting for people
export { formatSeconds, formatDuration, formatBytes, escapeHtml } from "./format";
// Small statistics and grids
export { median, fitLine, logGrid, powersOfTwo, powersOfTwoUpTo } from "./stats";
