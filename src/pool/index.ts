// The worker pool: independent jobs on every core (see pool.ts).
export { WorkerPool, JobError, poolBusy, runJobs, sharedPool, whenPoolIdle } from "./pool";
export { jobFile, loadJob, type JobRef, type JobContext, type JobFunction } from "./job";
export { workerCount } from "./size";
