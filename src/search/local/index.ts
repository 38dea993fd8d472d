/**
 * Local document search: BM25 over passages of a folder of .md/.markdown/.txt/.html/.htm files.
 *
 *   const local = createLocalSearch("/data/notes");
 *   const hits = await local.search("tidal energy", { maxResults: 5 });
 */
import { resolve } from "node:path";
import { checkCorpusFolder, getCorpusIndex, getCorpusSummary, indexedCorpusSummary } from "./cache.js";
import { groupHits } from "./hits.js";
import type { LocalHit, LocalSearch, LocalSearchOptions } from "./types.js";

export { LocalCorpusError } from "./errors.js";
export { describeCorpus } from "./summary.js";

const DEFAULT_MAX_RESULTS = 5;

function clampResults(requested: number | undefined): number {
  if (requested === undefined || !Number.isFinite(requested)) return DEFAULT_MAX_RESULTS;
  return Math.max(1, Math.floor(requested));
}

/** Cheap: nothing is read until the first search; indexes are shared per absolute folder path. */
export function createLocalSearch(folder: string): LocalSearch {
  const absolute = folder.trim() ? resolve(folder) : "";
  return {
    folder: absolute,
    async search(query: string, opts: LocalSearchOptions = {}): Promise<LocalHit[]> {
      const index = await getCorpusIndex(absolute);
      const maxResults = clampResults(opts.maxResults);
      return groupHits(index, index.rankPassages(query), maxResults);
    },
    async documentCount(): Promise<number> {
      return (await getCorpusIndex(absolute)).documents.length;
    },
    summary: () => getCorpusSummary(absolute),
    indexedSummary: () => indexedCorpusSummary(absolute),
    check: () => checkCorpusFolder(absolute),
  };
}
