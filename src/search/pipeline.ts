import pLimit from "p-limit";
import type { Configuration } from "../config.js";
import type { Source } from "../state.js";
import { cleanTitle } from "../util/title.js";
import { summarisePage } from "./summarise.js";
import type { SearchBackend, SearchHit } from "./types.js";

export type SearchResult = { content: string; sources: Source[] };

/** Keeps the first hit for each URL, in rank order; a later hit with more text lends it its text. */
export function dedupeByUrl(hits: SearchHit[]): SearchHit[] {
  const byUrl = new Map<string, SearchHit>();
  for (const hit of hits) {
    const seen = byUrl.get(hit.url);
    if (!seen) byUrl.set(hit.url, { ...hit });
    else if (hit.content.length > seen.content.length) seen.content = hit.content;
  }
  return [...byUrl.values()];
}

/**
 * Runs every query at once, merges the hits by URL, summarises the pages
 * concurrently (bounded), and formats one text for the researcher.
 * A query that fails is reported in the text; only all failing is an error.
 * A summary not done by `summaryDeadline` gives way to the page's own text.
 */
export async function searchAndSummarise(
  queries: string[],
  backend: SearchBackend,
  configuration: Configuration,
  signal?: AbortSignal,
  summaryDeadline?: AbortSignal,
): Promise<SearchResult> {
  const settled = await Promise.allSettled(queries.map((query) => backend.search(query, configuration.max_search_results)));
  const failures = settled.flatMap((outcome, index) => (outcome.status === "rejected" ? [{ query: queries[index], reason: errorText(outcome.reason) }] : []));
  if (failures.length === queries.length) throw new Error(`every query failed: ${describeFailures(failures)}`);
  const hits = dedupeByUrl(settled.flatMap((outcome) => (outcome.status === "fulfilled" ? outcome.value : []))).map((hit): SearchHit => ({
    ...hit,
    title: cleanTitle(hit.title) || hit.url,
  }));
  const limit = pLimit(configuration.max_concurrent_summaries);
  const summaries = await Promise.all(hits.map((hit) => limit(() => summarisePage(hit.content, configuration, signal, summaryDeadline))));
  return {
    content: formatResults(hits, summaries, failures),
    sources: hits.map((hit) => ({ url: hit.url, title: hit.title })),
  };
}

type QueryFailure = { query: string; reason: string };

/**
 * The causes first, each with the queries it hit: "Tavily error 401: … (for "a", "b")".
 * A cause after long queries would be cut from a progress line.
 */
function describeFailures(failures: QueryFailure[]): string {
  const byReason = new Map<string, string[]>();
  for (const { query, reason } of failures) byReason.set(reason, [...(byReason.get(reason) ?? []), `"${query}"`]);
  return [...byReason].map(([reason, queries]) => `${reason} (for ${queries.join(", ")})`).join("; ");
}

function formatResults(hits: SearchHit[], summaries: string[], failures: QueryFailure[]): string {
  if (hits.length === 0) return "No results. Try broader or different queries.";
  const blocks = hits.map((hit, index) => `--- Source ${index + 1}: ${hit.title}\nURL: ${hit.url}\n\n${summaries[index]}`);
  const answeredBy = [...new Set(hits.flatMap((hit) => hit.answeredBy ?? []))];
  if (answeredBy.length > 0) blocks.push(`(Answered by ${answeredBy.join(" | ")})`);
  if (failures.length > 0) blocks.push(`(Some queries failed: ${describeFailures(failures)})`);
  return blocks.join("\n\n");
}

function errorText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
