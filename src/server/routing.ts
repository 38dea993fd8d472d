/**
 * Which of the server's workers answers a request (FANOUT_SERVER_WORKERS above 1): a thread's
 * requests always meet in one worker, where its runs' records live; a run without a thread goes
 * where the fewest runs are; the rest, which only read or write the shared store, to the first.
 */
export type Route = { kind: "thread"; threadId: string } | { kind: "new-run" } | { kind: "first" };

/** Words the thread routes use where a thread id would stand: `POST /threads/search`, `/threads/count`. */
const NOT_THREAD_IDS = new Set(["search", "count"]);
const THREAD_PATH = /^\/threads\/([^/]+)(?:\/|$)/;
const NEW_RUN_PATH = /^\/runs(?:\/wait|\/stream)?\/?$/;
const RUN_CREATING_PATH = /^(?:\/threads\/[^/]+)?\/runs(?:\/wait|\/stream)?\/?$/;

export function routeOf(method: string, pathname: string): Route {
  const thread = THREAD_PATH.exec(pathname);
  if (thread && !NOT_THREAD_IDS.has(thread[1])) return { kind: "thread", threadId: safelyDecoded(thread[1]) };
  if (method === "POST" && NEW_RUN_PATH.test(pathname)) return { kind: "new-run" };
  return { kind: "first" };
}

/** A request that starts a run (counted as load until its worker answers). */
export function startsRun(method: string, pathname: string): boolean {
  return method === "POST" && RUN_CREATING_PATH.test(pathname);
}

/** The worker of a thread: FNV-1a of its id, so every process with N workers agrees. */
export function workerOfThread(threadId: string, workers: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < threadId.length; i++) {
    hash ^= threadId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % workers;
}

function safelyDecoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
