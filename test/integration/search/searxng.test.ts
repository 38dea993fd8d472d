/**
 * search_api=searxng against a fake SearXNG speaking its JSON wire format, and
 * search_api as an ordered list (tavily,searxng): the next provider answers when one
 * fails or is rate-limited, and the tool message says which did.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ToolMessage } from "@langchain/core/messages";
import { parseConfiguration } from "../../../src/config.js";
import { runToolCall } from "../../../src/researcher/runToolCall.js";
import { createSearxngBackend } from "../../../src/search/searxng.js";
import { createSearchBackend, createSearchTool } from "../../../src/search/tool.js";
import { startFakeSearxng, type FakeSearxng } from "../../standin/searxng.js";
import type { StandIn } from "../../standin/types.js";
import { runGraph, useStandIn } from "../../support/harness.js";
import { freePort } from "../../support/server.js";

let standin: StandIn;
let searxng: FakeSearxng;
const saved = { key: process.env.TAVILY_API_KEY, base: process.env.TAVILY_API_BASE_URL };

before(async () => {
  standin = await useStandIn();
  searxng = await startFakeSearxng();
});
after(async () => {
  for (const [name, value] of [
    ["TAVILY_API_KEY", saved.key],
    ["TAVILY_API_BASE_URL", saved.base],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await searxng.close();
  await standin.close();
});
beforeEach(() => {
  standin.reset();
  standin.configure({ latencyMs: 0, units: 1, searchRounds: 1, behaviour: undefined });
  searxng.mode = "ok";
  searxng.queries = [];
  process.env.TAVILY_API_KEY = "tvly-test-key-not-secret";
  process.env.TAVILY_API_BASE_URL = standin.tavilyUrl;
});

async function searchTool(settings: Record<string, unknown>, queries: string[]): Promise<ToolMessage> {
  const configuration = parseConfiguration({ searxng_url: searxng.url, ...settings });
  const tool = createSearchTool(createSearchBackend(configuration)!, configuration);
  return runToolCall({ id: "c1", name: tool.name, args: { queries } }, new Map([[tool.name, tool]]), 5_000, {});
}

describe("search_api=searxng", () => {
  it("asks the instance's JSON API and gives hits in the common shape, titles without markup", async () => {
    const hits = await createSearxngBackend(searxng.url).search("tidal power", 2);
    assert.deepEqual(searxng.queries, ["tidal power"]);
    assert.equal(hits.length, 2);
    assert.equal(hits[0].url, "https://searx.example.test/tidal-power-1");
    assert.match(hits[0].content, /Result 1 on tidal power/);
    const reply = await searchTool({ search_api: "searxng" }, ["tidal power"]);
    const sources = reply.artifact as { url: string; title: string }[];
    assert.equal(sources[0].title, "tidal power overview");
  });

  it("says what is wrong: JSON API off, rate limited, engines down, no instance, no URL", async () => {
    const backend = createSearxngBackend(searxng.url);
    searxng.mode = "json_off";
    await assert.rejects(backend.search("q", 3), /SearXNG error 403 .*add json to search\.formats/);
    searxng.mode = "rate_limited";
    await assert.rejects(backend.search("q", 3), /SearXNG error 429: rate limited/);
    searxng.mode = "engines_down";
    await assert.rejects(backend.search("q", 3), /engines did not answer: duckduckgo timeout, brave too many requests/);
    const closed = await freePort();
    await assert.rejects(createSearxngBackend(`http://127.0.0.1:${closed}`).search("q", 3), /cannot reach SearXNG at http:\/\/127\.0\.0\.1:\d+ \(connection refused\)/);
    assert.throws(() => createSearxngBackend(""), /searxng_url is empty/);
    assert.throws(() => createSearxngBackend("ftp://x"), /not an http\(s\) URL/);
  });

  it("runs a whole research run", async () => {
    const run = await runGraph("How does tidal power generate electricity?", { search_api: "searxng", searxng_url: searxng.url, fetch_url_enabled: false });
    assert.ok(searxng.queries.length > 0);
    assert.equal((run.values.outcome as { status: string }).status, "done");
    assert.ok((run.values.sources as { url: string }[]).every((source) => source.url.startsWith("https://searx.example.test/")));
  });
});

describe("search_api as an ordered list", () => {
  it("accepts a list, rejects unknown, repeated or none-with-others", () => {
    assert.equal(parseConfiguration({ search_api: " Tavily , searxng" }).search_api, "tavily,searxng");
    for (const bad of ["tavily,bing", "tavily,tavily", "tavily,none", ""]) {
      assert.throws(() => parseConfiguration({ search_api: bad }), /search_api.*tavily, searxng, local or none, or a list/);
    }
  });

  it("the first provider answers when it works, and the message says so", async () => {
    const reply = await searchTool({ search_api: "tavily,searxng" }, ["tidal power"]);
    assert.match(String(reply.content), /\(Answered by tavily\)/);
    assert.deepEqual(searxng.queries, []);
  });

  it("when Tavily is rate-limited, SearXNG answers, and the message says which did and why", async () => {
    standin.tavily.failQuery("tidal power", 429);
    const reply = await searchTool({ search_api: "tavily,searxng" }, ["tidal power"]);
    assert.equal(reply.status, "success");
    assert.match(String(reply.content), /\(Answered by searxng, after tavily failed: Tavily error 429: .*\)/);
    assert.deepEqual(searxng.queries, ["tidal power"]);
    assert.ok((reply.artifact as { url: string }[]).every((source) => source.url.startsWith("https://searx.example.test/")));
  });

  it("when every provider fails, the search fails naming each cause", async () => {
    standin.tavily.failQuery("tidal power", 500);
    searxng.mode = "rate_limited";
    const reply = await searchTool({ search_api: "tavily,searxng" }, ["tidal power"]);
    assert.equal(reply.status, "error");
    assert.match(String(reply.content), /every search provider failed: tavily failed: Tavily error 500.*; searxng failed: SearXNG error 429/);
  });
});
