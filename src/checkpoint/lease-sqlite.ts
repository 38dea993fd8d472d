import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { threadId as jsThreadId } from "node:worker_threads";
import type { SqliteDb } from "./backend.js";
import { ThreadLeaseHeldError, type LeaseHolder, type ThreadLease } from "./lease-types.js";

export interface SqliteLeaseOptions {
  /** How long a lease lives without renewal. Only matters when the holder's pid cannot be checked. */
  ttlMs?: number;
  /** How often the holder renews it. */
  heartbeatMs?: number;
}

/**
 * A lease outlives missed renewals: a renewal can wait on the write lock for the whole busy timeout
 * while other processes write. On this host a dead holder is noticed at once by its pid; the expiry
 * is for holders we cannot check (another container sharing the folder).
 */
export const SQLITE_LEASE_TTL_MS = 120_000;
const HEARTBEAT_MS = 20_000;

const TABLE = "fanout_thread_leases";

type LeaseRow = { thread_id: string; owner: string; pid: number; host: string; acquired_at: string; expires_at: number };

/** Owners of the leases this thread holds now. */
const heldHere = new Set<string>();
/**
 * When this process started (process.uptime() is the process's in every worker thread): a lease
 * naming our pid taken since then is another thread's of this process (a server worker with its
 * own connection), one taken before is a leftover of an earlier process that had our pid.
 */
const PROCESS_STARTED_AT = Date.now() - process.uptime() * 1000;
/** Clock slack in favour of "held": mistaking a leftover for a live lease only delays the thread until it expires. */
const START_SLACK_MS = 1_000;
/** Owners of the leases this JS thread takes start with its id (the main thread is 0). */
const OWNER_PREFIX = `t${jsThreadId}:`;
const withTable = new WeakSet<SqliteDb>();

function ensureTable(db: SqliteDb): void {
  if (withTable.has(db)) return;
  db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (
    thread_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    acquired_at TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  )`);
  withTable.add(db);
}

export function acquireSqliteLease(db: SqliteDb, threadId: string, options: SqliteLeaseOptions = {}): ThreadLease {
  const ttlMs = options.ttlMs ?? SQLITE_LEASE_TTL_MS;
  ensureTable(db);
  // Names this JS thread: a row of our pid from another thread is a sibling's (a server worker), from this one a leftover.
  const owner = `${OWNER_PREFIX}${randomUUID()}`;
  // IMMEDIATE: the check and the claim are one write transaction, so two claimants cannot both win.
  db.transaction(() => {
    const row = db.prepare(`SELECT * FROM ${TABLE} WHERE thread_id = ?`).get(threadId) as LeaseRow | undefined;
    if (row && isHeld(row, Date.now())) throw new ThreadLeaseHeldError(threadId, holderOf(row));
    const now = Date.now();
    db.prepare(`INSERT OR REPLACE INTO ${TABLE} (thread_id, owner, pid, host, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)`).run(
      threadId,
      owner,
      process.pid,
      hostname(),
      new Date(now).toISOString(),
      now + ttlMs,
    );
  }).immediate();
  heldHere.add(owner);

  const lost = new AbortController();
  const stop = (reason?: Error) => {
    clearInterval(heartbeat);
    heldHere.delete(owner);
    if (reason && !lost.signal.aborted) lost.abort(reason);
  };
  const renew = () => {
    try {
      const { changes } = db.prepare(`UPDATE ${TABLE} SET expires_at = ? WHERE thread_id = ? AND owner = ?`).run(Date.now() + ttlMs, threadId, owner);
      if (changes === 0) stop(new Error(`lost the lease on thread ${threadId}: it expired and another process took the thread over`));
    } catch {
      // Busy or closed: the next beat tries again, well within the expiry.
    }
  };
  const heartbeat = setInterval(renew, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();
  return {
    threadId,
    lost: lost.signal,
    release: async () => {
      stop();
      if (!db.open) return; // a closed store: the row names a pid that is about to be gone
      try {
        db.prepare(`DELETE FROM ${TABLE} WHERE thread_id = ? AND owner = ?`).run(threadId, owner);
      } catch {
        // Left behind, the row is reclaimed as soon as this process has exited.
      }
    },
  };
}

/** The threads among these whose lease is held now. */
export function heldSqliteLeases(db: SqliteDb, threadIds: readonly string[]): Set<string> {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(TABLE);
  if (!exists) return new Set();
  const now = Date.now();
  const rows = db
    .prepare(`SELECT * FROM ${TABLE} WHERE thread_id IN (SELECT value FROM json_each(?)) AND expires_at > ?`)
    .all(JSON.stringify(threadIds), now) as LeaseRow[];
  return new Set(rows.filter((row) => isHeld(row, now)).map((row) => row.thread_id));
}

/** A lease counts until it expires, unless its holder is known to be gone. */
function isHeld(row: LeaseRow, now: number): boolean {
  if (row.expires_at <= now) return false;
  if (row.host !== hostname()) return true; // a pid on another host (or container) means nothing here
  if (row.pid === process.pid) {
    if (row.owner.startsWith(OWNER_PREFIX)) return heldHere.has(row.owner); // this thread's: held only if it holds it now
    return Date.parse(row.acquired_at) >= PROCESS_STARTED_AT - START_SLACK_MS; // a sibling thread's, unless from before we started
  }
  return processExists(row.pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM"; // alive, but another user's
  }
}

function holderOf(row: LeaseRow): LeaseHolder {
  return { pid: row.pid, host: row.host, since: row.acquired_at };
}
