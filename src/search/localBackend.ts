import path from "node:path";
import { ConfigurationError } from "../config.js";
import { searchIndex } from "./index/localIndex.js";
import { createLocalSearch } from "./local/index.js";
import type { SearchBackend } from "./types.js";

/** Search over a folder of documents; each hit carries its file:// URL so reports can cite it. */
export function createLocalBackend(corpusPath: string): SearchBackend {
  if (!corpusPath.trim()) {
    throw new ConfigurationError("local_corpus_path is empty (needed for search_api=local); give a folder of .md/.txt/.html files");
  }
  const local = createLocalSearch(path.resolve(corpusPath));
  return {
    toolName: "local_search",
    description:
      "Search the local document collection. Give one or more focused keyword queries; each returns the best matching documents with their titles, file URLs and text.",
    async search(query, maxResults) {
      // The index `fanout index` built, when there is one; else the folder itself.
      const indexed = await searchIndex(local.folder, query, maxResults);
      if (indexed && "hits" in indexed)
        return indexed.hits.map(({ url, title, content }) => ({ url, title, content, answeredBy: indexed.note && `local index (${indexed.note})` }));
      const hits = await local.search(query, { maxResults });
      const answeredBy = indexed ? `local folder search (${indexed.unavailable})` : undefined;
      return hits.map(({ url, title, content }) => ({ url, title, content, answeredBy }));
    },
  };
}
