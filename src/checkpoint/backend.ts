import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type pg from "pg";

/** The few better-sqlite3 calls we make (its types are not installed; SqliteSaver exposes `db`). */
export interface SqliteDb {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  prepare(sql: string): { all(...params: unknown[]): unknown[]; get(...params: unknown[]): unknown };
  close(): void;
  readonly open: boolean;
}

/** Direct storage access for the savers we opened, so thread listing can use one SQL query. */
export type Backend =
  | { kind: "sqlite"; db: SqliteDb }
  | { kind: "postgres"; pool: pg.Pool; schema: string };

const backends = new WeakMap<BaseCheckpointSaver, Backend>();

export function registerBackend(saver: BaseCheckpointSaver, backend: Backend): void {
  backends.set(saver, backend);
}

export function backendOf(saver: BaseCheckpointSaver): Backend | undefined {
  return backends.get(saver);
}
