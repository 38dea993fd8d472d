/**
 * A fake SearXNG instance (a test tool): `GET /search?q=…&format=json` answered in
 * SearXNG's own JSON shape (results with url/title/content/engine/engines/score,
 * answers, suggestions, unresponsive_engines…). Results are made from the query
 * alone, never real pages. It can answer as a real instance does when its JSON
 * format is off (403), when its limiter refuses (429), or when every engine failed.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { slugOf } from "./tavily.js";

export type SearxngMode = "ok" | "json_off" | "rate_limited" | "engines_down";

export type FakeSearxng = {
  /** Base URL, for searxng_url. */
  url: string;
  /** Queries asked, in order. */
  queries: string[];
  mode: SearxngMode;
  close(): Promise<void>;
};

/** Results as SearXNG sends them; titles carry markup, as real ones sometimes do. */
export function searxngResults(query: string): object[] {
  return [1, 2, 3].map((n) => ({
    url: `https://searx.example.test/${slugOf(query)}-${n}`,
    title: n === 1 ? `<span class="highlight">${query}</span> overview` : `${query} (result ${n})`,
    content: `Result ${n} on ${query}: a snippet as a search engine shows it.`,
    engine: "duckduckgo",
    engines: ["duckduckgo", "brave"],
    positions: [n],
    parsed_url: ["https", "searx.example.test", `/${slugOf(query)}-${n}`, "", "", ""],
    template: "default.html",
    score: 3 / n,
    category: "general",
    publishedDate: null,
  }));
}

export async function startFakeSearxng(): Promise<FakeSearxng> {
  const fake = { queries: [] as string[], mode: "ok" as SearxngMode };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/search") return void res.writeHead(404).end("Not Found");
    const query = url.searchParams.get("q") ?? "";
    fake.queries.push(query);
    if (fake.mode === "json_off" || url.searchParams.get("format") !== "json") {
      return void res.writeHead(403, { "content-type": "text/html" }).end("<html><body><h1>403 Forbidden</h1></body></html>");
    }
    if (fake.mode === "rate_limited") return void res.writeHead(429, { "content-type": "text/plain" }).end("Too Many Requests");
    const down = fake.mode === "engines_down";
    const body = {
      query,
      number_of_results: 0,
      results: down ? [] : searxngResults(query),
      answers: [],
      corrections: [],
      infoboxes: [],
      suggestions: [`${query} explained`],
      unresponsive_engines: down
        ? [
            ["duckduckgo", "timeout"],
            ["brave", "too many requests"],
          ]
        : [],
    };
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
