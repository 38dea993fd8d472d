import { resolve } from "node:path";
import pLimit from "p-limit";
import { CorpusIndex, type PreparedDocument, prepareDocument } from "./corpus.js";
import { LocalCorpusError } from "./errors.js";
import { loadDocument } from "./loader.js";
import { type FileStat, MAX_FILE_BYTES, scanFolder } from "./scan.js";
import { type CorpusSummary, describeSkipped, type SkipReason, summarise } from "./summary.js";

interface FileEntry {
  mtimeMs: number;
  size: number;
  document: PreparedDocument | null;
  /** Why there is no document. */
  skipped?: SkipReason;
}

interface FolderState {
  files: Map<string, FileEntry>;
  signature: string;
  index: CorpusIndex | null;
  summary: CorpusSummary;
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

/** What a folder holds by its file names and sizes alone: files to read, and files over the size cap. */
export interface FolderCheck {
  files: number;
  tooLarge: number;
}

/** Files read and converted by this process so far, for tests that check start-up reads none. */
let filesRead = 0;

/** How many corpus files this process has read and converted (every folder, since start). */
export function corpusFilesRead(): number {
  return filesRead;
}

/** The folder's summary if a search has already indexed it, else undefined (nothing is read). */
export function indexedCorpusSummary(folder: string): CorpusSummary | undefined {
  const state = folder.trim() ? folders.get(resolve(folder)) : undefined;
  return state?.index ? state.summary : undefined;
}

/**
 * Checks a folder can be searched without reading any file: it exists and holds candidate
 * files under the size cap. Throws the `LocalCorpusError` a search would (missing, not a
 * folder, too many files, empty); binary or blank files are only found on the first search.
 */
export async function checkCorpusFolder(folder: string): Promise<FolderCheck> {
  if (!folder.trim()) throw new LocalCorpusError(folder, "not_configured");
  const root = resolve(folder);
  const stats = await scanFolder(root);
  const tooLarge = stats.filter((s) => s.size > MAX_FILE_BYTES).length;
  const check = { files: stats.length - tooLarge, tooLarge };
  if (check.files === 0) throw new LocalCorpusError(root, "empty", { skipped: describeSkipped(summarise(0, Array<SkipReason>(tooLarge).fill("too_large"))) });
  return check;
}

/** The up-to-date index of a folder; throws `LocalCorpusError` when it is missing or has no documents. */
export function getCorpusIndex(folder: string): Promise<CorpusIndex> {
  if (!folder.trim()) return Promise.reject(new LocalCorpusError(folder, "not_configured"));
  const root = resolve(folder);
  let state = folders.get(root);
  if (!state) {
    state = { files: new Map(), signature: "", index: null, summary: summarise(0, []), queue: Promise.resolve(), waiting: null };
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

/** How many files of a folder are indexed and how many were skipped, and why (refreshes the index first). */
export async function getCorpusSummary(folder: string): Promise<CorpusSummary> {
  await getCorpusIndex(folder);
  return folders.get(resolve(folder))!.summary;
}

async function refresh(root: string, state: FolderState): Promise<CorpusIndex> {
  const stats = await scanFolder(root);
  const signature = stats.map((s) => `${s.path}\0${s.mtimeMs}\0${s.size}`).join("\n");
  if (signature === state.signature && state.index) return state.index;
  if (signature !== state.signature) {
    state.files = await loadChanged(stats, state.files);
    state.signature = signature;
  }
  const entries = stats.map((s) => state.files.get(s.path)!);
  const documents = entries.map((entry) => entry.document).filter((d): d is PreparedDocument => !!d);
  state.summary = summarise(
    documents.length,
    entries.flatMap((entry) => (entry.skipped ? [entry.skipped] : [])),
  );
  state.index = documents.length > 0 ? new CorpusIndex(documents) : null;
  if (!state.index) throw new LocalCorpusError(root, "empty", { skipped: describeSkipped(state.summary) });
  return state.index;
}

async function loadChanged(stats: readonly FileStat[], previous: ReadonlyMap<string, FileEntry>): Promise<Map<string, FileEntry>> {
  const limit = pLimit(LOAD_CONCURRENCY);
  const entries = await Promise.all(
    stats.map((s) =>
      limit(async (): Promise<[string, FileEntry]> => {
        const old = previous.get(s.path);
        if (old && old.mtimeMs === s.mtimeMs && old.size === s.size) return [s.path, old];
        return [s.path, { mtimeMs: s.mtimeMs, size: s.size, ...(await loadEntry(s)) }];
      }),
    ),
  );
  return new Map(entries);
}

/** A file's document, or why it has none; files over the size cap are not read at all. */
async function loadEntry(file: FileStat): Promise<Pick<FileEntry, "document" | "skipped">> {
  if (file.size > MAX_FILE_BYTES) return { document: null, skipped: "too_large" };
  filesRead += 1;
  const loaded = await loadDocument(file.path);
  if ("skipped" in loaded) return { document: null, skipped: loaded.skipped };
  const document = prepareDocument(loaded.document);
  return document ? { document } : { document: null, skipped: "empty" };
}
