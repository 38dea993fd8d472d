/**
 * The routes SDK users expect of `npm start` beyond streaming: assistants, runs.wait and
 * background runs (create, get, join, joinStream, cancel), through @langchain/langgraph-sdk
 * only, on the embedded store and (POSTGRES_URI set) on Postgres.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { CORPUS } from "../../support/harness.js";
import { dropSchema } from "../../support/postgres.js";
import { startFanoutServer, stopServer, type ServerProcess } from "../../support/server.js";
import { CONFIGURATION_KEYS } from "../../../src/config.js";

const QUESTION = "How does tidal power generate electricity?";
const SETTINGS = { configurable: { search_api: "local", local_corpus_path: CORPUS, allow_clarification: false } };
const INPUT = { messages: [{ role: "user", content: QUESTION }] };
const NODE_COUNT = 13;

type Report = { final_report: string };

/** The HTTP status an SDK call failed with. */
async function statusOf(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    return (error as { status: number }).status;
  }
  return 200;
}

const STORES = [
  { name: "embedded store", skip: false as const, env: () => ({ POSTGRES_URI: undefined, FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-sdk-")) }) },
  {
    name: "Postgres",
    skip: !process.env.POSTGRES_URI && "POSTGRES_URI is not set",
    env: () => ({ POSTGRES_URI: process.env.POSTGRES_URI, FANOUT_PG_SCHEMA: SCHEMA }),
  },
];
const SCHEMA = `fanout_sdk_${process.pid}_${Date.now()}`;

for (const store of STORES) {
  describe(`npm start, SDK routes, on the ${store.name}`, { skip: store.skip }, () => {
    let standin: StandIn;
    let server: ServerProcess;
    let client: Client;

    before(async () => {
      standin = await startStandIn({ latencyMs: 0, units: 2, searchRounds: 1 });
      server = await startFanoutServer({
        ...store.env(),
        OPENAI_BASE_URL: standin.url,
        OPENAI_API_KEY: "test-key-not-secret",
        FANOUT_API_TOKEN: undefined,
        // No response cache (a process-wide setting): every run asks the stand-in, so a hung request hangs the run.
        FANOUT_CACHE: "false",
      });
      client = new Client({ apiUrl: server.url });
    });

    after(async () => {
      await stopServer(server, standin);
      if (store.name === "Postgres") await dropSchema(process.env.POSTGRES_URI!, SCHEMA);
    });

    test("the assistant: found, read by its id, its settings form and its xray drawing", async () => {
      const found = await client.assistants.search({ graphId: "deep_researcher" });
      assert.equal(found.length, 1);
      const [assistant] = found;
      assert.equal(assistant.graph_id, "deep_researcher");
      assert.deepEqual(await client.assistants.get(assistant.assistant_id), assistant);
      assert.deepEqual(await client.assistants.search({ graphId: "agent" }), []);
      assert.equal(await statusOf(client.assistants.get("agent")), 404);

      const schemas = await client.assistants.getSchemas(assistant.assistant_id);
      const settings = (schemas.context_schema as { properties: Record<string, { description?: string }> }).properties;
      assert.deepEqual(Object.keys(settings), CONFIGURATION_KEYS);
      assert.ok(Object.values(settings).every((setting) => setting.description));
      assert.ok((schemas.input_schema as { properties: object }).properties, "the input schema is there");

      const drawing = await client.assistants.getGraph(assistant.assistant_id, { xray: true });
      assert.equal(drawing.nodes.length, NODE_COUNT);
      assert.ok(drawing.nodes.some((node) => String(node.id) === "research_supervisor:research_unit:compress_research"));
      assert.equal((await client.assistants.getGraph(assistant.assistant_id)).nodes.length, 6, "without xray, the subgraph is one node");
    });

    test("runs.wait answers with the final state, on a thread (by the assistant's id) and without one", async () => {
      const [assistant] = await client.assistants.search();
      const thread = await client.threads.create();
      const values = (await client.runs.wait(thread.thread_id, assistant.assistant_id, { input: INPUT, config: SETTINGS })) as Report;
      assert.match(values.final_report, /^# /);
      assert.equal((await client.threads.getState<Report>(thread.thread_id)).values.final_report, values.final_report);
      const threadless = (await client.runs.wait(null, "deep_researcher", { input: INPUT, config: SETTINGS })) as Report;
      assert.match(threadless.final_report, /^# /);
    });

    test("a background run: created, followed with joinStream, joined, read", async () => {
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "deep_researcher", {
        input: INPUT,
        config: SETTINGS,
        streamMode: ["custom", "values"],
        streamSubgraphs: true,
      });
      assert.equal(run.thread_id, thread.thread_id);
      const custom: { type: string }[] = [];
      let lastValues: Partial<Report> = {};
      for await (const chunk of client.runs.joinStream(thread.thread_id, run.run_id)) {
        assert.notEqual(chunk.event, "error", JSON.stringify(chunk.data));
        if (chunk.event.startsWith("custom")) custom.push(chunk.data as { type: string });
        if (chunk.event === "values") lastValues = chunk.data as Report;
      }
      assert.match(lastValues.final_report ?? "", /^# /, "the stream ends with the final values");
      assert.equal(custom.filter((event) => event.type === "unit_started").length, 2, "joined from the start");
      assert.equal(custom.filter((event) => event.type === "unit_finished").length, 2);
      const joined = (await client.runs.join(thread.thread_id, run.run_id)) as Report;
      assert.match(joined.final_report, /^# /);
      assert.equal((await client.runs.get(thread.thread_id, run.run_id)).status, "success");
      assert.deepEqual(
        (await client.runs.list(thread.thread_id)).map((listed) => listed.run_id),
        [run.run_id],
      );
    });

    test("a background run holds its thread: a second run is refused (409) until it is cancelled; then the thread resumes", { timeout: 90_000 }, async () => {
      standin.reset();
      standin.configure({ behaviour: (request) => (request.role === "researcher" ? { hangMs: 60_000 } : undefined) });
      const thread = await client.threads.create();
      const run = await client.runs.create(thread.thread_id, "deep_researcher", { input: INPUT, config: SETTINGS });
      while (!standin.requests().some((request) => request.role === "researcher")) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await client.runs.get(thread.thread_id, run.run_id)).status, "running");
      assert.equal(await statusOf(client.runs.create(thread.thread_id, "deep_researcher", { input: null, config: SETTINGS })), 409);
      assert.equal(await statusOf(client.runs.wait(thread.thread_id, "deep_researcher", { input: null, config: SETTINGS })), 409);

      await client.runs.cancel(thread.thread_id, run.run_id, true);
      assert.equal((await client.runs.get(thread.thread_id, run.run_id)).status, "interrupted");
      standin.configure({ behaviour: undefined });
      const resumed = (await client.runs.wait(thread.thread_id, "deep_researcher", { input: null, config: SETTINGS })) as Report;
      assert.match(resumed.final_report, /^# /);
    });

    test("every run-starting route checks the settings first (422) and knows only its runs (404)", async () => {
      const thread = await client.threads.create();
      const bad = { input: INPUT, config: { configurable: { max_search_results: "many" } } };
      assert.equal(await statusOf(client.runs.create(thread.thread_id, "deep_researcher", bad)), 422);
      assert.equal(await statusOf(client.runs.wait(thread.thread_id, "deep_researcher", bad)), 422);
      assert.equal(await statusOf(client.runs.wait(null, "deep_researcher", bad)), 422);
      assert.deepEqual(await client.runs.list(thread.thread_id), []);
      assert.equal(await statusOf(client.runs.get(thread.thread_id, "00000000-0000-4000-8000-000000000009")), 404);
      assert.equal(await statusOf(client.runs.join(thread.thread_id, "00000000-0000-4000-8000-000000000009")), 404);
      const command = { id: 1, method: "run.start", params: { assistant_id: "deep_researcher", input: INPUT } };
      const protocol = await fetch(`${server.url}/threads/${thread.thread_id}/commands`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(command),
      });
      assert.equal(protocol.status, 404, "the embed server's protocol route, which would start a run around the lease, is closed");
      assert.deepEqual(await client.runs.list(thread.thread_id), []);
    });
  });
}
