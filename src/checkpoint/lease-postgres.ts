import { hostname } from "node:os";
import pg from "pg";
import { ThreadLeaseHeldError, type LeaseHolder, type ThreadLease } from "./lease-types.js";

/** Advisory locks are one 64-bit key space per database; the schema keeps separate stores apart. */
function keyPrefix(schema: string): string {
  return `fanout.thread:${schema}:`;
}

/** Granted bigint advisory locks of this database (pg_locks splits the key into classid and objid). */
const HELD_LOCKS = `
  locktype = 'advisory' AND objsubid = 1 AND granted
  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`;
const LOCK_KEY = "((classid::bigint << 32) | objid::bigint)";

/** Shown in pg_stat_activity, and read back to tell a refused caller who holds the thread. */
const HOLDER_NAME = /^fanout-lease pid (\d+) on (.+)$/;

function holderName(): string {
  return `fanout-lease pid ${process.pid} on ${hostname()}`.slice(0, 63);
}

/**
 * A session-level advisory lock on a connection of its own, kept for the whole run: the server
 * releases it when that connection closes, so a killed holder frees the thread at once.
 */
export async function acquirePostgresLease(pool: pg.Pool, schema: string, threadId: string): Promise<ThreadLease> {
  const key = `${keyPrefix(schema)}${threadId}`;
  const client = new pg.Client({ ...pool.options, application_name: holderName(), keepAlive: true });
  const lost = new AbortController();
  let released = false;
  const drop = () => {
    if (!released && !lost.signal.aborted) lost.abort(new Error(`lost the lease on thread ${threadId}: its Postgres connection closed`));
  };
  client.on("error", drop);
  client.on("end", drop);
  try {
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [key]);
    if (!rows[0]?.locked) throw new ThreadLeaseHeldError(threadId, await holderOf(client, key));
  } catch (error) {
    released = true;
    await client.end().catch(() => {});
    throw error;
  }
  return {
    threadId,
    lost: lost.signal,
    release: async () => {
      if (released) return;
      released = true;
      await client.end().catch(() => {}); // ending the session releases the lock
    },
  };
}

export async function heldPostgresLeases(pool: pg.Pool, schema: string, threadIds: readonly string[]): Promise<Set<string>> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT t.id FROM unnest($1::text[]) AS t(id) WHERE hashtextextended($2 || t.id, 0) IN (SELECT ${LOCK_KEY} FROM pg_locks WHERE ${HELD_LOCKS})`,
    [threadIds, keyPrefix(schema)],
  );
  return new Set(rows.map((row) => row.id));
}

async function holderOf(client: pg.Client, key: string): Promise<LeaseHolder> {
  const { rows } = await client.query<{ application_name: string; backend_start: Date }>(
    `SELECT a.application_name, a.backend_start FROM pg_stat_activity a
     WHERE a.pid IN (SELECT pid FROM pg_locks WHERE ${HELD_LOCKS} AND ${LOCK_KEY} = hashtextextended($1, 0))`,
    [key],
  );
  const match = HOLDER_NAME.exec(rows[0]?.application_name ?? "");
  const since = rows[0]?.backend_start?.toISOString();
  return match ? { pid: Number(match[1]), host: match[2], since } : { since };
}
