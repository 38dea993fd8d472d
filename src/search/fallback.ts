import type { SearchBackend, SearchHit } from "./types.js";

/** A backend with the name of the provider behind it, e.g. tavily. */
export type NamedBackend = { provider: string; backend: SearchBackend };

/**
 * search_api as an ordered list: each query goes to the first provider; when
 * it fails (an error, a rate limit, a timeout) the next one answers, and so on.
 * Each hit says which provider answered and which failed before it, so the
 * researcher's tool message says so. Only all failing is an error, naming each cause.
 */
export function createFallbackBackend(providers: NamedBackend[]): SearchBackend {
  const [first] = providers;
  return {
    toolName: first.backend.toolName,
    description: first.backend.description,
    async search(query, maxResults) {
      const failures: string[] = [];
      for (const { provider, backend } of providers) {
        try {
          const hits = await backend.search(query, maxResults);
          const answeredBy = failures.length > 0 ? `${provider}, after ${failures.join("; ")}` : provider;
          return hits.map((hit): SearchHit => ({ ...hit, answeredBy }));
        } catch (error) {
          failures.push(`${provider} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      throw new Error(`every search provider failed: ${failures.join("; ")}`);
    },
  };
}
