export { openCheckpointer } from "./open.js";
export { checkpointOptionsFromEnv } from "./env.js";
export { deleteThread, listThreads, type ThreadSummary } from "./threads.js";
