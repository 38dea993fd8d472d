/**
 * The search data lane: backend hits → merged by URL → long pages summarised (bounded
 * concurrency, fallback on failure) → one text and the sources. The backend is a tiny
 * in-test SearchBackend; summaries go over real HTTP to the stand-in model.
 */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseConfiguration, type Configuration } from "../../../src/config.js";
import { runToolCall } from "../../../src/researcher/runToolCall.js";
import { dedupeByUrl, searchAndSummarise } from "../../../src/search/pipeline.js";
import { SUMMARY_RETRIES, SUMMARY_THRESHOLD_CHARACTERS } from "../../../src/search/summarise.js";
import { STRUCTURED_STEPS } from "../../../src/util/structured.js";
import { truncateText } from "../../../src/util/text.js";
import { createSearchTool } from "../../../src/search/tool.js";
import type { SearchBackend, SearchHit } from "../../../src/search/types.js";
import type { ParsedRequest, ScriptedReply, StandIn } from "../../standin/types.js";
import { sharedStandIn } from "../../support/harness.js";

/** A backend answering from a table: a query maps to its hits, or to the error it throws. */
function tableBackend(table: Record<string, SearchHit[] | Error>): SearchBackend & { asked: string[] } {
  const asked: string[] = [];
  return {
    toolName: "web_search",
    description: "Search a fixed table (test backend).",
    asked,
    async search(query, maxResults) {
      asked.push(query);
      const answer = table[query];
      if (answer === undefined) return [];
      if (answer instanceof Error) throw answer;
      return answer.slice(0, maxResults);
    },
  };
}

/** Readable sentences (the stand-in summarises sentences) until the text is `length` long. */
function page(tag: string, length: number): string {
  let text = "";
  for (let i = 1; text.length < length; i += 1) text += `Page ${tag} sentence ${i} says something specific about the subject. `;
  return text.slice(0, length);
}

function hit(id: string, content: string, title = `Title ${id}`): SearchHit {
  return { url: `https://pages.test/${id}`, title, content };
}

function settings(patch: Record<string, unknown> = {}): Configuration {
  return parseConfiguration({ max_search_results: 10, ...patch });
}

function count(text: string, part: string): number {
  return text.split(part).length - 1;
}

const current = sharedStandIn();
let standin: StandIn;
beforeEach(() => {
  standin = current();
});

describe("merging hits by URL", () => {
  it("keeps the first hit's place and title but the longer text", () => {
    const merged = dedupeByUrl([hit("a", "short", "First title"), hit("b", "b text"), hit("a", "a much longer text", "Second title"), hit("b", "b")]);
    assert.deepEqual(merged, [hit("a", "a much longer text", "First title"), hit("b", "b text")]);
  });

  it("merges the same page found by two queries into one source", async () => {
    const backend = tableBackend({
      "query one": [hit("a", "Alpha, as the first query saw it."), hit("b", "Beta page text.")],
      "query two": [hit("a", "Alpha, as the second query saw it, with a longer extract."), hit("c", "Gamma page text.")],
    });
    const result = await searchAndSummarise(["query one", "query two"], backend, settings());
    assert.deepEqual(backend.asked.sort(), ["query one", "query two"]);
    assert.deepEqual(
      result.sources.map((source) => source.url),
      ["https://pages.test/a", "https://pages.test/b", "https://pages.test/c"],
    );
    assert.equal(count(result.content, "URL: https://pages.test/a"), 1);
    assert.ok(result.content.includes("with a longer extract"), result.content);
    assert.ok(!result.content.includes("as the first query saw it"));
    assert.equal(standin.stats().total, 0, "short pages need no model call");
  });
});

describe("summarising pages", () => {
  it("summarises only pages over the threshold and passes the others whole", async () => {
    const short = [page("S1", SUMMARY_THRESHOLD_CHARACTERS), page("S2", 300)];
    const long = [page("L1", SUMMARY_THRESHOLD_CHARACTERS + 1), page("L2", 2_500), page("L3", 5_000)];
    const backend = tableBackend({
      q: [hit("s1", short[0]!), hit("l1", long[0]!), hit("s2", short[1]!), hit("l2", long[1]!), hit("l3", long[2]!)],
    });
    const result = await searchAndSummarise(["q"], backend, settings());
    assert.equal(standin.stats().byRole.summary, 3, "one summary request per long page");
    assert.equal(standin.stats().total, 3, "and no other model call");
    for (const text of short) assert.ok(result.content.includes(text), "a short page is passed on whole");
    for (const text of long) assert.ok(!result.content.includes(text), "a long page is not");
    assert.equal(count(result.content, "Key excerpts:"), 3);
    assert.equal(result.sources.length, 5);
  });

  it("cuts a page to max_content_length before the model sees it", async () => {
    const prompts: string[] = [];
    standin.configure({
      behaviour: (request: ParsedRequest) => {
        if (request.role === "summary")
          prompts.push(
            request.messages
              .filter((m) => m.role === "user")
              .map((m) => m.content)
              .join("\n"),
          );
        return undefined;
      },
    });
    const text = `HEADMARK ${page("T", 6_000)} TAILMARK ${page("U", 4_000)}`;
    await searchAndSummarise(["q"], tableBackend({ q: [hit("t", text)] }), settings({ max_content_length: 3_000 }));
    assert.equal(prompts.length, 1);
    const sent = /<page>\n([\s\S]*)\n<\/page>/.exec(prompts[0]!)?.[1] ?? "";
    assert.ok(sent.startsWith("HEADMARK"), sent.slice(0, 80));
    assert.ok(!sent.includes("TAILMARK"), "the end of the page was cut");
    assert.ok(sent.endsWith("[…]"), "and marked as cut");
    assert.ok(sent.length <= 3_000 + " […]".length, `sent ${sent.length} characters`);
    assert.equal(sent, truncateText(text, 3_000));
  });

  for (const limit of [2, 6]) {
    it(`keeps at most max_concurrent_summaries=${limit} summaries in flight, and reaches it`, async () => {
      standin.configure({ latencyMs: 100 });
      const hits = Array.from({ length: 6 }, (_, i) => hit(`p${i}`, page(`P${i}`, 3_000)));
      const started = Date.now();
      await searchAndSummarise(["q"], tableBackend({ q: hits }), settings({ max_concurrent_summaries: limit }));
      const stats = standin.stats();
      assert.equal(stats.byRole.summary, 6);
      assert.equal(stats.peakInFlightByRole.summary, limit);
      const waves = Math.ceil(6 / limit);
      assert.ok(Date.now() - started >= waves * 100 - 5, `took ${Date.now() - started} ms for ${waves} waves`);
    });
  }
});

describe("when summaries fail", () => {
  /** Scripts the summary request of the page carrying `marker`; other requests get default answers. */
  function failSummaries(byMarker: Record<string, ScriptedReply>): void {
    standin.configure({
      behaviour: (request) => {
        if (request.role !== "summary") return undefined;
        const prompt = request.messages.map((m) => m.content).join("\n");
        return Object.entries(byMarker).find(([marker]) => prompt.includes(`Page ${marker} `))?.[1];
      },
    });
  }

  it("a 500, a reply with no JSON however asked, or JSON of the wrong shape each fall back to the start of the page", async () => {
    const failures: Record<string, ScriptedReply> = {
      E500: { status: 500 },
      PROSE: { content: "Sorry, I cannot summarise this page." },
      SHAPE: { content: JSON.stringify({ summary: 42 }) },
    };
    failSummaries(failures);
    const pages = Object.keys(failures).map((marker) => hit(marker, page(marker, 4_000)));
    const result = await searchAndSummarise(["q"], tableBackend({ q: [...pages, hit("fine", page("FINE", 4_000))] }), settings());
    for (const { url, content } of pages) {
      assert.ok(result.content.includes(truncateText(content, SUMMARY_THRESHOLD_CHARACTERS)), `${url} fell back to its start`);
      assert.ok(!result.content.includes(content), `${url} was not passed whole`);
    }
    assert.equal(count(result.content, "Key excerpts:"), 1, "the page whose summary worked is summarised");
    assert.equal(result.sources.length, 4, "the search still succeeds with every source");
    const summaries = standin.requests().filter((r) => r.role === "summary");
    // Prose is asked for the next way down the ladder (JSON schema, tool call, plain text), then as plain text again.
    const prose = STRUCTURED_STEPS.length - 1 + (1 + SUMMARY_RETRIES);
    assert.equal(summaries.length, 2 * (1 + SUMMARY_RETRIES) + prose + 1, "a failed summary is tried 1 + SUMMARY_RETRIES times at the last step");
    assert.equal(summaries.filter((r) => r.status === 500).length, 1 + SUMMARY_RETRIES);
  });

  it("a request the model refuses (400) is not retried and spoils no other page", async () => {
    failSummaries({ F: { status: 400 } });
    const result = await searchAndSummarise(["q"], tableBackend({ q: [hit("f", page("F", 4_000)), hit("g", page("G", 4_000))] }), settings());
    assert.ok(result.content.includes(truncateText(page("F", 4_000), SUMMARY_THRESHOLD_CHARACTERS)));
    assert.equal(count(result.content, "Key excerpts:"), 1);
    assert.equal(standin.stats().byRole.summary, 2);
  });

  it("a summary not done by the deadline gives way to the page's text; the search keeps its sources", async () => {
    standin.configure({ behaviour: (request) => (request.role === "summary" ? { hangMs: 10_000 } : undefined) });
    const pages = [hit("s", page("S", 4_000)), hit("t", page("T", 4_000))];
    const result = await searchAndSummarise(["q"], tableBackend({ q: pages }), settings(), undefined, AbortSignal.timeout(200));
    assert.equal(result.sources.length, 2);
    for (const { content } of pages) assert.ok(result.content.includes(truncateText(content, SUMMARY_THRESHOLD_CHARACTERS)));
    assert.equal(count(result.content, "Key excerpts:"), 0);
    assert.equal(standin.stats().byRole.summary, 2, "both summaries were asked for, then given up");
  });

  it("a summariser that only returns garbage costs seconds, not the tool timeout", async () => {
    standin.configure({ behaviour: (request) => (request.role === "summary" ? { content: "not JSON" } : undefined) });
    const hits = Array.from({ length: 16 }, (_, i) => hit(`g${i}`, page(`G${i}`, 3_000)));
    const started = Date.now();
    const result = await searchAndSummarise(["q"], tableBackend({ q: hits }), settings({ max_search_results: 20 }));
    const took = Date.now() - started;
    assert.equal(result.sources.length, 16);
    // Two waves of 8; each page's retry waits 1-2 s. Three retries a page took 14-28 s here.
    assert.ok(took < 10_000, `took ${took} ms`);
  });
});

describe("when queries fail", () => {
  it("a failed query is reported and the others' results are kept", async () => {
    const backend = tableBackend({ good: [hit("a", "Alpha page text.")], bad: new Error("backend said no") });
    const result = await searchAndSummarise(["good", "bad"], backend, settings());
    assert.deepEqual(
      result.sources.map((source) => source.url),
      ["https://pages.test/a"],
    );
    assert.ok(result.content.includes("Alpha page text."));
    assert.match(result.content, /Some queries failed: backend said no \(for "bad"\)/);
  });

  it("no hits at all is an answer, not an error", async () => {
    const result = await searchAndSummarise(["nothing"], tableBackend({}), settings());
    assert.deepEqual(result.sources, []);
    assert.match(result.content, /^No results\./);
  });

  it("every query failing throws, and researcher_tools turns that into an error message", async () => {
    const backend = tableBackend({ one: new Error("quota exceeded"), two: new Error("timed out upstream") });
    await assert.rejects(searchAndSummarise(["one", "two"], backend, settings()), /every query failed: quota exceeded \(for "one"\); timed out upstream \(for "two"\)/);
    const tool = createSearchTool(backend, settings());
    const call = { id: "call_1", name: "web_search", args: { queries: ["one", "two"] } };
    const reply = await runToolCall(call, new Map([[tool.name, tool]]), 5_000, {});
    assert.equal(reply.status, "error");
    assert.match(String(reply.content), /^Error: tool web_search failed: every query failed: quota exceeded \(for "one"\)/);
    assert.deepEqual(reply.artifact, { error: 'every query failed: quota exceeded (for "one"); timed out upstream (for "two")' }, "the reason, and no sources");
  });

  it("queries that fail for one cause are named once, after the cause", async () => {
    const denied = new Error("Tavily error 401: invalid API key");
    const backend = tableBackend({ one: denied, two: denied });
    await assert.rejects(searchAndSummarise(["one", "two"], backend, settings()), {
      message: 'every query failed: Tavily error 401: invalid API key (for "one", "two")',
    });
  });

  it("the tool's artifact carries the sources researcher_tools puts in state", async () => {
    const tool = createSearchTool(tableBackend({ q: [hit("a", "Alpha."), hit("b", "Beta.")] }), settings());
    const call = { id: "call_2", name: "web_search", args: { queries: ["q"] } };
    const reply = await runToolCall(call, new Map([[tool.name, tool]]), 5_000, {});
    assert.notEqual(reply.status, "error");
    assert.deepEqual(reply.artifact, [
      { url: "https://pages.test/a", title: "Title a" },
      { url: "https://pages.test/b", title: "Title b" },
    ]);
  });
});

describe("source titles", () => {
  it("are clean text: a README's badges and markdown do not reach the title", async () => {
    const badged = hit("zod", "Zod is a schema library.", "[![npm](https://img.shields.io/npm/v/zod.svg)](https://npm.im/zod) **Zod** <sub>v4</sub>");
    const untitled = hit("bare", "No title here.", "![logo](logo.png)");
    const result = await searchAndSummarise(["q"], tableBackend({ q: [badged, untitled] }), settings());
    assert.deepEqual(result.sources, [
      { url: "https://pages.test/zod", title: "Zod v4" },
      { url: "https://pages.test/bare", title: "https://pages.test/bare" },
    ]);
    assert.match(result.content, /--- Source 1: Zod v4\n/);
  });
});
