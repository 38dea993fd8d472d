import type { SearchBackend, SearchHit } from "../search/types.js";
import { limitSettings } from "./settings.js";
import { countCacheLookup } from "./usage.js";

/** Queries remembered at most; the oldest go first. */
const MAX_ENTRIES = 2_000;

type Entry = { hits: SearchHit[]; expires: number };

const entries = new Map<string, Entry>();

/**
 * The backend with its results remembered for search_cache_ttl_seconds (0 = not at all), shared
 * by every run in the process: researchers often ask the same query, and a resumed unit asks again.
 * Failures are never remembered. Entries are kept per provider, so a fallback list asks the next one afresh.
 */
export function withSearchCache(backend: SearchBackend, provider: string): SearchBackend {
  return {
    ...backend,
    async search(query, maxResults) {
      const ttlMs = limitSettings().search_cache_ttl_seconds * 1000;
      if (ttlMs <= 0) return backend.search(query, maxResults);
      const key = JSON.stringify([provider, query.trim().toLowerCase(), maxResults]);
      const entry = entries.get(key);
      const hit = entry !== undefined && entry.expires > Date.now();
      countCacheLookup("search", hit);
      if (hit) return entry.hits.map((result) => ({ ...result }));
      const hits = await backend.search(query, maxResults);
      entries.delete(key);
      entries.set(key, { hits, expires: Date.now() + ttlMs });
      if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      return hits;
    },
  };
}

/** Forgets every remembered search (tests). */
export function clearSearchCache(): void {
  entries.clear();
}
