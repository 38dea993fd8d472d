import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { openCheckpointer } from "../../../src/checkpoint/index.js";
import { ConfigurationSchema } from "../../../src/config.js";
import { clearSearchCache } from "../../../src/limits/searchCache.js";
import { createSearchBackend } from "../../../src/search/tool.js";
import { createChatModel } from "../../../src/models.js";
import { responseCache, stableLlmKey } from "../../../src/limits/cache.js";
import { responseStoreFor } from "../../../src/limits/responseStore.js";
import { ModelUsage } from "../../../src/limits/usage.js";
import { runGraph, sharedStandIn } from "../../support/harness.js";
import { dropSchema } from "../../support/postgres.js";
import { freshLimits } from "./support.js";

const model = () => createChatModel("openai:gpt-4.1", { maxTokens: 100, timeoutSeconds: 30 });

describe("the response cache", () => {
  const standin = sharedStandIn();

  test("an identical call is answered from memory, costs no tokens, and counts as cached", async () => {
    freshLimits({ cache: true });
    const usage = new ModelUsage();
    const first = await model().invoke([new HumanMessage("What is a tide?")], { callbacks: [usage] });
    const second = await model().invoke([new HumanMessage("What is a tide?")], { callbacks: [usage] });
    assert.equal(standin().stats().total, 1);
    assert.equal(second.content, first.content);
    assert.equal(usage.totals().cached_calls, 1);
    assert.equal(second.usage_metadata?.input_tokens, 0);
  });

  test("different messages, tools or models are different calls", async () => {
    freshLimits({ cache: true });
    const lookup = tool(async () => "x", { name: "lookup", description: "Looks a word up", schema: z.object({ word: z.string() }) });
    await model().invoke([new HumanMessage("What is a tide?")]);
    await model().invoke([new HumanMessage("What is a wave?")]);
    await model().bindTools!([lookup]).invoke([new HumanMessage("What is a tide?")]);
    await createChatModel("openai:gpt-4.1-mini", { maxTokens: 100, timeoutSeconds: 30 }).invoke([new HumanMessage("What is a tide?")]);
    assert.equal(standin().stats().total, 4);
  });

  test("tool calls survive the cache", async () => {
    freshLimits({ cache: true });
    standin().configure({ behaviour: () => ({ toolCalls: [{ name: "lookup", args: { word: "tide" } }] }) });
    const lookup = tool(async () => "x", { name: "lookup", description: "Looks a word up", schema: z.object({ word: z.string() }) });
    const bound = model().bindTools!([lookup]);
    await bound.invoke([new HumanMessage("Look up tide")]);
    const again = await bound.invoke([new HumanMessage("Look up tide")]);
    assert.equal(standin().stats().total, 1);
    assert.deepEqual(
      again.tool_calls?.map((call) => [call.name, call.args]),
      [["lookup", { word: "tide" }]],
    );
  });

  test("cache=false sends every call", async () => {
    freshLimits({ cache: false });
    await model().invoke([new HumanMessage("What is a tide?")]);
    await model().invoke([new HumanMessage("What is a tide?")]);
    assert.equal(standin().stats().total, 2);
  });

  test("entries persist in the run store, outlive the memory, and never contain the key", async () => {
    const home = mkdtempSync(path.join(tmpdir(), "fanout-cache-"));
    const opened = await openCheckpointer({ home });
    try {
      freshLimits({ cache: true });
      responseCache.useStore(responseStoreFor(opened.saver));
      await model().invoke([new HumanMessage("What is a tide?")]);
      responseCache.clearMemory(); // as a new process would start
      await model().invoke([new HumanMessage("What is a tide?")]);
      assert.equal(standin().stats().total, 1);
    } finally {
      await opened.close();
    }
    const bytes = readdirSync(home)
      .map((file) => readFileSync(path.join(home, file)).toString("latin1"))
      .join("");
    assert.ok(bytes.includes("fanout_response_cache"));
    assert.ok(!bytes.includes(process.env.OPENAI_API_KEY!), "the API key is stored");
    rmSync(home, { recursive: true, force: true });
  });

  test("a reply that repeats a secret is not kept: the store never holds a key, and the call is asked again", async () => {
    const home = mkdtempSync(path.join(tmpdir(), "fanout-cache-secret-"));
    const opened = await openCheckpointer({ home });
    const key = process.env.OPENAI_API_KEY!;
    try {
      freshLimits({ cache: true });
      responseCache.useStore(responseStoreFor(opened.saver));
      standin().configure({ behaviour: () => ({ content: `The key you sent was ${key}.` }) });
      const first = await model().invoke([new HumanMessage("Which key did I send?")]);
      assert.ok(String(first.content).includes(key), "the model's reply reaches its caller as it is");
      await model().invoke([new HumanMessage("Which key did I send?")]);
      assert.equal(standin().stats().total, 2, "not answered from the cache");
      assert.equal(responseCache.memoryBytes, 0);
    } finally {
      await opened.close();
    }
    const bytes = readdirSync(home)
      .map((file) => readFileSync(path.join(home, file)).toString("latin1"))
      .join("");
    assert.ok(!bytes.includes(key), "the API key is in the store");
    rmSync(home, { recursive: true, force: true });
  });

  test("memory stays within cache_max_bytes", async () => {
    freshLimits({ cache: true, cache_max_bytes: 2000 });
    for (let i = 0; i < 10; i += 1) await model().invoke([new HumanMessage(`Question number ${i}`)]);
    assert.ok(responseCache.memoryBytes <= 2000, `${responseCache.memoryBytes} bytes`);
    assert.ok(responseCache.memoryBytes > 0);
  });
});

describe("the search cache", () => {
  const standin = sharedStandIn();

  test("the same query within search_cache_ttl_seconds is answered without a request; 0 turns it off", async () => {
    process.env.TAVILY_API_BASE_URL = standin().tavilyUrl;
    process.env.TAVILY_API_KEY = "tvly-test";
    clearSearchCache();
    freshLimits({ search_cache_ttl_seconds: 60 });
    const backend = createSearchBackend(ConfigurationSchema.parse({ search_api: "tavily" }))!;
    const first = await backend.search("tidal power", 3);
    const second = await backend.search("tidal power", 3);
    assert.deepEqual(second, first);
    assert.equal(standin().tavily.calls().length, 1);
    freshLimits({ search_cache_ttl_seconds: 0 });
    await backend.search("tidal power", 3);
    assert.equal(standin().tavily.calls().length, 2);
  });

  test("a failed search is not remembered", async () => {
    clearSearchCache();
    freshLimits({ search_cache_ttl_seconds: 60, model_retries: 0 });
    const backend = createSearchBackend(ConfigurationSchema.parse({ search_api: "tavily" }))!;
    standin().tavily.failQuery("flaky", 500);
    await assert.rejects(backend.search("flaky", 3));
    standin().reset();
    await backend.search("flaky", 3);
    assert.equal(standin().tavily.calls().length, 1);
  });
});

test("the llm string loses only the per-run options (checkpoint ids, signal, writer)", () => {
  const key = 'apiKey:"k",executionInfo:{"checkpointId":"a,b","taskId":"x"},max_tokens:100,signal:{},tools:[{"name":"t","d":"}{,"}],writer:undefined';
  assert.equal(stableLlmKey(key), 'apiKey:"k",max_tokens:100,tools:[{"name":"t","d":"}{,"}]');
});

describe("the response cache across whole runs", () => {
  const standin = sharedStandIn();

  test("asking the same question again sends no model request at all", async () => {
    freshLimits({ cache: true });
    standin().configure({ units: 2 });
    await runGraph("How do tides work?", { max_concurrent_research_units: 2 });
    const first = standin().stats().total;
    standin().reset();
    standin().configure({ units: 2 });
    const again = await runGraph("How do tides work?", { max_concurrent_research_units: 2 });
    assert.ok(first > 5);
    assert.equal(standin().stats().total, 0);
    assert.ok(String(again.values.final_report).length > 0);
  });
});

test("in Postgres, entries go to a table in the run store's schema", { skip: !process.env.POSTGRES_URI && "POSTGRES_URI is not set" }, async () => {
  const uri = process.env.POSTGRES_URI!;
  const schema = `fanout_cache_test_${process.pid}_${Date.now()}`;
  const opened = await openCheckpointer({ postgresUri: uri, schema });
  try {
    const store = responseStoreFor(opened.saver)!;
    assert.equal(await store.get("absent"), undefined);
    await store.set("k1", '{"a":1}');
    await store.set("k1", '{"a":2}');
    assert.equal(await store.get("k1"), '{"a":2}');
  } finally {
    await opened.close();
    await dropSchema(uri, schema);
  }
});
