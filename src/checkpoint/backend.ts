import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type pg from "pg";

/** The few better-sqlite3 calls we make (SqliteSaver exposes `db` untyped). */
export interface SqliteDb {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): { all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown; run(...params: unknown[]): { changes: number } };
  exec(sql: string): void;
  /** `.immediate()` takes the write lock first, so a read-then-write never has to upgrade its lock. */
  transaction<T>(fn: () => T): { immediate(): T };
  close(): void;
  readonly open: boolean;
  /** The database file's path. */
  readonly name: string;
}

/** Direct storage access for the savers we opened, so thread listing can use one SQL query. */
export type Backend =
  | {
      kind: "sqlite";
      db: SqliteDb;
      /** Commits the saves the saver has queued (LeanSqliteSaver commits in groups); call before reading `db`. */
      commitPending?: () => void;
    }
  | { kind: "postgres"; pool: pg.Pool; schema: string };

const backends = new WeakMap<BaseCheckpointSaver, Backend>();

export function registerBackend(saver: BaseCheckpointSaver, backend: Backend): void {
  backends.set(saver, backend);
}

export function backendOf(saver: BaseCheckpointSaver): Backend | undefined {
  return backends.get(saver);
}
