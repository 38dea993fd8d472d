import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { hostname } from "node:os";
import path from "node:path";
import pg from "pg";
import { Client } from "@langchain/langgraph-sdk";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { CORPUS } from "../../support/harness.js";
import { dropSchema } from "../../support/postgres.js";
import { startFanoutServer, type ServerProcess } from "../../support/server.js";

const QUESTION = "How does tidal power generate electricity?";
const SETTINGS = { configurable: { search_api: "local", local_corpus_path: CORPUS, allow_clarification: false } };
/** Units whose topic starts with "Current" or "Key" hang until their server dies; the other two finish. */
const HANGING = /^(Current|Key)/;

type Custom = { type: string; topic?: string };

/** Streams a run's progress events, calling `onEvent` with each; resolves or rejects when the stream ends. */
async function follow(client: Client, threadId: string, input: unknown, onEvent: (event: Custom) => void = () => undefined): Promise<void> {
  for await (const chunk of client.runs.stream(threadId, "deep_researcher", { input: input as never, config: SETTINGS, streamMode: ["custom"], streamSubgraphs: true })) {
    if (chunk.event === "error") throw new Error(JSON.stringify(chunk.data));
    if (chunk.event.startsWith("custom")) onEvent(chunk.data as Custom);
  }
}

function hangUnfinishedUnits(standin: StandIn): void {
  standin.reset();
  standin.configure({ units: 4, latencyMs: 20, behaviour: (request) => (request.role === "researcher" && HANGING.test(request.topic) ? { hangMs: 60_000 } : undefined) });
}

/** Runs a thread on `first` until two units finished, kills or stops it, and finishes the run on `second`. */
async function interruptAndResume(standin: StandIn, first: ServerProcess, second: () => Promise<ServerProcess>, stop: (server: ServerProcess) => Promise<void>) {
  hangUnfinishedUnits(standin);
  const client = new Client({ apiUrl: first.url });
  const thread = await client.threads.create();
  let finished = 0;
  let twoFinished!: () => void;
  const ready = new Promise<void>((resolve) => (twoFinished = resolve));
  const running = follow(client, thread.thread_id, { messages: [{ role: "user", content: QUESTION }] }, (event) => {
    if (event.type === "unit_finished" && ++finished === 2) twoFinished();
  }).catch(() => "cut off");
  await ready;
  // The event precedes the unit's write to the store; allow its round trip.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const other = await second();
  const refused = await fetch(`${other.url}/threads/${thread.thread_id}/runs/stream`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ assistant_id: "deep_researcher", input: null, config: SETTINGS }),
  });
  await stop(first);
  await running;

  const before = standin.requests();
  const finishedTopics = new Set(before.filter((r) => r.role === "writer" && r.topic && !HANGING.test(r.topic)).map((r) => r.topic));
  assert.equal(finishedTopics.size, 2, "two units compressed before the stop");
  standin.configure({ behaviour: undefined });

  const resumedClient = new Client({ apiUrl: other.url });
  await follow(resumedClient, thread.thread_id, null);
  const again = standin.requests().slice(before.length);
  assert.deepEqual(
    again.filter((r) => finishedTopics.has(r.topic)).map((r) => `${r.role}:${r.topic}`),
    [],
    "no model call of a finished unit was made again",
  );
  assert.equal(new Set(again.filter((r) => r.role === "researcher").map((r) => r.topic)).size, 2, "the two unfinished units ran on the other server");
  const state = await resumedClient.threads.getState<{ final_report: string }>(thread.thread_id);
  assert.match(state.values.final_report, /^# /);
  return { other, refused };
}

describe("scale-out: two servers on one Postgres", { skip: !process.env.POSTGRES_URI && "POSTGRES_URI is not set" }, () => {
  const schema = `fanout_server_${process.pid}_${Date.now()}`;
  let standin: StandIn;
  const servers: ServerProcess[] = [];
  const start = async () => {
    const server = await startFanoutServer({
      POSTGRES_URI: process.env.POSTGRES_URI,
      FANOUT_PG_SCHEMA: schema,
      OPENAI_BASE_URL: standin.url,
      OPENAI_API_KEY: "test-key-not-secret",
    });
    servers.push(server);
    return server;
  };

  before(async () => {
    standin = await startStandIn({ latencyMs: 20 });
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await standin?.close();
    await dropSchema(process.env.POSTGRES_URI!, schema);
  });

  test("a thread runs on one server at a time; killed mid-fan-out, it finishes on the other with no finished unit redone", async () => {
    const { refused } = await interruptAndResume(standin, await start(), start, (server) => server.stop("SIGKILL"));
    assert.equal(refused.status, 409, "while the first server ran the thread, the second refused it");
    assert.match(((await refused.json()) as { message: string }).message, /is running in another process/);
  });

  test("a run whose lease is lost (its Postgres connection dropped) stops, and the thread can be run again", async () => {
    const server = await start();
    hangUnfinishedUnits(standin);
    const client = new Client({ apiUrl: server.url });
    const thread = await client.threads.create();
    let started!: () => void;
    const unitsStarted = new Promise<void>((resolve) => (started = resolve));
    const running = follow(client, thread.thread_id, { messages: [{ role: "user", content: QUESTION }] }, (event) => {
      if (event.type === "unit_started") started();
    }).then(
      () => "finished",
      () => "cut off",
    );
    await unitsStarted;
    const admin = new pg.Client({ connectionString: process.env.POSTGRES_URI });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
        `fanout-lease pid ${server.child.pid} on ${hostname()}`.slice(0, 63),
      ]);
      assert.equal(rowCount, 1, "the run's lease connection was found");
    } finally {
      await admin.end();
    }
    assert.equal(await running, "cut off", "the run stopped though its units were still hanging");
    standin.configure({ behaviour: undefined });
    await follow(client, thread.thread_id, null);
    const state = await client.threads.getState<{ final_report: string }>(thread.thread_id);
    assert.match(state.values.final_report, /^# /);
  });
});

describe("SIGTERM on the embedded store", () => {
  const home = mkdtempSync(path.join(tmpdir(), "fanout-drain-"));
  let standin: StandIn;
  const servers: ServerProcess[] = [];
  const start = async () => {
    const server = await startFanoutServer({
      POSTGRES_URI: undefined,
      FANOUT_HOME: home,
      FANOUT_API_DRAIN_SECONDS: "1",
      OPENAI_BASE_URL: standin.url,
      OPENAI_API_KEY: "test-key-not-secret",
    });
    servers.push(server);
    return server;
  };

  before(async () => {
    standin = await startStandIn({ latencyMs: 20 });
  });
  after(async () => {
    for (const server of servers) await server.stop();
    await standin?.close();
  });

  test("the server stops taking requests, lets the steps in flight save, exits 0; the run finishes on the next server", async () => {
    let exitCode: number | null = null;
    await interruptAndResume(standin, await start(), start, async (server) => {
      const exited = new Promise<void>((resolve) => server.child.on("exit", (code) => ((exitCode = code), resolve())));
      process.kill(server.child.pid!, "SIGTERM");
      await exited;
    });
    assert.equal(exitCode, 0, "a drained server exits 0");
  });

  test("a background run (no client attached) is waited for, cut off after the grace period, and finishes on the next server", async () => {
    hangUnfinishedUnits(standin);
    const first = await start();
    const client = new Client({ apiUrl: first.url });
    const thread = await client.threads.create();
    await client.runs.create(thread.thread_id, "deep_researcher", { input: { messages: [{ role: "user", content: QUESTION }] }, config: SETTINGS });
    const compressed = () =>
      new Set(
        standin
          .requests()
          .filter((r) => r.role === "writer" && r.topic && !HANGING.test(r.topic))
          .map((r) => r.topic),
      );
    while (compressed().size < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300)); // the units' results reach the store
    const exited = new Promise<number | null>((resolve) => first.child.on("exit", (code) => resolve(code)));
    process.kill(first.child.pid!, "SIGTERM");
    assert.equal(await exited, 0, "the hung background run was cut off by its own signal, so the server drained");
    assert.match(first.log(), /stopping the 1 run\(s\) in flight/, "the shutdown waited for the background run");

    const finishedTopics = compressed();
    const before = standin.requests().length;
    standin.configure({ behaviour: undefined });
    const other = new Client({ apiUrl: (await start()).url });
    const values = (await other.runs.wait(thread.thread_id, "deep_researcher", { input: null, config: SETTINGS })) as { final_report: string };
    assert.match(values.final_report, /^# /);
    const again = standin.requests().slice(before);
    assert.deepEqual(
      again.filter((r) => finishedTopics.has(r.topic)).map((r) => `${r.role}:${r.topic}`),
      [],
      "no finished unit was redone",
    );
  });
});
