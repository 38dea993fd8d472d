/**
 * search_api=tavily, offline: the real Tavily backend talks HTTP to the stand-in's fake
 * Tavily endpoint (POST /tavily/search), and the models to the stand-in's chat endpoint.
 */
import { after, before, beforeEach, describe, it, mock } from "node:test";
import { describeError } from "../../../src/util/errors.js";
import assert from "node:assert/strict";
import type { ToolMessage } from "@langchain/core/messages";
import { preflight } from "../../../src/cli/run.js";
import { ConfigurationError, parseConfiguration } from "../../../src/config.js";
import { runToolCall } from "../../../src/researcher/runToolCall.js";
import { SUMMARY_THRESHOLD_CHARACTERS } from "../../../src/search/summarise.js";
import { createTavilyBackend } from "../../../src/search/tavily.js";
import { createSearchBackend, createSearchTool } from "../../../src/search/tool.js";
import { pageFor } from "../../standin/tavily.js";
import type { StandIn } from "../../standin/types.js";
import { listedSources, runGraph, useStandIn } from "../../support/harness.js";

const QUESTION = "How does tidal power generate electricity?";
const KEY = "tvly-test-key-not-secret";

let standin: StandIn;
const saved = { key: process.env.TAVILY_API_KEY, base: process.env.TAVILY_API_BASE_URL };

function restore(name: "TAVILY_API_KEY" | "TAVILY_API_BASE_URL", value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

before(async () => {
  standin = await useStandIn();
});
after(async () => {
  restore("TAVILY_API_KEY", saved.key);
  restore("TAVILY_API_BASE_URL", saved.base);
  await standin.close();
});
beforeEach(() => {
  standin.reset();
  standin.configure({ latencyMs: 0, units: 2, searchRounds: 1, behaviour: undefined });
  process.env.TAVILY_API_KEY = KEY;
  process.env.TAVILY_API_BASE_URL = standin.tavilyUrl;
});

/** Result n of the fake is long (summarised) when n is odd. */
function isLongPage(url: string): boolean {
  return Number(/-(\d+)$/.exec(url)?.[1]) % 2 === 1;
}

describe("the fake Tavily endpoint", () => {
  const search = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${standin.tavilyUrl}/search`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  it("answers 401 without a key, and takes one as a bearer token or api_key", async () => {
    const refused = await search({ query: "tides" });
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { detail: { error: string } }).detail.error, /API key/);
    assert.equal((await search({ query: "tides" }, { authorization: "Bearer k1" })).status, 200);
    assert.equal((await search({ query: "tides", api_key: "k2" })).status, 200);
    assert.equal(standin.stats().tavily, 3);
    assert.deepEqual(
      standin.tavily.calls().map((call) => call.apiKey),
      ["k1", "k2"],
    );
  });

  it("after rejectKeys, answers 401 with the key it was sent in the message", async () => {
    standin.tavily.rejectKeys();
    const refused = await search({ query: "tides" }, { authorization: "Bearer tvly-echo-me" });
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { detail: { error: string } }).detail.error, /invalid API key tvly-echo-me/);
    assert.deepEqual(
      standin.tavily.calls().map((call) => call.status),
      [401],
    );
  });

  it("returns max_results deterministic results, with raw_content only when asked", async () => {
    const body = { query: "Tidal Power!", max_results: 4, include_raw_content: "markdown" };
    const first = (await (await search(body, { authorization: "Bearer k" })).json()) as { results: { url: string; raw_content: string | null }[] };
    const again = (await (await search(body, { authorization: "Bearer k" })).json()) as typeof first;
    assert.deepEqual(first, again, "the same query gets the same answer");
    assert.deepEqual(
      first.results.map((r) => r.url),
      [1, 2, 3, 4].map((n) => `https://example.test/tidal-power-${n}`),
    );
    const lengths = first.results.map((r) => r.raw_content?.length ?? 0);
    assert.ok(lengths[0]! > SUMMARY_THRESHOLD_CHARACTERS && lengths[2]! > SUMMARY_THRESHOLD_CHARACTERS, `${lengths}`);
    assert.ok(lengths[1]! < SUMMARY_THRESHOLD_CHARACTERS && lengths[1]! > 0, `${lengths}`);
    const plain = (await (await search({ query: "tides" }, { authorization: "Bearer k" })).json()) as typeof first;
    assert.equal(plain.results.length, 5, "Tavily's default of 5");
    assert.ok(plain.results.every((r) => r.raw_content === null));
  });
});

describe("search_api=tavily", () => {
  it("a full run searches the fake Tavily and cites only the pages it returned", async () => {
    const run = await runGraph(QUESTION, { search_api: "tavily", max_search_results: 3 });
    const report = String(run.values.final_report);
    assert.ok(report.startsWith("# "), report.slice(0, 200));

    const calls = standin.tavily.calls();
    assert.ok(calls.length >= 2, `${calls.length} searches`);
    assert.equal(standin.stats().tavily, calls.length);
    for (const call of calls) {
      assert.equal(call.status, 200);
      assert.equal(call.apiKey, KEY, "the key is sent as a bearer token");
      assert.equal(call.maxResults, 3, "max_search_results reaches Tavily");
      assert.equal(call.rawContent, "markdown", "full page text is asked for");
    }
    const returned = new Set(calls.flatMap((call) => call.urls));

    const sources = (run.values.sources as { url: string }[]).map((source) => source.url);
    assert.ok(sources.length > 0);
    for (const url of sources) assert.ok(returned.has(url), `${url} in state was returned by Tavily`);
    const cited = listedSources(report);
    assert.ok(cited.length > 0, "the report cites something");
    for (const url of cited) {
      assert.ok(url.startsWith("https://example.test/"), url);
      assert.ok(returned.has(url), `${url} cited and returned`);
    }

    const longPages = calls.flatMap((call) => call.urls).filter(isLongPage).length;
    assert.equal(standin.stats().byRole.summary, longPages, "every long page, and only those, was summarised");
    const notes = (run.values.raw_notes as string[]).join("\n");
    const short = calls[0]!.urls.find((url) => !isLongPage(url))!;
    assert.ok(notes.includes(pageFor(calls[0]!.query, Number(short.split("-").at(-1)))), "a short page reached the researcher whole");
  });

  it("without TAVILY_API_KEY it is a ConfigurationError naming the variable", async () => {
    for (const env of [{}, { TAVILY_API_KEY: "   " }]) {
      assert.throws(
        () => createTavilyBackend(env),
        (error: unknown) => error instanceof ConfigurationError && /TAVILY_API_KEY/.test(error.message),
      );
    }
    delete process.env.TAVILY_API_KEY;
    assert.throws(() => createSearchBackend(parseConfiguration({ search_api: "tavily" })), /TAVILY_API_KEY/);
    // The CLI checks before it starts a run.
    await assert.rejects(preflight({ search_api: "tavily" }), (error: unknown) => error instanceof ConfigurationError && /TAVILY_API_KEY/.test(error.message));
    assert.equal(standin.stats().tavily, 0, "nothing was sent");
  });

  it("inside a run without the key (Studio, the server), the run stops with that message and no search is sent", async () => {
    delete process.env.TAVILY_API_KEY;
    await assert.rejects(runGraph(QUESTION, { search_api: "tavily" }), (error: unknown) => {
      assert.match(describeError(error), /^TAVILY_API_KEY is not set/);
      assert.doesNotMatch(describeError(error), /--set/, "a server user has no command line");
      return true;
    });
    assert.equal(standin.stats().tavily, 0);
  });

  it("a Tavily 500 for one of two queries is reported while the other's results are kept, and nothing is printed", async () => {
    standin.tavily.failQuery("tidal barrage");
    const configuration = parseConfiguration({ search_api: "tavily", max_search_results: 2 });
    const tool = createSearchTool(createSearchBackend(configuration)!, configuration);
    const log = mock.method(console, "log", () => undefined);
    let reply: ToolMessage;
    try {
      const call = { id: "call_t", name: tool.name, args: { queries: ["tidal stream turbines", "tidal barrage"] } };
      reply = await runToolCall(call, new Map([[tool.name, tool]]), 10_000, {});
    } finally {
      log.mock.restore();
    }
    assert.equal(log.mock.callCount(), 0, "a failed search writes nothing to stdout, where the CLI puts the report");
    assert.notEqual(reply.status, "error");
    const content = String(reply.content);
    assert.match(content, /Some queries failed: Tavily error 500: Stand-in Tavily failure.* \(for "tidal barrage"\)/);
    assert.deepEqual(
      (reply.artifact as { url: string }[]).map((source) => source.url),
      ["https://example.test/tidal-stream-turbines-1", "https://example.test/tidal-stream-turbines-2"],
    );
    assert.ok(content.includes("URL: https://example.test/tidal-stream-turbines-2"));
    // A 500 is sent again search_retries (2) times by the one retry layer before the query counts as failed.
    const failedCall = ["tidal barrage", 500];
    assert.deepEqual(
      standin.tavily
        .calls()
        .map((call) => [call.query, call.status])
        .sort(),
      [...Array.from({ length: 3 }, () => failedCall), ["tidal stream turbines", 200]],
    );
  });

  it("reads the key and address on every search, so a long-lived tool follows a changed environment", async () => {
    const env: NodeJS.ProcessEnv = { TAVILY_API_KEY: KEY, TAVILY_API_BASE_URL: standin.url };
    const backend = createTavilyBackend(env);
    await assert.rejects(backend.search("tides", 2), /Tavily error 404/, "the stand-in's model address has no search route");
    env.TAVILY_API_BASE_URL = standin.tavilyUrl;
    const hits = await backend.search("tides", 2);
    assert.equal(hits.length, 2);
    delete env.TAVILY_API_KEY;
    await assert.rejects(backend.search("tides", 2), (error: unknown) => error instanceof ConfigurationError && /TAVILY_API_KEY/.test(error.message));
  });

  it("an error body that is not Tavily's keeps its status and shows its text", async () => {
    const backend = createTavilyBackend({ TAVILY_API_KEY: KEY, TAVILY_API_BASE_URL: standin.url });
    await assert.rejects(backend.search("tides", 2), /^Error: Tavily error 404: .*Unknown route: POST \/v1\/search/);
  });

  it("when every query fails the tool call becomes an error message", async () => {
    standin.tavily.failQuery("a", 503);
    standin.tavily.failQuery("b", 429);
    const configuration = parseConfiguration({ search_api: "tavily" });
    const tool = createSearchTool(createSearchBackend(configuration)!, configuration);
    const reply = await runToolCall({ id: "call_e", name: tool.name, args: { queries: ["a", "b"] } }, new Map([[tool.name, tool]]), 10_000, {});
    assert.equal(reply.status, "error");
    assert.match(String(reply.content), /web_search failed: every query failed: Tavily error 503: .* \(for "a"\); Tavily error 429: .* \(for "b"\)/);
  });
});
