export { openCheckpointer } from "./open.js";
export { checkpointOptionsFromEnv } from "./env.js";
export { CheckpointConfigError, type CheckpointFailureReason } from "./errors.js";
export { deleteThread, listThreads, listThreadsViaList, type ListThreadsOptions, type ThreadSummary } from "./threads.js";
export { SQLITE_FILE, resolveHome } from "./sqlite.js";
export type { CheckpointOptions, CheckpointerKind, OpenedCheckpointer } from "./types.js";
