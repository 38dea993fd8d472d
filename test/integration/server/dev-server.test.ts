import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@langchain/langgraph-sdk";
import type { StandIn } from "../../standin/server.js";
import { startStandIn } from "../../standin/server.js";
import { CORPUS } from "../../support/harness.js";
import { freePort, startServer, type ServerProcess } from "../../support/server.js";
import { CONFIGURATION_KEYS } from "../../../src/config.js";

// The stand-in asks for clarification when the conversation says "ambiguous".
const AMBIGUOUS = "Tell me about Mercury (ambiguous)";
const ANSWER = "the planet closest to the Sun";
/** The xray drawing: subgraphs expanded, each node named by its path. */
const NODES = [
  "__start__",
  "clarify_with_user",
  "write_research_brief",
  "research_supervisor:__start__",
  "research_supervisor:supervisor",
  "research_supervisor:supervisor_tools",
  "research_supervisor:research_unit:__start__",
  "research_supervisor:research_unit:researcher",
  "research_supervisor:research_unit:researcher_tools",
  "research_supervisor:research_unit:compress_research",
  "research_supervisor:__end__",
  "final_report_generation",
  "__end__",
];

describe("npm run dev, used through the LangGraph SDK only", () => {
  let standin: StandIn;
  let server: ServerProcess;
  let client: Client;

  before(async () => {
    standin = await startStandIn({ latencyMs: 0, units: 2, searchRounds: 1 });
    const port = await freePort();
    server = await startServer("npm", ["run", "dev", "--", "--no-browser", "--no-reload"], {
      port,
      ready: "/ok",
      env: { PORT: String(port), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: "test-key-not-secret", LANGSMITH_TRACING: undefined, BROWSER: "none" },
    });
    client = new Client({ apiUrl: server.url });
  });

  after(async () => {
    await server?.stop();
    await standin?.close();
  });

  test("assistant, settings form, drawing; a run that asks, is answered in the chat, and reports", async () => {
    const [assistant] = await client.assistants.search({ graphId: "deep_researcher" });
    assert.ok(assistant, "the graph is registered as an assistant");

    const schemas = await client.assistants.getSchemas(assistant.assistant_id);
    for (const schema of [schemas.config_schema, schemas.context_schema]) {
      const properties = (schema as { properties?: Record<string, { description?: string }> } | null)?.properties ?? {};
      assert.deepEqual(Object.keys(properties), CONFIGURATION_KEYS);
      assert.ok(
        Object.values(properties).every((field) => field.description),
        "every setting is described",
      );
    }

    const drawing = await client.assistants.getGraph(assistant.assistant_id, { xray: true });
    assert.deepEqual(drawing.nodes.map((node) => String(node.id)).sort(), [...NODES].sort());

    const thread = await client.threads.create();
    const config = { configurable: { search_api: "local", local_corpus_path: CORPUS } };
    const seen = new Set<string>();
    const custom: { type?: string }[] = [];
    let question = "";
    for await (const chunk of client.runs.stream(thread.thread_id, assistant.assistant_id, {
      input: { messages: [{ role: "user", content: AMBIGUOUS }] },
      config,
      streamMode: ["updates", "custom", "messages-tuple"],
      streamSubgraphs: true,
    })) {
      seen.add(chunk.event.split("|")[0]);
      const interrupts = (chunk.data as { __interrupt__?: { value: { question: string } }[] } | undefined)?.__interrupt__;
      if (chunk.event.startsWith("updates") && interrupts) question = interrupts[0].value.question;
    }
    assert.match(question, /Mercury/, "the clarifying question came as an interrupt");
    assert.ok(seen.has("updates") && seen.has("messages"), `stream events: ${[...seen].join(", ")}`);

    const events: string[] = [];
    for await (const chunk of client.runs.stream(thread.thread_id, assistant.assistant_id, {
      input: { messages: [{ role: "user", content: ANSWER }] },
      config,
      streamMode: ["updates", "custom", "messages-tuple"],
      streamSubgraphs: true,
    })) {
      events.push(chunk.event);
      if (chunk.event.startsWith("custom")) custom.push(chunk.data as { type?: string });
      assert.notEqual(chunk.event, "error", JSON.stringify(chunk.data));
    }
    assert.ok(
      events.some((event) => event.startsWith("updates|research_supervisor")),
      "subgraph updates are streamed with their namespace",
    );
    assert.ok(
      custom.some((event) => event.type === "unit_started"),
      "progress events arrive on the custom stream",
    );

    const state = await client.threads.getState<{ final_report: string; messages: { type: string }[] }>(thread.thread_id);
    assert.match(state.values.final_report, /^# /, "the final state holds the report");
    assert.equal(standin.stats().byRole.clarify, 1, "the answer was not met with the question again");
    assert.doesNotMatch(server.log(), /MaxListenersExceededWarning/);
  });

  // langgraph.json's http.app puts Fanout's run check in front of the dev server's run routes.
  test("a bad setting is refused with 422, naming the key and the value in words, before any run is stored", async () => {
    const [assistant] = await client.assistants.search({ graphId: "deep_researcher" });
    const thread = await client.threads.create();
    const payload = {
      input: { messages: [{ role: "user", content: "How does tidal power generate electricity?" }] },
      config: { configurable: { max_search_results: "many" } },
    };
    for (const call of [
      () => client.runs.wait(thread.thread_id, assistant.assistant_id, payload),
      () => client.runs.create(thread.thread_id, assistant.assistant_id, payload),
    ]) {
      const failure = await call().then(
        () => assert.fail("the run should be refused"),
        (error: Error & { status: number }) => error,
      );
      assert.equal(failure.status, 422);
      const body = JSON.parse(failure.message.replace(/^HTTP 422: /, "")) as { error: string; message: string };
      assert.equal(body.error, "ConfigurationError");
      assert.match(body.message, /^bad value "many" for "max_search_results" .*expected a whole number from 1 to 20$/);
      assert.doesNotMatch(body.message, /--set/, "no CLI advice to a server user");
    }
    const foreignLimits = await client.runs.wait(thread.thread_id, assistant.assistant_id, { ...payload, config: { configurable: { max_model_concurrency: 2 } } }).then(
      () => assert.fail("a run asking for other process-wide limits should be refused"),
      (error: Error & { status: number }) => error,
    );
    assert.equal(foreignLimits.status, 422);
    assert.match(foreignLimits.message, /max_model_concurrency \(the server's: 0/);
    assert.deepEqual(await client.runs.list(thread.thread_id), [], "no run was stored");
  });
});
