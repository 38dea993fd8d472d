import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";
import { searchProviders, type Configuration, type SearchProvider } from "../config.js";
import { createFallbackBackend } from "./fallback.js";
import { withSearchCache } from "../limits/searchCache.js";
import { createLocalBackend } from "./localBackend.js";
import { searchAndSummarise } from "./pipeline.js";
import { summaryDeadline } from "./summarise.js";
import { createSearxngBackend } from "./searxng.js";
import { createTavilyBackend } from "./tavily.js";
import type { SearchBackend } from "./types.js";

export const SearchArgs = z.object({
  queries: z.array(z.string().min(1)).min(1).max(5).describe("One to five search queries, each focused on one thing"),
});

/**
 * The backend `search_api` names, or undefined for `none`; a list becomes one
 * backend that falls back along it. Throws ConfigurationError when one cannot work.
 */
export function createSearchBackend(configuration: Configuration): SearchBackend | undefined {
  const providers = searchProviders(configuration.search_api).filter((provider) => provider !== "none");
  if (providers.length === 0) return undefined;
  if (providers.length === 1) return createProviderBackend(providers[0], configuration);
  return createFallbackBackend(providers.map((provider) => ({ provider, backend: createProviderBackend(provider, configuration) })));
}

/** One provider's backend. */
export function createProviderBackend(provider: Exclude<SearchProvider, "none">, configuration: Configuration): SearchBackend {
  switch (provider) {
    // Web results are remembered for search_cache_ttl_seconds; a local folder is searched afresh.
    case "tavily":
      return withSearchCache(createTavilyBackend(), provider);
    case "searxng":
      return withSearchCache(createSearxngBackend(configuration.searxng_url), provider);
    case "local":
      return createLocalBackend(configuration.local_corpus_path);
  }
}

/** The tools createSearchTool made, told apart from extra tools that may share a name. */
const searchTools = new WeakSet<StructuredToolInterface>();

/**
 * The researcher's search tool. It answers with formatted text for the model
 * and, as its artifact, the sources it retrieved, which researcher_tools puts
 * in state: the only URLs a report may cite. Its page summaries must be done
 * within a share of tool_timeout_seconds from the call's start, so a slow
 * summariser costs summaries, never the search.
 */
export function createSearchTool(backend: SearchBackend, configuration: Configuration): StructuredToolInterface {
  const search = tool(
    async ({ queries }, runConfig) => {
      const deadline = summaryDeadline(configuration);
      const result = await searchAndSummarise(queries, backend, configuration, runConfig?.signal, deadline);
      return [result.content, result.sources];
    },
    {
      name: backend.toolName,
      description: backend.description,
      schema: SearchArgs,
      responseFormat: "content_and_artifact",
    },
  );
  searchTools.add(search);
  return search;
}

/** Whether createSearchTool made this tool: its calls count towards the run's search tally. */
export function isSearchTool(candidate: StructuredToolInterface | undefined): boolean {
  return candidate !== undefined && searchTools.has(candidate);
}
