export { openCheckpointer } from "./open.js";
export { checkpointOptionsFromEnv } from "./env.js";
export { CheckpointConfigError, type CheckpointFailureReason } from "./errors.js";
export { deleteThread, listThreads, listThreadsViaList, type ListThreadsOptions, type ThreadSummary } from "./threads.js";
export { acquireThreadLease, heldThreadLeases, ThreadLeaseHeldError, type LeaseHolder, type LeaseOptions, type ThreadLease } from "./lease.js";
export { compactStore, deleteIdleThread, type Compaction, type DeleteOutcome } from "./prune.js";
export { DEFAULT_PG_SCHEMA } from "./postgres.js";
export { SQLITE_FILE, resolveHome } from "./sqlite.js";
export type { CheckpointOptions, CheckpointerKind, OpenedCheckpointer } from "./types.js";
