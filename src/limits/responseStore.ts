import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { backendOf, type Backend } from "../checkpoint/backend.js";
import type { ResponseStore } from "./cache.js";

const TABLE = "fanout_response_cache";

/** `make`'s result, made on the first call only: the table is created when the cache is first used, not when the store opens. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** Responses kept in the embedded SQLite store's own file, in a table beside the checkpoints. Errors reach the cache, which ignores them. */
function sqliteStore(backend: Extract<Backend, { kind: "sqlite" }>): ResponseStore {
  const { db } = backend;
  const statements = once(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    return {
      read: db.prepare(`SELECT value FROM ${TABLE} WHERE key = ?`),
      write: db.prepare(`INSERT OR REPLACE INTO ${TABLE} (key, value, created_at) VALUES (?, ?, ?)`),
    };
  });
  return {
    get: async (key) => (statements().read.get(key) as { value: string } | undefined)?.value,
    set: async (key, value) => {
      statements().write.run(key, value, Date.now());
    },
  };
}

/** Responses kept in a table of the Postgres store's schema. */
function postgresStore(backend: Extract<Backend, { kind: "postgres" }>): ResponseStore {
  const table = `"${backend.schema}".${TABLE}`;
  // Two processes creating the table at once can collide in Postgres's catalog; the loser retries once.
  const create = () =>
    backend.pool.query(`CREATE TABLE IF NOT EXISTS ${table} (key TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  const ready = once(() => create().catch(create));
  return {
    get: async (key) => {
      await ready();
      const result = await backend.pool.query<{ value: string }>(`SELECT value FROM ${table} WHERE key = $1`, [key]);
      return result.rows[0]?.value;
    },
    set: async (key, value) => {
      await ready();
      await backend.pool.query(`INSERT INTO ${table} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, [key, value]);
    },
  };
}

/** The run store's response table for a saver Fanout opened; undefined for a store without one (memory). */
export function responseStoreFor(saver: BaseCheckpointSaver): ResponseStore | undefined {
  const backend = backendOf(saver);
  if (!backend) return undefined;
  return backend.kind === "sqlite" ? sqliteStore(backend) : postgresStore(backend);
}
