import { z } from "zod";
import { ConfigurationError } from "../config.js";
import { redactSecrets } from "../secrets.js";
import { shownUrl, unreachableReason } from "../util/network.js";
import type { SearchBackend, SearchHit } from "./types.js";
import { limitedFetch } from "../limits/limitedFetch.js";

/** How long one SearXNG query may take: short enough that a fallback provider still has time. */
const SEARXNG_TIMEOUT_MS = 15_000;

/** The part of SearXNG's JSON answer (`/search?format=json`) Fanout reads, checked at the boundary. */
const SearxngResponse = z.object({
  results: z.array(
    z.object({
      url: z.string(),
      title: z.string().nullish(),
      content: z.string().nullish(),
    }),
  ),
  unresponsive_engines: z.array(z.tuple([z.string(), z.string()]).or(z.array(z.string()))).nullish(),
});

/**
 * Web search through a SearXNG instance's JSON API. SearXNG gives snippets,
 * not pages: a researcher reads a promising result in full with fetch_url.
 */
export function createSearxngBackend(searxngUrl: string): SearchBackend {
  const base = parseBase(searxngUrl);
  return {
    toolName: "web_search",
    description: "Search the web. Give one or more focused queries; each returns pages with their titles, URLs and a snippet of their content.",
    async search(query, maxResults) {
      const url = new URL("search", base);
      url.search = new URLSearchParams({ q: query, format: "json", pageno: "1" }).toString();
      const response = await get(url);
      if (!response.ok) throw new Error(await describeRefusal(response, base));
      const parsed = SearxngResponse.safeParse(await response.json().catch(() => undefined));
      if (!parsed.success) throw new Error(`SearXNG at ${shownUrl(base.href)} did not answer with its JSON results (is format=json enabled?)`);
      const { results, unresponsive_engines: silent } = parsed.data;
      // No results because every engine failed is a failure (so a fallback can answer), not an empty search.
      if (results.length === 0 && silent && silent.length > 0) {
        throw new Error(`SearXNG's engines did not answer: ${silent.map((engine) => engine.join(" ")).join(", ")}`);
      }
      return results.slice(0, maxResults).map((result): SearchHit => ({ url: result.url, title: result.title || result.url, content: result.content ?? "" }));
    },
  };
}

function parseBase(searxngUrl: string): URL {
  const trimmed = searxngUrl.trim();
  if (!trimmed) throw new ConfigurationError("searxng_url is empty (needed for search_api=searxng); give the base URL of a SearXNG instance, e.g. http://localhost:8888");
  try {
    const url = new URL(trimmed.endsWith("/") ? trimmed : `${trimmed}/`);
    if (url.protocol === "http:" || url.protocol === "https:") return url;
  } catch {
    // reported below
  }
  throw new ConfigurationError(`searxng_url is not an http(s) URL: ${JSON.stringify(shownUrl(trimmed))}`);
}

/** SearXNG's requests share one lane, breaker and retry layer across the process, as Tavily's do. */
const searxngFetch = limitedFetch("search:searxng");

async function get(url: URL): Promise<Response> {
  try {
    return await searxngFetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(SEARXNG_TIMEOUT_MS) });
  } catch (error) {
    const where = shownUrl(url.origin);
    if (error instanceof Error && error.name === "TimeoutError") throw new Error(`SearXNG at ${where} did not answer within ${SEARXNG_TIMEOUT_MS / 1000} s`);
    throw new Error(`cannot reach SearXNG at ${where} (${unreachableReason(error) ?? (error instanceof Error ? error.message : String(error))})`);
  }
}

/** SearXNG answers 403 when its JSON format is off and 429 when its limiter refuses. */
async function describeRefusal(response: Response, base: URL): Promise<string> {
  const body = redactSecrets(
    (await response.text().catch(() => ""))
      .replace(/<[^>]*>/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 200),
  );
  if (response.status === 403) return `SearXNG error 403 at ${shownUrl(base.href)}: its JSON API is off; add json to search.formats in its settings.yml`;
  if (response.status === 429) return `SearXNG error 429: rate limited by the instance's limiter${body ? ` (${body})` : ""}`;
  return `SearXNG error ${response.status}: ${body || response.statusText || "unknown error"}`;
}
