// Claims: sentences of the course checked where they are measured (see claim.ts).
export { claim, claimThat, judgeClaim, judgeClaimThat, claimsSoFar, claimBundle, claimLine, CLAIM_MIME, type ClaimResult, type ClaimOptions } from "./claim";
export { near, between, above, below, atLeast, atMost, type Condition } from "./condition";
export { formatMeasured } from "./format";
