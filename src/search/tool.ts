import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";
import type { Configuration } from "../config.js";
import { withSearchCache } from "../limits/searchCache.js";
import { createLocalBackend } from "./localBackend.js";
import { searchAndSummarise } from "./pipeline.js";
import { summaryDeadline } from "./summarise.js";
import { createTavilyBackend } from "./tavily.js";
import type { SearchBackend } from "./types.js";

export const SearchArgs = z.object({
  queries: z.array(z.string().min(1)).min(1).max(5).describe("One to five search queries, each focused on one thing"),
});

/** The backend `search_api` names, or undefined for `none`. Throws ConfigurationError when it cannot work. */
export function createSearchBackend(configuration: Configuration): SearchBackend | undefined {
  const backend = searchBackendFor(configuration);
  return backend && withSearchCache(backend);
}

function searchBackendFor(configuration: Configuration): SearchBackend | undefined {
  switch (configuration.search_api) {
    case "tavily":
      return createTavilyBackend();
    case "local":
      return createLocalBackend(configuration.local_corpus_path);
    case "none":
      return undefined;
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
