import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import { backendOf, type SqliteDb } from "../checkpoint/backend.js";

type Metadata = Record<string, unknown>;
type SearchOptions = Parameters<NonNullable<ThreadSaver["search"]>>[0];

/** A thread as the HTTP API shows it; its state lives in the checkpointer. */
export type ApiThread = { thread_id: string; metadata: Metadata; created_at: string; updated_at: string; status: "idle" };

/** One row per thread created through the HTTP API. */
type Row = { thread_id: string; metadata: Metadata | string; created_at: string | Date; updated_at: string | Date };

/**
 * The HTTP API's threads, kept in the same store as the checkpoints (a table
 * of their own), so every server process sharing the store knows every
 * thread. The embedded store is for one host; Postgres for several.
 */
export async function openThreadStore(saver: BaseCheckpointSaver): Promise<ThreadSaver> {
  const backend = backendOf(saver);
  if (backend?.kind === "sqlite") return sqliteThreads(backend.db);
  if (backend?.kind === "postgres") return await postgresThreads(backend.pool, backend.schema);
  return memoryThreads();
}

function toThread(row: Row): ApiThread {
  const metadata = typeof row.metadata === "string" ? (JSON.parse(row.metadata) as Metadata) : row.metadata;
  const iso = (time: string | Date) => new Date(time).toISOString();
  return { thread_id: row.thread_id, metadata, created_at: iso(row.created_at), updated_at: iso(row.updated_at), status: "idle" };
}

/** True when every key of `filter` has the same (JSON) value in `metadata`. */
function matches(metadata: Metadata, filter: Metadata | undefined): boolean {
  return Object.entries(filter ?? {}).every(([key, value]) => JSON.stringify(metadata[key]) === JSON.stringify(value));
}

async function* page(threads: ApiThread[], options: SearchOptions) {
  const found = threads.filter((thread) => matches(thread.metadata, options.metadata));
  const direction = options.sortOrder === "asc" ? 1 : -1;
  found.sort((a, b) => (a[options.sortBy] < b[options.sortBy] ? -direction : a[options.sortBy] > b[options.sortBy] ? direction : 0));
  for (const thread of found.slice(options.offset, options.offset + options.limit)) yield { thread, total: found.length };
}

function sqliteThreads(db: SqliteDb): ThreadSaver {
  db.exec(`CREATE TABLE IF NOT EXISTS fanout_api_threads (
    thread_id TEXT PRIMARY KEY, metadata TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL)`);
  const get = (id: string) => db.prepare("SELECT * FROM fanout_api_threads WHERE thread_id = ?").get(id) as Row | undefined;
  return {
    get: async (id) => {
      const row = get(id);
      return (row ? toThread(row) : undefined) as ApiThread;
    },
    set: async (id, { kind, metadata }) => {
      const now = new Date().toISOString();
      const before = get(id);
      const merged = kind === "patch" && before ? { ...toThread(before).metadata, ...metadata } : (metadata ?? {});
      db.prepare(
        `INSERT INTO fanout_api_threads (thread_id, metadata, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (thread_id) DO UPDATE SET metadata = excluded.metadata, updated_at = excluded.updated_at`,
      ).run(id, JSON.stringify(merged), now, now);
      return toThread(get(id)!);
    },
    delete: async (id) => {
      db.prepare("DELETE FROM fanout_api_threads WHERE thread_id = ?").run(id);
    },
    search: (options) => page((db.prepare("SELECT * FROM fanout_api_threads").all() as Row[]).map(toThread), options),
  };
}

/** Two servers starting at once may both create the table; the loser's error says it exists. */
const ALREADY_CREATED = new Set(["23505", "42P07"]);

async function postgresThreads(pool: import("pg").Pool, schema: string): Promise<ThreadSaver> {
  const table = `"${schema}".fanout_api_threads`;
  await pool
    .query(
      `CREATE TABLE IF NOT EXISTS ${table} (thread_id text PRIMARY KEY, metadata jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())`,
    )
    .catch((error: { code?: string }) => {
      if (!ALREADY_CREATED.has(error.code ?? "")) throw error;
    });
  const query = async (sql: string, params: unknown[] = []) => (await pool.query<Row>(sql, params)).rows;
  return {
    get: async (id) => {
      const [row] = await query(`SELECT * FROM ${table} WHERE thread_id = $1`, [id]);
      return (row ? toThread(row) : undefined) as ApiThread;
    },
    set: async (id, { kind, metadata }) => {
      // A patch merges into the stored metadata (jsonb ||); a put replaces it.
      const update = kind === "patch" ? `${table}.metadata || excluded.metadata` : "excluded.metadata";
      const [row] = await query(
        `INSERT INTO ${table} (thread_id, metadata) VALUES ($1, $2)
         ON CONFLICT (thread_id) DO UPDATE SET metadata = ${update}, updated_at = now() RETURNING *`,
        [id, JSON.stringify(metadata ?? {})],
      );
      return toThread(row);
    },
    delete: async (id) => {
      await query(`DELETE FROM ${table} WHERE thread_id = $1`, [id]);
    },
    search: async function* (options) {
      yield* page((await query(`SELECT * FROM ${table} WHERE metadata @> $1`, [JSON.stringify(options.metadata ?? {})])).map(toThread), options);
    },
  };
}

function memoryThreads(): ThreadSaver {
  const threads = new Map<string, ApiThread>();
  return {
    get: async (id) => threads.get(id) as ApiThread,
    set: async (id, { kind, metadata }) => {
      const now = new Date().toISOString();
      const before = threads.get(id);
      const merged = kind === "patch" && before ? { ...before.metadata, ...metadata } : (metadata ?? {});
      const thread: ApiThread = { thread_id: id, metadata: merged, created_at: before?.created_at ?? now, updated_at: now, status: "idle" };
      threads.set(id, thread);
      return thread;
    },
    delete: async (id) => {
      threads.delete(id);
    },
    search: (options) => page([...threads.values()], options),
  };
}
