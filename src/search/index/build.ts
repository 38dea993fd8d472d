import type Database from "better-sqlite3";
import { resolve } from "node:path";
import { cleanTitle } from "../../util/title.js";
import { loadDocument } from "../local/loader.js";
import { splitPassages } from "../local/passages.js";
import { type FileStat, MAX_FILE_BYTES, scanFolder } from "../local/scan.js";
import { type CorpusSummary, type SkipReason, summarise } from "../local/summary.js";
import { tokenize } from "../local/tokenize.js";
import type { Embedder } from "./embeddings.js";
import { indexPathFor } from "./location.js";
import { openIndexDatabase, readMeta, vectorToBlob, writeMeta } from "./store.js";

/** What `fanout index` did. */
export type IndexReport = {
  file: string;
  files: number;
  /** Files read this time: new or changed since the last index. */
  read: number;
  unchanged: number;
  removed: number;
  /** Files left out, by why. */
  skipped: CorpusSummary["skipped"];
  chunks: number;
  /** Chunks given an embedding this time. */
  embedded: number;
  embeddingModel?: string;
  /** Why the index is keyword-only although an embedding model was given. */
  embeddingFailure?: string;
};

/** Chunks embedded per request batch written at once, so a failure part-way keeps what was done. */
const EMBED_BATCH = 256;

/**
 * Builds or updates the persistent index of a folder. Only files added or
 * changed (mtime or size) since the last run are read again; removed files
 * leave it. With an embedder every chunk gets a vector (only new chunks are
 * embedded, unless the model changed); without one the index is keyword-only.
 * An embedding server that fails leaves a working keyword index and says why.
 */
export async function buildIndex(folder: string, options: { embedder?: Embedder; env?: NodeJS.ProcessEnv } = {}): Promise<IndexReport> {
  const root = resolve(folder);
  const stats = await scanFolder(root);
  const file = indexPathFor(root, options.env);
  const db = openIndexDatabase(file);
  try {
    writeMeta(db, "folder", root);
    const known = new Map((db.prepare("SELECT path, mtime_ms AS mtimeMs, size FROM files").all() as FileStat[]).map((row) => [row.path, row]));
    const present = new Set(stats.map((s) => s.path));
    const removed = [...known.keys()].filter((path) => !present.has(path));
    for (const path of removed) deleteFile(db, path);
    const changed = stats.filter((s) => {
      const old = known.get(s.path);
      return !old || old.mtimeMs !== s.mtimeMs || old.size !== s.size;
    });
    for (const stat of changed) writeFile(db, stat, await readChunks(stat));
    const report: IndexReport = {
      file,
      files: stats.length,
      read: changed.length,
      unchanged: stats.length - changed.length,
      removed: removed.length,
      skipped: countSkipped(db),
      chunks: db.prepare("SELECT count(*) FROM chunks").pluck().get() as number,
      embedded: 0,
    };
    await embedChunks(db, options.embedder, report);
    return report;
  } finally {
    db.close();
  }
}

type ReadFile = { title: string; chunks: string[] } | { skipped: SkipReason };

async function readChunks(stat: FileStat): Promise<ReadFile> {
  if (stat.size > MAX_FILE_BYTES) return { skipped: "too_large" };
  const loaded = await loadDocument(stat.path);
  if ("skipped" in loaded) return { skipped: loaded.skipped };
  const chunks = splitPassages(loaded.document.text);
  if (chunks.length === 0) return { skipped: "empty" };
  return { title: cleanTitle(loaded.document.title), chunks };
}

function deleteFile(db: Database.Database, path: string): void {
  db.prepare("DELETE FROM chunk_terms WHERE rowid IN (SELECT id FROM chunks WHERE path = ?)").run(path);
  db.prepare("DELETE FROM chunks WHERE path = ?").run(path);
  db.prepare("DELETE FROM files WHERE path = ?").run(path);
}

/** Replaces a file's rows in one transaction: an interrupted index never holds half a file. */
function writeFile(db: Database.Database, stat: FileStat, read: ReadFile): void {
  const insertChunk = db.prepare("INSERT INTO chunks (path, ordinal, text) VALUES (?, ?, ?)");
  const insertTerms = db.prepare("INSERT INTO chunk_terms (rowid, terms) VALUES (?, ?)");
  db.transaction(() => {
    deleteFile(db, stat.path);
    const title = "title" in read ? read.title : "";
    db.prepare("INSERT INTO files (path, mtime_ms, size, title, skipped) VALUES (?, ?, ?, ?, ?)").run(
      stat.path,
      stat.mtimeMs,
      stat.size,
      title,
      "skipped" in read ? read.skipped : null,
    );
    if (!("chunks" in read)) return;
    const titleTerms = tokenize(title).join(" ");
    read.chunks.forEach((chunk, ordinal) => {
      const { lastInsertRowid } = insertChunk.run(stat.path, ordinal, chunk);
      // The title's words count in every chunk of the file, as in the in-memory search.
      insertTerms.run(lastInsertRowid, `${titleTerms} ${tokenize(chunk).join(" ")}`);
    });
  })();
}

function countSkipped(db: Database.Database): CorpusSummary["skipped"] {
  const reasons = db.prepare("SELECT skipped FROM files WHERE skipped IS NOT NULL").pluck().all() as SkipReason[];
  return summarise(0, reasons).skipped;
}

async function embedChunks(db: Database.Database, embedder: Embedder | undefined, report: IndexReport): Promise<void> {
  if (!embedder) {
    // Keyword-only: vectors of an earlier model would cover only some chunks from now on.
    db.exec("UPDATE chunks SET embedding = NULL");
    db.prepare("DELETE FROM meta WHERE key = 'embedding_model'").run();
    return;
  }
  if (readMeta(db, "embedding_model") !== embedder.model) {
    db.exec("UPDATE chunks SET embedding = NULL");
    writeMeta(db, "embedding_model", embedder.model);
  }
  report.embeddingModel = embedder.model;
  const pending = db.prepare("SELECT id, text FROM chunks WHERE embedding IS NULL ORDER BY id").all() as { id: number; text: string }[];
  const update = db.prepare("UPDATE chunks SET embedding = ? WHERE id = ?");
  for (let start = 0; start < pending.length; start += EMBED_BATCH) {
    const batch = pending.slice(start, start + EMBED_BATCH);
    let vectors: number[][];
    try {
      vectors = await embedder.embed(batch.map((chunk) => chunk.text));
    } catch (error) {
      report.embeddingFailure = error instanceof Error ? error.message : String(error);
      return;
    }
    db.transaction(() => batch.forEach((chunk, i) => update.run(vectorToBlob(vectors[i]), chunk.id)))();
    report.embedded += batch.length;
  }
}
