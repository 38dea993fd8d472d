import { z } from "zod";
import { ConfigurationError } from "../config.js";
import { limitedFetch } from "../limits/limitedFetch.js";
import { redactSecrets } from "../secrets.js";
import type { SearchBackend, SearchHit } from "./types.js";

const TAVILY_API_BASE_URL = "https://api.tavily.com";

/** The part of Tavily's search response Fanout reads, checked at the boundary. */
const TavilySearchResponse = z.object({
  results: z.array(
    z.object({
      url: z.string(),
      title: z.string().nullish(),
      content: z.string().nullish(),
      raw_content: z.string().nullish(),
    }),
  ),
});
type TavilySearchParams = { query: string; max_results: number; include_raw_content: "markdown"; topic: "general" };

/** Tavily's key and address from the environment; throws ConfigurationError without a key. */
function tavilyEndpoint(env: NodeJS.ProcessEnv): { apiKey: string; apiBaseUrl: string } {
  const apiKey = env.TAVILY_API_KEY?.trim();
  if (!apiKey) {
    throw new ConfigurationError("TAVILY_API_KEY is not set (needed for search_api=tavily); set it in the environment, or set search_api to local or none");
  }
  // TAVILY_API_BASE_URL reaches a proxy or a local test server instead of Tavily's own.
  return { apiKey, apiBaseUrl: env.TAVILY_API_BASE_URL?.trim() || TAVILY_API_BASE_URL };
}

/** Web search through Tavily's search API, with each page's full text. */
export function createTavilyBackend(env: NodeJS.ProcessEnv = process.env): SearchBackend {
  tavilyEndpoint(env); // a missing key fails when the tools are made, before any search
  return {
    toolName: "web_search",
    description: "Search the web. Give one or more focused queries; each returns pages with their titles, URLs and a summary of their content.",
    async search(query, maxResults) {
      const params: TavilySearchParams = { query, max_results: maxResults, include_raw_content: "markdown", topic: "general" };
      // Read on every search: the tool lives as long as the graph (a server's whole life), the key may change.
      const { apiBaseUrl, apiKey } = tavilyEndpoint(env);
      const response = await postSearch(apiBaseUrl, apiKey, params);
      return response.results.map((result): SearchHit => ({
        url: result.url,
        title: result.title ?? result.url,
        content: result.raw_content || result.content || "",
      }));
    },
  };
}

/** Tavily's requests share one lane, breaker and retry layer across the process. */
const searchFetch = limitedFetch("search:tavily");

/**
 * The request @langchain/tavily's wrapper sends, made here because that wrapper
 * console.logs every failed response to stdout, where the CLI writes the
 * report, and loses the status when an error body is not JSON.
 */
async function postSearch(apiBaseUrl: string, apiKey: string, params: TavilySearchParams): Promise<z.infer<typeof TavilySearchResponse>> {
  const response = await searchFetch(`${apiBaseUrl}/search`, {
    method: "POST",
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify(params),
  });
  // Some services echo the caller's key in their errors; this text reaches the model and the run's state.
  if (!response.ok) throw new Error(`Tavily error ${response.status}: ${redactSecrets(await errorDetail(response))}`);
  const parsed = TavilySearchResponse.safeParse(await response.json().catch(() => undefined));
  if (!parsed.success) throw new Error("Tavily returned a response without a results list");
  return parsed.data;
}

/** Tavily puts the reason in {detail:{error}}; anything else is shown as text, briefly. */
async function errorDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const detail = (JSON.parse(text) as { detail?: { error?: unknown } }).detail?.error;
    if (typeof detail === "string" && detail) return detail;
  } catch {
    // not JSON: fall through to the raw text
  }
  return text.trim().slice(0, 200) || response.statusText || "unknown error";
}
