import type { BaseCheckpointSaver, CheckpointMetadata } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { backendOf, type SqliteDb } from "./backend.js";
import type pg from "pg";

/** One thread as `fanout threads` shows it: its latest root checkpoint plus when it started. */
export interface ThreadSummary {
  thread_id: string;
  /** ISO time of the thread's first checkpoint. */
  created_at: string;
  /** ISO time of its latest checkpoint. */
  updated_at: string;
  /** `metadata.step` of the latest checkpoint (-1 = input only). */
  step: number;
  metadata: CheckpointMetadata;
}

export interface ListThreadsOptions {
  /** Keep only the most recently updated N threads. */
  limit?: number;
  /** Only this thread (`show ID`, `export --thread ID`): the SQL paths read no other thread's rows. */
  threadId?: string;
}

/**
 * Threads newest first. For the SQLite and Postgres savers we opened this is one SQL query that
 * never decodes channel values; any other saver goes through `list()` (fine for MemorySaver, but
 * it decodes every checkpoint of every thread).
 */
export async function listThreads(saver: BaseCheckpointSaver, options: ListThreadsOptions = {}): Promise<ThreadSummary[]> {
  const backend = backendOf(saver) ?? (saver instanceof SqliteSaver ? { kind: "sqlite" as const, db: saver.db as unknown as SqliteDb } : undefined);
  let rows: ThreadRow[];
  if (backend?.kind === "sqlite") {
    backend.commitPending?.();
    rows = sqliteThreadRows(backend.db, options.threadId);
  } else if (backend?.kind === "postgres") rows = await postgresThreadRows(backend.pool, backend.schema, options.threadId);
  else return listThreadsViaList(saver, options);
  const threads = await Promise.all(rows.map((row) => toSummary(saver, row)));
  return newestFirst(threads, options.limit);
}

/** The saver-agnostic way: walk every checkpoint via `list({})` and keep the ends of each thread. */
export async function listThreadsViaList(saver: BaseCheckpointSaver, options: ListThreadsOptions = {}): Promise<ThreadSummary[]> {
  const byThread = new Map<string, ThreadSummary & { firstId: string; lastId: string }>();
  const only = options.threadId === undefined ? {} : { configurable: { thread_id: options.threadId } };
  for await (const tuple of saver.list(only)) {
    const { thread_id, checkpoint_ns = "" } = tuple.config.configurable ?? {};
    if (typeof thread_id !== "string" || checkpoint_ns !== "") continue; // subgraph checkpoints are not threads
    const id = tuple.checkpoint.id;
    const seen = byThread.get(thread_id);
    if (!seen) {
      byThread.set(thread_id, {
        thread_id,
        created_at: tuple.checkpoint.ts,
        updated_at: tuple.checkpoint.ts,
        step: stepOf(tuple.metadata),
        metadata: tuple.metadata ?? ({} as CheckpointMetadata),
        firstId: id,
        lastId: id,
      });
      continue;
    }
    if (id < seen.firstId) Object.assign(seen, { firstId: id, created_at: tuple.checkpoint.ts });
    if (id > seen.lastId) {
      Object.assign(seen, { lastId: id, updated_at: tuple.checkpoint.ts, step: stepOf(tuple.metadata), metadata: tuple.metadata ?? {} });
    }
  }
  const threads = [...byThread.values()].map(({ firstId: _f, lastId: _l, ...summary }) => summary);
  return newestFirst(threads, options.limit);
}

/** Deletes every checkpoint and write of a thread (all namespaces). Returns false if it had none. */
export async function deleteThread(saver: BaseCheckpointSaver, threadId: string): Promise<boolean> {
  const existed = await threadExists(saver, threadId);
  await saver.deleteThread(threadId);
  return existed;
}

/** Whether the thread has a checkpoint; the SQL paths look at the key alone, decoding nothing. */
async function threadExists(saver: BaseCheckpointSaver, threadId: string): Promise<boolean> {
  const backend = backendOf(saver);
  if (backend?.kind === "sqlite") {
    backend.commitPending?.();
    return backend.db.prepare("SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1").get(threadId) !== undefined;
  }
  if (backend?.kind === "postgres") {
    return (await backend.pool.query(`SELECT 1 FROM "${backend.schema}".checkpoints WHERE thread_id = $1 LIMIT 1`, [threadId])).rowCount! > 0;
  }
  return (await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } })) !== undefined;
}

/** What the SQL paths return; metadata is still in the saver's serialized form. */
interface ThreadRow {
  thread_id: string;
  created_at: string;
  updated_at: string;
  metadata_type: string;
  metadata: unknown;
}

/**
 * SqliteSaver stores each checkpoint as serialized JSON (type "json"), so json_extract can read
 * `ts`. It still parses the whole stored checkpoint, but in C and only the first and last per thread.
 */
function sqliteThreadRows(db: SqliteDb, threadId?: string): ThreadRow[] {
  const sql = `
    WITH ends AS (
      SELECT thread_id, MIN(checkpoint_id) AS first_id, MAX(checkpoint_id) AS last_id
      FROM checkpoints WHERE checkpoint_ns = '' AND (@id IS NULL OR thread_id = @id) GROUP BY thread_id
    )
    SELECT ends.thread_id AS thread_id,
      json_extract(CAST(f.checkpoint AS TEXT), '$.ts') AS created_at,
      json_extract(CAST(l.checkpoint AS TEXT), '$.ts') AS updated_at,
      l.type AS metadata_type,
      CAST(l.metadata AS TEXT) AS metadata
    FROM ends
    JOIN checkpoints f ON f.thread_id = ends.thread_id AND f.checkpoint_ns = '' AND f.checkpoint_id = ends.first_id
    JOIN checkpoints l ON l.thread_id = ends.thread_id AND l.checkpoint_ns = '' AND l.checkpoint_id = ends.last_id`;
  return db.prepare(sql).all({ id: threadId ?? null }) as ThreadRow[];
}

/** PostgresSaver keeps channel values in checkpoint_blobs, so the checkpoint JSONB is small. */
async function postgresThreadRows(pool: pg.Pool, schema: string, threadId?: string): Promise<ThreadRow[]> {
  const table = `"${schema}".checkpoints`;
  const where = "checkpoint_ns = '' AND ($1::text IS NULL OR thread_id = $1)";
  const sql = `
    SELECT l.thread_id, f.checkpoint->>'ts' AS created_at, l.checkpoint->>'ts' AS updated_at,
      'json' AS metadata_type, l.metadata
    FROM (SELECT DISTINCT ON (thread_id) thread_id, checkpoint, metadata FROM ${table}
          WHERE ${where} ORDER BY thread_id, checkpoint_id DESC) l
    JOIN (SELECT DISTINCT ON (thread_id) thread_id, checkpoint FROM ${table}
          WHERE ${where} ORDER BY thread_id, checkpoint_id ASC) f USING (thread_id)`;
  return (await pool.query<ThreadRow>(sql, [threadId ?? null])).rows;
}

/** Decodes metadata through the saver's serde, as getTuple would (it may hold revived objects). */
async function toSummary(saver: BaseCheckpointSaver, row: ThreadRow): Promise<ThreadSummary> {
  const text = typeof row.metadata === "string" ? row.metadata : JSON.stringify(row.metadata ?? {});
  const metadata = (await saver.serde.loadsTyped(row.metadata_type || "json", text)) as CheckpointMetadata;
  return { thread_id: row.thread_id, created_at: row.created_at, updated_at: row.updated_at, step: stepOf(metadata), metadata };
}

function stepOf(metadata: CheckpointMetadata | undefined): number {
  return typeof metadata?.step === "number" ? metadata.step : -1;
}

function newestFirst(threads: ThreadSummary[], limit?: number): ThreadSummary[] {
  threads.sort((a, b) => (a.updated_at === b.updated_at ? a.thread_id.localeCompare(b.thread_id) : a.updated_at < b.updated_at ? 1 : -1));
  return limit === undefined ? threads : threads.slice(0, limit);
}
