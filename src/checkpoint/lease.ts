import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { backendOf } from "./backend.js";
import { acquireSqliteLease, heldSqliteLeases, type SqliteLeaseOptions } from "./lease-sqlite.js";
import { ThreadLeaseHeldError, type ThreadLease } from "./lease-types.js";

export { ThreadLeaseHeldError, type LeaseHolder, type ThreadLease } from "./lease-types.js";

export type LeaseOptions = SqliteLeaseOptions;

/**
 * Takes the thread's lease, or throws ThreadLeaseHeldError at once if someone else holds it. Take it
 * before the first read of the thread (also for a new thread) and release it when the run stops.
 *
 * - Postgres: a session-level advisory lock on a connection of its own; the server drops it the
 *   moment that connection closes, so a killed process frees the thread at once.
 * - SQLite: a row in the same file naming the holder (pid, host) with an expiry it keeps renewing;
 *   it is taken over at once when the holder's pid is gone on this host, else once it expires.
 * - Any other saver (MemorySaver): a lease within this process.
 */
export async function acquireThreadLease(saver: BaseCheckpointSaver, threadId: string, options: LeaseOptions = {}): Promise<ThreadLease> {
  const backend = backendOf(saver);
  if (backend?.kind === "sqlite") return acquireSqliteLease(backend.db, threadId, options);
  if (backend?.kind === "postgres") return (await postgresLeases()).acquirePostgresLease(backend.pool, backend.schema, threadId);
  return acquireInProcessLease(saver, threadId);
}

/** Which of these threads someone holds the lease of right now, i.e. is running. */
export async function heldThreadLeases(saver: BaseCheckpointSaver, threadIds: readonly string[]): Promise<Set<string>> {
  if (threadIds.length === 0) return new Set();
  const backend = backendOf(saver);
  if (backend?.kind === "sqlite") return heldSqliteLeases(backend.db, threadIds);
  if (backend?.kind === "postgres") return (await postgresLeases()).heldPostgresLeases(backend.pool, backend.schema, threadIds);
  const held = inProcess.get(saver) ?? new Set<string>();
  return new Set(threadIds.filter((id) => held.has(id)));
}

/** Leases of savers without a shared store (MemorySaver): their threads only exist in this process. */
const inProcess = new WeakMap<BaseCheckpointSaver, Set<string>>();

function acquireInProcessLease(saver: BaseCheckpointSaver, threadId: string): ThreadLease {
  const held = inProcess.get(saver) ?? new Set<string>();
  inProcess.set(saver, held);
  if (held.has(threadId)) throw new ThreadLeaseHeldError(threadId);
  held.add(threadId);
  let released = false;
  return {
    threadId,
    lost: new AbortController().signal,
    release: async () => {
      if (!released) held.delete(threadId);
      released = true;
    },
  };
}

/** pg loads only with a Postgres store, so the embedded store starts without it. */
function postgresLeases() {
  return import("./lease-postgres.js");
}
