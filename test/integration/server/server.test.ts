import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Client } from "@langchain/langgraph-sdk";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { CORPUS } from "../../support/harness.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, startEmbeddedFanoutServer, startServer, stopServer, type ServerProcess } from "../../support/server.js";

const TOKEN = "test-api-token-not-secret";
const AMBIGUOUS = "Tell me about Mercury (ambiguous)";
const SETTINGS = { configurable: { search_api: "local", local_corpus_path: CORPUS } };
const STREAM = { streamMode: ["updates", "custom"] as ("updates" | "custom")[], streamSubgraphs: true };

describe("npm start: the LangGraph HTTP API on the embedded store", () => {
  let standin: StandIn;
  let server: ServerProcess;
  let client: Client;
  const headers = { Authorization: `Bearer ${TOKEN}` };

  before(async () => {
    standin = await startStandIn({ latencyMs: 0, units: 2, searchRounds: 1 });
    server = await startEmbeddedFanoutServer(standin.url, { FANOUT_API_TOKEN: TOKEN, TAVILY_API_KEY: undefined, ANTHROPIC_API_KEY: undefined });
    client = new Client({ apiUrl: server.url, defaultHeaders: headers });
  });

  after(() => stopServer(server, standin));

  test("health answers without the token, with the version; every other route needs it", async () => {
    const health = await fetch(`${server.url}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok", version: "0.1.0" });
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${server.url}/threads`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).status, 401);
    const metrics = await fetch(`${server.url}/metrics`, { headers });
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain/);
    assert.match(await metrics.text(), /^process_resident_memory_bytes \d+/m);
  });

  test("a run asks, is answered by a chat message, and its thread holds the report", async () => {
    const thread = await client.threads.create();
    let question = "";
    for await (const chunk of client.runs.stream(thread.thread_id, "deep_researcher", {
      input: { messages: [{ role: "user", content: AMBIGUOUS }] },
      config: SETTINGS,
      ...STREAM,
    })) {
      const interrupts = (chunk.data as { __interrupt__?: { value: { question: string } }[] } | undefined)?.__interrupt__;
      if (interrupts) question = interrupts[0].value.question;
    }
    assert.match(question, /Mercury/);
    const custom: { type: string }[] = [];
    for await (const chunk of client.runs.stream(thread.thread_id, "deep_researcher", {
      input: { messages: [{ role: "user", content: "the planet" }] },
      config: SETTINGS,
      ...STREAM,
    })) {
      assert.notEqual(chunk.event, "error", JSON.stringify(chunk.data));
      if (chunk.event.startsWith("custom")) custom.push(chunk.data as { type: string });
    }
    assert.equal(custom.filter((event) => event.type === "unit_finished").length, 2);
    const state = await client.threads.getState<{ final_report: string }>(thread.thread_id);
    assert.match(state.values.final_report, /^# /);
  });

  test("models stream tokens only for runs whose stream modes show them (stream_tokens)", async () => {
    // Each run asks its own question: the server's response cache would answer a repeated one.
    const run = async (streamMode: ("updates" | "messages-tuple")[], question: string) => {
      const before = standin.stats();
      const thread = await client.threads.create();
      const events: string[] = [];
      for await (const chunk of client.runs.stream(thread.thread_id, "deep_researcher", {
        input: { messages: [{ role: "user", content: question }] },
        config: { configurable: { ...SETTINGS.configurable, allow_clarification: false } },
        streamMode,
      }))
        events.push(chunk.event);
      const after = standin.stats();
      return { calls: after.total - before.total, streamed: after.streamed - before.streamed, events };
    };
    const updates = await run(["updates"], "How does tidal power generate electricity?");
    assert.ok(updates.calls >= 8, "the run made its model calls");
    assert.equal(updates.streamed, 0, "no reply was streamed for a run that shows no tokens");
    const tokens = await run(["messages-tuple"], "How do wave energy converters work?");
    assert.ok(tokens.calls >= 8 && tokens.streamed > 0, "a run asking for messages gets its replies streamed");
    assert.ok(tokens.events.includes("messages"), "and the token events reach the client");
  });

  test("an interrupt is answered with Command({ resume }) as well", async () => {
    const thread = await client.threads.create();
    for await (const chunk of client.runs.stream(thread.thread_id, "deep_researcher", {
      input: { messages: [{ role: "user", content: AMBIGUOUS }] },
      config: SETTINGS,
      ...STREAM,
    })) {
      assert.notEqual(chunk.event, "error", JSON.stringify(chunk.data));
    }
    for await (const chunk of client.runs.stream(thread.thread_id, "deep_researcher", { command: { resume: "the planet" }, config: SETTINGS, ...STREAM })) {
      assert.notEqual(chunk.event, "error", JSON.stringify(chunk.data));
    }
    const state = await client.threads.getState<{ final_report: string; messages: { type: string; content: string }[] }>(thread.thread_id);
    assert.match(state.values.final_report, /^# /);
    assert.equal(state.values.messages[2].content, "the planet", "the answer stands in the chat");
  });

  test("bad requests are 4xx with a reason, and store nothing", async () => {
    const before = await client.threads.search({ limit: 100 });
    const post = (route: string, body: string) => fetch(`${server.url}${route}`, { method: "POST", body, headers: { ...headers, "content-type": "application/json" } });
    const thread = "00000000-0000-4000-8000-000000000001";

    const badSetting = await post(
      `/threads/${thread}/runs/stream`,
      JSON.stringify({ assistant_id: "deep_researcher", input: { messages: [] }, config: { configurable: { max_search_results: "many" } } }),
    );
    assert.equal(badSetting.status, 422);
    assert.match(((await badSetting.json()) as { message: string }).message, /^bad value "many" for "max_search_results"/);

    // Lanes are the server's, shared by every run: a run asking for other limits is refused, not silently run under the server's.
    const processLimit = await post(
      `/threads/${thread}/runs/stream`,
      JSON.stringify({
        assistant_id: "deep_researcher",
        input: { messages: [{ role: "user", content: "How do tides work?" }] },
        config: { configurable: { max_model_concurrency: 2 } },
      }),
    );
    assert.equal(processLimit.status, 422);
    assert.match(((await processLimit.json()) as { message: string }).message, /^max_model_concurrency \(the server's: 0, .*a run cannot change them$/);

    const empty = await post("/runs/stream", JSON.stringify({ assistant_id: "deep_researcher", input: { messages: [{ role: "user", content: "  " }] } }));
    assert.equal(empty.status, 422);
    assert.equal(((await empty.json()) as { message: string }).message, "the question is empty");

    // What the CLI refuses before a run, the server refuses before storing one.
    const ask = (configurable: Record<string, unknown>, messages: unknown[] = [{ role: "user", content: "How do tides work?" }]) =>
      post("/runs/wait", JSON.stringify({ assistant_id: "deep_researcher", input: { messages }, config: { configurable } }));
    const refusals: [Response, RegExp][] = [
      [await ask({ search_api: "local", local_corpus_path: "/no/such/folder" }), /\/no\/such\/folder/],
      [await ask({ search_api: "tavily" }), /^TAVILY_API_KEY is not set/],
      [await ask({ ...SETTINGS.configurable, research_model: "anthropic:claude-sonnet-4-5" }), /ANTHROPIC_API_KEY is not set/],
      [await ask(SETTINGS.configurable, []), /^the question is empty$/],
      [await ask(SETTINGS.configurable, [{ role: "user", content: [{ type: "text", text: "  " }] }]), /^the question is empty$/],
      // Questions in the other forms the graph reads are read too: these pass the question check and meet the missing key.
      [await ask({ search_api: "tavily" }, [["user", "How do tides work?"]]), /^TAVILY_API_KEY is not set/],
      [await ask({ search_api: "tavily" }, ["How do tides work?"]), /^TAVILY_API_KEY is not set/],
      [await ask({ search_api: "tavily" }, [{ type: "human", content: [{ type: "text", text: "How do tides work?" }] }]), /^TAVILY_API_KEY is not set/],
    ];
    for (const [answer, reason] of refusals) {
      const body = (await answer.json()) as { message: string };
      assert.equal(answer.status, 422, body.message);
      assert.match(body.message, reason);
    }

    const notJson = await post("/runs/stream", "{not json");
    assert.equal(notJson.status, 400);
    assert.match(((await notJson.json()) as { message: string }).message, /not JSON/);

    const tooBig = await post("/threads", JSON.stringify({ metadata: { padding: "x".repeat(2_000_000) } }));
    assert.equal(tooBig.status, 413);

    const otherGraph = await post("/runs/stream", JSON.stringify({ assistant_id: "agent", input: {} }));
    assert.equal(otherGraph.status, 404);

    assert.equal((await client.threads.search({ limit: 100 })).length, before.length, "no thread was stored");
    assert.equal((await fetch(`${server.url}/health`)).status, 200, "the server is still up");
  });
});

describe("npm start: a model server that goes away while units research", () => {
  test("the run ends with an error naming the server, not a partial report", async (t) => {
    // The researchers' calls hang until the model server goes away under them: both units then fail in one step.
    const standin = await startStandIn({ latencyMs: 0, units: 2, behaviour: (request) => (request.role === "researcher" ? { hangMs: 600_000 } : undefined) });
    const server = await startEmbeddedFanoutServer(standin.url);
    t.after(() => stopServer(server, undefined));
    const running = fetch(`${server.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        assistant_id: "deep_researcher",
        input: { messages: [{ role: "user", content: "How do tides work?" }] },
        config: { configurable: { ...SETTINGS.configurable, allow_clarification: false } },
      }),
    });
    for (let i = 0; i < 600 && standin.requests().filter((r) => r.role === "researcher").length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(standin.requests().filter((r) => r.role === "researcher").length, 2, "both units are mid-call");
    await standin.close();
    const answer = (await (await running).json()) as { __error__?: { error: string; message: string } };
    assert.ok(answer.__error__, JSON.stringify(answer).slice(0, 300));
    assert.match(answer.__error__.message, /^cannot reach the model server at http:\/\/127\.0\.0\.1:\d+\/v1 \(connection refused\)$/);
    assert.equal(answer.__error__.error, "ModelUnavailable");
  });
});

describe("npm start under a supervisor that signals npm", () => {
  test("SIGTERM to npm reaches the server, which drains and exits", { timeout: 60_000 }, async () => {
    const port = await freePort();
    const server = await startServer("npm", ["start"], {
      port,
      ready: "/health",
      env: {
        PORT: String(port),
        OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
        OPENAI_API_KEY: "test-key-not-secret",
        FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-npm-start-")),
        POSTGRES_URI: undefined,
      },
    });
    try {
      const exited = new Promise<number | null>((resolve) => server.child.on("exit", (code) => resolve(code)));
      server.child.kill("SIGTERM"); // npm's own pid, as a container runtime would signal it
      assert.equal(await exited, 0, server.log());
      assert.match(server.log(), /SIGTERM: no new requests/);
      for (
        let i = 0;
        i < 40 &&
        (await fetch(`${server.url}/health`).then(
          () => true,
          () => false,
        ));
        i++
      )
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(
        await fetch(`${server.url}/health`).then(
          () => true,
          () => false,
        ),
        false,
        "the server stopped with npm",
      );
    } finally {
      // The whole group: should the server outlive npm (the failure this test is for), it goes too.
      try {
        process.kill(-server.child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
});
