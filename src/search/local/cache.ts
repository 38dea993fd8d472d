import { resolve } from "node:path";
import pLimit from "p-limit";
import { CorpusIndex, type PreparedDocument, prepareDocument } from "./corpus.js";
import { LocalCorpusError } from "./errors.js";
import { loadDocument } from "./loader.js";
import { type FileStat, scanFolder } from "./scan.js";

interface FileEntry {
  mtimeMs: number;
  size: number;
  document: PreparedDocument | null;
}

interface FolderState {
  files: Map<string, FileEntry>;
  signature: string;
  index: CorpusIndex | null;
  /** Refreshes of one folder run one at a time, so concurrent searches never build twice. */
  queue: Promise<unknown>;
  /** A refresh queued but not started yet: it will see every change made before it starts. */
  waiting: Promise<CorpusIndex> | null;
}

/** HTML conversion is CPU-bound; a little concurrency only overlaps the file reads. */
const LOAD_CONCURRENCY = 8;

/**
 * One index per absolute folder path, kept for the life of the process. Every
 * lookup re-runs the cheap stat scan; the index is rebuilt only when a file was
 * added, removed, or changed mtime/size, and then only changed files are re-read.
 */
const folders = new Map<string, FolderState>();

/** The up-to-date index of a folder; throws `LocalCorpusError` when it is missing or has no documents. */
export function getCorpusIndex(folder: string): Promise<CorpusIndex> {
  if (!folder.trim()) return Promise.reject(new LocalCorpusError(folder, "not_configured"));
  const root = resolve(folder);
  let state = folders.get(root);
  if (!state) {
    state = { files: new Map(), signature: "", index: null, queue: Promise.resolve(), waiting: null };
    folders.set(root, state);
  }
  const current = state;
  // Parallel searches (one per research unit) join the pending refresh instead of each scanning.
  if (current.waiting) return current.waiting;
  const run = current.queue.then(() => {
    current.waiting = null;
    return refresh(root, current);
  });
  current.waiting = run;
  current.queue = run.catch(() => undefined);
  return run;
}

async function refresh(root: string, state: FolderState): Promise<CorpusIndex> {
  const stats = await scanFolder(root);
  const signature = stats.map((s) => `${s.path}\0${s.mtimeMs}\0${s.size}`).join("\n");
  if (signature === state.signature && state.index) return state.index;
  if (signature !== state.signature) {
    state.files = await loadChanged(stats, state.files);
    state.signature = signature;
  }
  const documents = stats.map((s) => state.files.get(s.path)?.document).filter((d): d is PreparedDocument => !!d);
  state.index = documents.length > 0 ? new CorpusIndex(documents) : null;
  if (!state.index) throw new LocalCorpusError(root, "empty");
  return state.index;
}

async function loadChanged(stats: readonly FileStat[], previous: ReadonlyMap<string, FileEntry>): Promise<Map<string, FileEntry>> {
  const limit = pLimit(LOAD_CONCURRENCY);
  const entries = await Promise.all(
    stats.map((s) =>
      limit(async (): Promise<[string, FileEntry]> => {
        const old = previous.get(s.path);
        if (old && old.mtimeMs === s.mtimeMs && old.size === s.size) return [s.path, old];
        const source = await loadDocument(s.path);
        return [s.path, { mtimeMs: s.mtimeMs, size: s.size, document: source ? prepareDocument(source) : null }];
      }),
    ),
  );
  return new Map(entries);
}
