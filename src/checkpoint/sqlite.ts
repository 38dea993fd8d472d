import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import { registerBackend, type SqliteDb } from "./backend.js";
import { CheckpointConfigError } from "./errors.js";
import { checkNotTruncated, damagedStoreError, isDamageError } from "./sqlite-damage.js";
import { LeanSqliteSaver } from "./sqlite-saver.js";
import type { OpenedCheckpointer } from "./types.js";

export const SQLITE_FILE = "checkpoints.sqlite";

/**
 * NORMAL: in WAL mode every commit is written to the -wal file before the step goes on, so a
 * finished step survives a crash or kill of the process; only an OS crash or power cut can lose
 * the last commits (they are fsynced at each WAL checkpoint). FULL also fsyncs every commit,
 * which blocked the event loop for ~10 ms per step under load (bench/profile.ts: about a third of
 * a 16-unit run's main thread), stalling every parallel unit. See README, "Where runs are kept".
 */
export const SQLITE_SYNCHRONOUS = "NORMAL";

/**
 * How long a write waits for another process's write to finish. A commit holds the lock for
 * milliseconds, but with 32 runs on 2 cores a writer waited up to 12 s (SQLite's busy handler polls,
 * and newcomers can win the lock over a writer that has waited long); the old 5 s failed such runs.
 */
export const SQLITE_BUSY_TIMEOUT_MS = 60_000;

/** `~/.fanout` unless told otherwise; a leading "~" is expanded because .env files don't. */
export function resolveHome(home?: string): string {
  const raw = home ?? join(homedir(), ".fanout");
  return resolve(raw === "~" || raw.startsWith("~/") ? join(homedir(), raw.slice(1)) : raw);
}

/**
 * The stores open in this process, each committing what it has queued: a process that exits
 * (process.exit on a second Ctrl-C, a worker told to stop) keeps the saves of its last turn.
 */
const commitAtExit = new Set<() => void>();
process.on("exit", () => {
  for (const commit of commitAtExit) commit();
});

/** Opens (creating if needed) <home>/checkpoints.sqlite with LeanSqliteSaver (SqliteSaver's tables and format). */
export async function openSqlite(home?: string): Promise<OpenedCheckpointer> {
  const folder = resolveHome(home);
  const file = join(folder, SQLITE_FILE);
  ensurePrivateFolder(folder);
  ensurePrivateFile(file);
  checkNotTruncated(file);

  let saver: LeanSqliteSaver;
  try {
    saver = new LeanSqliteSaver(new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS }));
  } catch (error) {
    throw fileError(file, error);
  }
  const db = saver.db as unknown as SqliteDb;
  try {
    await retryWhileBusy(async () => {
      db.pragma("journal_mode = WAL");
      db.pragma(`synchronous = ${SQLITE_SYNCHRONOUS}`);
      // Creates the tables now, so a corrupt or foreign file fails here and not mid-run.
      await saver.getTuple({ configurable: { thread_id: "", checkpoint_ns: "" } });
    });
  } catch (error) {
    db.close();
    throw isDamageError(error) ? damagedStoreError(file, (error as Error).message) : fileError(file, error);
  }
  const commitPending = () => saver.commitPending();
  registerBackend(saver, { kind: "sqlite", db, commitPending });
  commitAtExit.add(commitPending);
  return {
    saver,
    kind: "sqlite",
    location: file,
    close: async () => {
      commitAtExit.delete(commitPending);
      if (!db.open) return;
      saver.commitPending(); // saves queued in this turn of the event loop
      db.close();
    },
  };
}

/** The folder holds every run's state (prompts, sources, notes): owner-only. */
function ensurePrivateFolder(folder: string): void {
  try {
    const existing = statIfExists(folder);
    if (existing && !existing.isDirectory()) {
      throw new CheckpointConfigError("file-error", `FANOUT_HOME ${folder} exists and is not a folder`);
    }
    if (!existing) {
      mkdirSync(folder, { recursive: true, mode: 0o700 });
      chmodSync(folder, 0o700); // mkdir's mode is filtered by umask
    }
  } catch (error) {
    throw fileError(folder, error);
  }
}

/** Pre-creating the file sets its mode; SQLite gives the -wal and -shm files the same one. */
function ensurePrivateFile(file: string): void {
  try {
    if (!statIfExists(file)) closeSync(openSync(file, "a", 0o600));
  } catch (error) {
    throw fileError(file, error);
  }
}

function statIfExists(path: string) {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

function fileError(path: string, error: unknown): CheckpointConfigError {
  if (error instanceof CheckpointConfigError) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new CheckpointConfigError("file-error", `Cannot open SQLite checkpoints at ${path}: ${why}`, { cause: error });
}

/** Attempts at opening a store that another process is setting up at the same moment. */
const OPEN_ATTEMPTS = 8;

/**
 * Two processes opening a new store at once can meet SQLite's "database is locked" while the
 * other switches it to WAL or creates the tables: that answer comes at once, not after the busy
 * timeout, so the opening is tried again after a short random pause.
 */
async function retryWhileBusy(work: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= OPEN_ATTEMPTS || !isBusyError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25 * attempt + Math.random() * 50));
    }
  }
}

function isBusyError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return (typeof code === "string" && code.startsWith("SQLITE_BUSY")) || /database is locked/i.test(String((error as Error | undefined)?.message));
}
