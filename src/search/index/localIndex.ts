import { statSync } from "node:fs";
import type { LocalHit } from "../local/types.js";
import { createEmbedder, type Embedder } from "./embeddings.js";
import { indexPathFor } from "./location.js";
import { PersistentIndex } from "./query.js";

/** What the persistent index of a folder answered, or why it could not. */
export type IndexedSearch = { hits: LocalHit[]; note?: string } | { unavailable: string } | undefined;

type Opened = { index: PersistentIndex; mtimeMs: number; embedder?: Embedder };

/** Open indexes by file, reopened when `fanout index` has rewritten the file since. */
const opened = new Map<string, Opened>();

/**
 * Searches the folder's persistent index when `fanout index` built one:
 * undefined when there is none (or it is empty), `unavailable` with why when
 * it cannot be read, so the caller searches the folder itself. A query whose
 * embedding fails is ranked by keywords alone, and the note says so.
 */
export async function searchIndex(folder: string, query: string, maxResults: number): Promise<IndexedSearch> {
  const file = indexPathFor(folder);
  let entry: Opened | undefined;
  try {
    entry = openCurrent(file);
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
  if (!entry || entry.index.chunkCount === 0) return undefined;
  try {
    return { hits: await entry.index.search(query, maxResults, entry.embedder) };
  } catch (error) {
    if (!entry.embedder) return { unavailable: error instanceof Error ? error.message : String(error) };
    const reason = error instanceof Error ? error.message : String(error);
    return { hits: await entry.index.search(query, maxResults), note: `keyword ranking only: the query's embedding failed (${reason})` };
  }
}

/**
 * What a folder's usable index holds, for the progress output, e.g.
 * "10899 chunks, hybrid (openai:text-embedding-3-small)"; undefined when
 * there is no index a search would use (none, empty or damaged).
 */
export function describeFolderIndex(folder: string): string | undefined {
  let entry: Opened | undefined;
  try {
    entry = openCurrent(indexPathFor(folder));
  } catch {
    return undefined;
  }
  if (!entry || entry.index.chunkCount === 0) return undefined;
  const model = entry.index.embeddingModel;
  const ranking = model && entry.embedder ? `hybrid (${model})` : model ? `keyword only (${model} cannot be reached from here)` : "keyword only";
  return `${entry.index.chunkCount} chunks, ${ranking}`;
}

function openCurrent(file: string): Opened | undefined {
  const mtimeMs = statSync(file, { throwIfNoEntry: false })?.mtimeMs;
  const cached = opened.get(file);
  if (cached && cached.mtimeMs === mtimeMs) return cached;
  cached?.index.close();
  opened.delete(file);
  if (mtimeMs === undefined) return undefined;
  const index = PersistentIndex.open(file);
  if (!index) return undefined;
  const entry: Opened = { index, mtimeMs, embedder: index.embeddingModel ? tryEmbedder(index.embeddingModel) : undefined };
  opened.set(file, entry);
  return entry;
}

/** The embedder for the index's model, or none (keyword ranking) when it cannot be set up here. */
function tryEmbedder(model: string): Embedder | undefined {
  try {
    return createEmbedder(model);
  } catch {
    return undefined;
  }
}
