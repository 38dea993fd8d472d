/**
 * Stand-in server (a test tool): a fake Tavily search endpoint, POST /tavily/search, so the
 * real @langchain/tavily client runs offline. Its results are made up from the query alone,
 * deterministically: never real pages. Errors use Tavily's `{detail:{error}}` body, which is
 * what the client reads its message from.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { HttpError, parseJson, readBody, sendJson } from "./http.js";
import { describeIssues } from "./request.js";
import type { Counters } from "./stats.js";
import type { TavilyCall, TavilyResult } from "./types.js";

const SearchBody = z.looseObject({
  query: z.string().trim().min(1),
  max_results: z.number().int().min(0).max(20).default(5),
  include_raw_content: z.union([z.boolean(), z.enum(["markdown", "text"])]).default(false),
  api_key: z.string().optional(),
});

/** Every odd-numbered result gets a page this long or longer, so it is worth summarising. */
export const LONG_PAGE_CHARACTERS = 2_400;

export function slugOf(query: string): string {
  const slug = query
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 48)
    .replace(/^-+|-+$/g, "");
  return slug || "query";
}

function sendDetail(res: ServerResponse, status: number, error: string): void {
  sendJson(res, status, { detail: { error } });
}

/** The key from `Authorization: Bearer …` (what the LangChain client sends) or the body's api_key. */
function apiKeyOf(req: IncomingMessage, body: unknown): string {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
  if (bearer) return bearer;
  const fromBody = (body as { api_key?: unknown } | null)?.api_key;
  return typeof fromBody === "string" ? fromBody.trim() : "";
}

function paragraph(query: string, n: number, index: number): string {
  return [
    `Section ${index + 1} of source ${n} looks at ${query} in some detail.`,
    `It reports that the main finding on ${query} held in ${2000 + n + index} across several independent measurements.`,
    `Critics quoted in part ${index + 1} argue that the evidence on ${query} is thinner than it first appears.`,
    `The authors of source ${n} conclude this section by listing open questions for further work.`,
  ].join(" ");
}

/** A few paragraphs; odd-numbered results are long (over LONG_PAGE_CHARACTERS), even ones short. */
export function pageFor(query: string, n: number): string {
  const paragraphs: string[] = [];
  const long = n % 2 === 1;
  for (let i = 0; long ? paragraphs.join("\n\n").length < LONG_PAGE_CHARACTERS : i < 2; i += 1) paragraphs.push(paragraph(query, n, i));
  return paragraphs.join("\n\n");
}

/** The results a query gets: the same query always gets the same results. */
export function resultsFor(query: string, maxResults: number, rawContent: boolean): TavilyResult[] {
  return Array.from({ length: maxResults }, (_, i) => {
    const n = i + 1;
    return {
      url: `https://example.test/${slugOf(query)}-${n}`,
      title: `${query} (source ${n})`,
      content: `Source ${n} on ${query}: a short snippet of what the page says.`,
      score: Math.round((1 - i / (maxResults + 1)) * 1000) / 1000,
      raw_content: rawContent ? pageFor(query, n) : null,
    };
  });
}

/** The endpoint and its state: calls seen, and queries scripted to fail. */
export class FakeTavily {
  private log: TavilyCall[] = [];
  private failures = new Map<string, number>();
  private keysRejected = false;

  constructor(private readonly counters: Counters) {}

  /** Every later search for exactly this query gets `status`, until reset. */
  failQuery(query: string, status: number): void {
    this.failures.set(query.trim(), status);
  }

  /** Every later search gets a 401 echoing the caller's key, until reset. */
  rejectKeys(): void {
    this.keysRejected = true;
  }

  calls(): TavilyCall[] {
    return this.log.map((call) => ({ ...call, urls: [...call.urls] }));
  }

  reset(): void {
    this.log = [];
    this.failures.clear();
    this.keysRejected = false;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.countTavily();
    try {
      const raw = parseJson(await readBody(req));
      const apiKey = apiKeyOf(req, raw);
      if (!apiKey) return sendDetail(res, 401, "Unauthorized: missing or invalid API key.");
      const parsed = SearchBody.safeParse(raw);
      if (!parsed.success) return sendDetail(res, 400, describeIssues(parsed.error));
      const { query, max_results: maxResults, include_raw_content: rawContent } = parsed.data;
      if (this.keysRejected) {
        this.log.push({ query, maxResults, rawContent, apiKey, status: 401, urls: [] });
        return sendDetail(res, 401, `Unauthorized: invalid API key ${apiKey}.`);
      }
      const failWith = this.failures.get(query);
      const results = failWith ? [] : resultsFor(query, maxResults, rawContent !== false);
      this.log.push({ query, maxResults, rawContent, apiKey, status: failWith ?? 200, urls: results.map((result) => result.url) });
      if (failWith) return sendDetail(res, failWith, `Stand-in Tavily failure for "${query}".`);
      sendJson(res, 200, { query, answer: null, images: [], follow_up_questions: null, results, response_time: 0.01 });
    } catch (error) {
      if (!res.headersSent) sendDetail(res, error instanceof HttpError ? error.status : 500, error instanceof Error ? error.message : String(error));
    }
  }
}
