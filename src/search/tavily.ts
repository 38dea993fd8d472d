import { TavilySearchAPIWrapper } from "@langchain/tavily";
import { ConfigurationError } from "../config.js";
import type { SearchBackend, SearchHit } from "./types.js";

/** Web search through the LangChain Tavily integration, with each page's full text. */
export function createTavilyBackend(env: NodeJS.ProcessEnv = process.env): SearchBackend {
  const tavilyApiKey = env.TAVILY_API_KEY?.trim();
  if (!tavilyApiKey) {
    throw new ConfigurationError("TAVILY_API_KEY is not set (needed for search_api=tavily); set it, or use --set search_api=local");
  }
  // TAVILY_API_BASE_URL reaches a proxy or a local test server instead of Tavily's own.
  const apiBaseUrl = env.TAVILY_API_BASE_URL?.trim() || undefined;
  const wrapper = new TavilySearchAPIWrapper({ tavilyApiKey, ...(apiBaseUrl ? { apiBaseUrl } : {}) });
  return {
    toolName: "web_search",
    description:
      "Search the web. Give one or more focused queries; each returns pages with their titles, URLs and a summary of their content.",
    async search(query, maxResults) {
      const response = await wrapper.rawResults({ query, maxResults, includeRawContent: "markdown", topic: "general" });
      return response.results.map(
        (result): SearchHit => ({
          url: result.url,
          title: result.title ?? result.url,
          content: result.raw_content || result.content || "",
        }),
      );
    },
  };
}
