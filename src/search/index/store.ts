import Database from "better-sqlite3";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";

/** Bumped when the tables change; an index of another version is rebuilt whole. */
export const INDEX_VERSION = "1";

/** One chunk as stored: its document, place in it, text, and embedding (if any). */
export type ChunkRow = { id: number; path: string; ordinal: number; title: string; text: string; embedding: Buffer | null };

/** An index file that cannot be read; its message says so and how to rebuild. */
export class IndexDamagedError extends Error {
  constructor(file: string, cause: unknown) {
    super(`the search index ${file} is damaged (${cause instanceof Error ? cause.message : String(cause)}); rebuild it with fanout index <folder>`, { cause });
    this.name = "IndexDamagedError";
  }
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
  path TEXT PRIMARY KEY, mtime_ms REAL NOT NULL, size INTEGER NOT NULL, title TEXT NOT NULL DEFAULT '', skipped TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
  id INTEGER PRIMARY KEY, path TEXT NOT NULL REFERENCES files(path) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL, text TEXT NOT NULL, embedding BLOB
);
CREATE INDEX IF NOT EXISTS chunks_by_path ON chunks(path);
-- Keyword side: FTS5 over the project's own tokens (stemmed, stopwords dropped), ranked by bm25().
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_terms USING fts5(terms, tokenize = 'unicode61 remove_diacritics 2');
`;

/**
 * Opens (or creates) an index file. `readonly` opens an existing one only.
 * Throws IndexDamagedError when the file is not a usable index.
 */
export function openIndexDatabase(file: string, options: { readonly?: boolean } = {}): Database.Database {
  if (!options.readonly) mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
    db.pragma("foreign_keys = ON");
    if (!options.readonly) {
      db.pragma("journal_mode = WAL");
      db.exec(SCHEMA);
      const version = db.prepare("SELECT value FROM meta WHERE key = 'version'").pluck().get() as string | undefined;
      if (version !== undefined && version !== INDEX_VERSION) {
        db.exec("DELETE FROM chunk_terms; DELETE FROM chunks; DELETE FROM files; DELETE FROM meta;");
      }
      db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?)").run(INDEX_VERSION);
    } else {
      // Reading the tables proves the file is an index, not merely SQLite.
      db.prepare("SELECT count(*) FROM chunks").get();
      db.prepare("SELECT count(*) FROM chunk_terms").get();
    }
    return db;
  } catch (error) {
    db?.close();
    throw new IndexDamagedError(file, error);
  }
}

export function readMeta(db: Database.Database, key: string): string | undefined {
  return db.prepare("SELECT value FROM meta WHERE key = ?").pluck().get(key) as string | undefined;
}

export function writeMeta(db: Database.Database, key: string, value: string): void {
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(key, value);
}

/** Float32 vectors as stored: little-endian bytes. */
export function vectorToBlob(vector: number[]): Buffer {
  return Buffer.from(new Float32Array(vector).buffer);
}
