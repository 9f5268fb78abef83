// Claims: sentences of the course checked where they are measured (see claim.ts).
// Claims: check a sentence against a measured value, and the records the runner counts
export {
  claim,
  claimThat,
  judgeClaim,
  judgeClaimThat,
  claimsSoFar,
  claimBundle,
  claimLine,
  CLAIM_MIME,
  type ClaimResult,
  type ClaimOptions,
} from "./claim";
// Conditions a measured value must meet
export { near, between, above, below, atLeast, atMost, type Condition } from "./condition";
// How a measured value is printed
export { formatMeasured } from "./format";
