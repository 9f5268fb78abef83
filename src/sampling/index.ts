// Batch samplers: which examples the next batch holds.

// Samplers
export {
  shuffledEpochs,
  fixedOrder,
  withReplacement,
  type LastBatchPolicy,
  type Sampler,
} from "./samplers";
