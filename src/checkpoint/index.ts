export { openCheckpointer } from "./open.js";
export { checkpointOptionsFromEnv } from "./env.js";
export { deleteThread, listThreads, type ThreadSummary } from "./threads.js";
export { acquireThreadLease, heldThreadLeases, ThreadLeaseHeldError, type ThreadLease } from "./lease.js";
export { compactStore, deleteIdleThread, type Compaction } from "./prune.js";
export { LeaseLostError, runUnderLease } from "./fence.js";
