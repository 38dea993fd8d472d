import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChatAnthropic } from "@langchain/anthropic";
import { ChatOllama } from "@langchain/ollama";
import { AIMessageChunk, HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { StandIn } from "../standin/server.js";
import { rootOf } from "../standin/helpers.js";
import { listedSources, runGraph, sharedStandIn, type RunRecord } from "../support/harness.js";

const QUESTION = "How does tidal power generate electricity?";
const ROLES = ["research_model", "summarization_model", "compression_model", "final_report_model"];

function allRoles(spec: string): Record<string, string> {
  return Object.fromEntries(ROLES.map((role) => [role, spec]));
}

function assertFinished(run: RunRecord): void {
  const retrieved = new Set((run.values.sources as { url: string }[]).map((source) => source.url));
  const listed = listedSources(String(run.values.final_report));
  assert.ok(listed.length > 0, "the report cites sources");
  for (const url of listed) assert.ok(retrieved.has(url), `${url} was retrieved`);
}

const search = tool(async () => "", { name: "web_search", description: "Search the web.", schema: z.object({ queries: z.array(z.string()) }) });

describe("Anthropic and Ollama models, through their real clients, against the stand-in", () => {
  const current = sharedStandIn({ units: 2 });
  let standin: StandIn;
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    standin = current();
    for (const name of ["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OLLAMA_BASE_URL"]) saved[name] = process.env[name];
    process.env.ANTHROPIC_API_KEY = "test-anthropic-key-not-secret";
    process.env.ANTHROPIC_BASE_URL = rootOf(standin);
    process.env.OLLAMA_BASE_URL = rootOf(standin);
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  function chatRoutes(): string[] {
    return [
      ...new Set(
        standin
          .requests()
          .filter((request) => request.route !== "embeddings")
          .map((request) => request.route),
      ),
    ];
  }

  test("a whole run on anthropic: models speaks the Messages API, every role played", async () => {
    const run = await runGraph(QUESTION, { ...allRoles("anthropic:claude-sonnet-4-5"), allow_clarification: true });
    assertFinished(run);
    assert.deepEqual(chatRoutes(), ["anthropic"]);
    const roles = new Set(standin.requests().map((request) => request.role));
    for (const role of ["clarify", "brief", "supervisor", "researcher", "writer"]) assert.ok(roles.has(role as never), `${role} in ${[...roles]}`);
  });

  test("a whole run on ollama's native API", async () => {
    const run = await runGraph(QUESTION, { ...allRoles("ollama:llama3.1:8b"), allow_clarification: true });
    assertFinished(run);
    assert.deepEqual(chatRoutes(), ["ollama"]);
    assert.equal((run.values.notes as string[]).length, 2);
  });

  test("each role on its own provider", async () => {
    const run = await runGraph(QUESTION, {
      research_model: "anthropic:claude-sonnet-4-5",
      summarization_model: "ollama:qwen2.5:7b",
      compression_model: "openai:gpt-4.1-mini",
      final_report_model: "ollama:llama3.1:8b",
      search_api: "local",
    });
    assertFinished(run);
    assert.deepEqual(chatRoutes().sort(), ["anthropic", "chat", "ollama"]);
  });

  test("anthropic's 'prompt is too long' and a weak local model are handled like OpenAI's", async () => {
    await runGraph(QUESTION, allRoles("anthropic:claude-haiku-4-5"));
    const largest = Math.max(...standin.requests().map((request) => request.promptTokens ?? 0));
    standin.reset();
    standin.configure({ contextTokens: Math.floor(largest * 0.75) });
    const limited = await runGraph(QUESTION, allRoles("anthropic:claude-haiku-4-5"));
    assertFinished(limited);
    assert.ok(
      standin.requests().some((request) => request.status === 400),
      "some prompts were refused",
    );
    standin.reset();
    standin.configure({ contextTokens: 0, quirks: ["ignores_response_format", "ignores_tool_choice", "json_in_fences"] });
    const weak = await runGraph(QUESTION, { ...allRoles("ollama:tinyllama"), allow_clarification: true });
    assertFinished(weak);
    const fallbacks = weak.custom.filter((event) => (event as { fallback?: string }).fallback === "json_in_text");
    assert.ok(fallbacks.length >= 2, "structured output found in the text");
  });

  test("streaming: Anthropic's SSE events and Ollama's NDJSON lines assemble into text and tool calls", async () => {
    const anthropic = new ChatAnthropic({ model: "claude-sonnet-4-5", apiKey: "test-key", anthropicApiUrl: rootOf(standin), maxRetries: 0 });
    const ollama = new ChatOllama({ model: "llama3.1", baseUrl: rootOf(standin) });
    for (const model of [anthropic, ollama]) {
      let calls: AIMessageChunk | undefined;
      for await (const chunk of await model.bindTools([search]).stream([new HumanMessage("<topic>tidal power</topic>")])) calls = calls ? calls.concat(chunk) : chunk;
      assert.deepEqual(
        calls?.tool_calls?.map((call) => call.name),
        ["web_search"],
        model.getName(),
      );
      let text = "";
      for await (const chunk of await model.stream([new HumanMessage("Say something about tides.")])) text += chunk.text;
      assert.match(text, /Stand-in reply|Summary/, model.getName());
    }
    assert.ok(standin.stats().streamed >= 4);
  });
});
