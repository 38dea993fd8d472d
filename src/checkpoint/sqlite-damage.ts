import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { CheckpointConfigError } from "./errors.js";

/** SQLite's error codes (and extended codes) for a file that is not, or no longer, a readable database. */
const DAMAGE_CODE = /^SQLITE_(CORRUPT|NOTADB)/;

export function isDamageError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && DAMAGE_CODE.test(code);
}

/**
 * Refuses a store whose file is shorter than its header says. SQLite notices that itself at open,
 * except while a WAL file is present: then it only fails when a command reads a missing page, and
 * closing that read-write connection copies the WAL into the damaged file.
 *
 * Reading the header costs about 0.1 ms; `PRAGMA quick_check` reads every page, about 50 ms on a
 * store of 128 stand-in runs (36 MB) and more on real ones, so it only confirms a suspicion (a
 * checkpoint that grows the file writes the new header before the pages past the old end), on a
 * read-only connection, which never writes the file.
 */
export function checkNotTruncated(file: string): void {
  const suspicion = truncation(file);
  if (!suspicion) return;
  let verdict: string;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      verdict = String(db.pragma("quick_check(1)", { simple: true }));
    } finally {
      db.close();
    }
  } catch (error) {
    verdict = error instanceof Error ? error.message : String(error);
  }
  if (verdict !== "ok") throw damagedStoreError(file, suspicion);
}

/** "shorter than its header says …" when the main file's header promises more pages than it has. */
function truncation(file: string): string | undefined {
  const header = Buffer.alloc(100);
  const fd = openSync(file, "r");
  let size: number;
  try {
    size = fstatSync(fd).size;
    if (readSync(fd, header, 0, 100, 0) < 100) return undefined; // new, or too short for SQLite to take
  } finally {
    closeSync(fd);
  }
  if (header.toString("latin1", 0, 16) !== "SQLite format 3\0") return undefined; // SQLite says "not a database"
  const pageSize = header.readUInt16BE(16) === 1 ? 65_536 : header.readUInt16BE(16);
  const pages = header.readUInt32BE(28);
  // The page count is only kept up to date when the change counter matches its "valid for" copy.
  if (pages === 0 || header.readUInt32BE(24) !== header.readUInt32BE(92)) return undefined;
  const expected = pages * pageSize;
  return expected > size ? `the file has ${size} bytes, its header says ${expected}` : undefined;
}

/** Exit 2 naming the file, with the commands that set it (and its -wal and -shm files) aside. */
export function damagedStoreError(file: string, why: string): CheckpointConfigError {
  const aside = join(dirname(file), `damaged-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-")}`);
  return new CheckpointConfigError(
    "damaged",
    `the embedded store ${file} is damaged (${why}); nothing more is written to it. ` +
      `Move it aside and the next run starts a new store: mkdir ${shellQuote(aside)} && mv ${shellQuote(file)}* ${shellQuote(aside)}/`,
  );
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
