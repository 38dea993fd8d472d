import { statSync } from "node:fs";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { backendOf } from "./backend.js";
import { acquireThreadLease, ThreadLeaseHeldError } from "./lease.js";
import { deleteThread } from "./threads.js";

export type DeleteOutcome = "deleted" | "missing" | "running";

/**
 * Deletes a thread unless it is running. The thread's lease is held while deleting, so no run can
 * start on a half-deleted thread either.
 */
export async function deleteIdleThread(saver: BaseCheckpointSaver, threadId: string): Promise<DeleteOutcome> {
  let lease;
  try {
    lease = await acquireThreadLease(saver, threadId);
  } catch (error) {
    if (error instanceof ThreadLeaseHeldError) return "running";
    throw error;
  }
  try {
    return (await deleteThread(saver, threadId)) ? "deleted" : "missing";
  } finally {
    await lease.release();
  }
}

/** The store's size on disk before and after compactStore. */
export interface Compaction {
  file: string;
  beforeBytes: number;
  afterBytes: number;
}

const INCREMENTAL = 2; // PRAGMA auto_vacuum

/**
 * Gives the space of deleted threads back to the file system. SQLite otherwise keeps freed pages in
 * its file for reuse; Postgres' autovacuum needs no help. The first compaction of a store switches
 * it to incremental auto-vacuum with one full VACUUM; later ones only move the pages that were freed.
 */
export function compactStore(saver: BaseCheckpointSaver): Compaction | undefined {
  const backend = backendOf(saver);
  if (backend?.kind !== "sqlite") return undefined;
  backend.commitPending?.();
  const { db } = backend;
  const beforeBytes = storeBytes(db.name);
  if (db.pragma("auto_vacuum", { simple: true }) === INCREMENTAL) {
    db.pragma("incremental_vacuum");
  } else {
    db.pragma("auto_vacuum = INCREMENTAL");
    db.exec("VACUUM");
  }
  // The file shrinks when the WAL is copied back into it; TRUNCATE also empties the WAL file.
  db.pragma("wal_checkpoint(TRUNCATE)");
  return { file: db.name, beforeBytes, afterBytes: storeBytes(db.name) };
}

function storeBytes(file: string): number {
  return fileBytes(file) + fileBytes(`${file}-wal`);
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
