// Public shapes of the local document search.
import type { FolderCheck } from "./cache.js";
import type { CorpusSummary } from "./summary.js";

/** One matching document: its best passages, ready to hand to a summariser. */
export interface LocalHit {
  /** `file://` URL of the document (percent-encoded, from `pathToFileURL`). */
  url: string;
  title: string;
  /** The best 1–3 passages of the document, in document order. */
  content: string;
  /** Best passage score (BM25); only comparable within one query. */
  score: number;
  /** Absolute file path. */
  path: string;
}

export interface LocalSearchOptions {
  /** Documents to return (default 5). */
  maxResults?: number;
}

export interface LocalSearch {
  /** Absolute path of the folder searched. */
  readonly folder: string;
  /** Rank the folder's documents for a query; throws `LocalCorpusError` for a missing or empty folder. */
  search(query: string, opts?: LocalSearchOptions): Promise<LocalHit[]>;
  /** Number of indexed documents (builds or refreshes the index first). */
  documentCount(): Promise<number>;
  /** Files indexed and files skipped, by reason (builds or refreshes the index first). */
  summary(): Promise<CorpusSummary>;
  /** Files indexed and skipped as of the last search; undefined before any (reads nothing). */
  indexedSummary(): CorpusSummary | undefined;
  /** Checks the folder by a stat scan alone (no file is read); throws what a search would for a missing or empty folder. */
  check(): Promise<FolderCheck>;
}
