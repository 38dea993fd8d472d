import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { workerOfThread } from "../../../src/server/routing.js";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { ROOT } from "../../support/cli.js";
import { CORPUS } from "../../support/harness.js";
import { startEmbeddedFanoutServer, stopServer, type ServerProcess } from "../../support/server.js";

const SETTINGS = { configurable: { search_api: "local", local_corpus_path: CORPUS, allow_clarification: false } };
const input = (n: number) => ({ messages: [{ role: "user", content: `How does tidal power generate electricity? (${n})` }] });
/** Researchers hang until their run is cancelled or cut off. */
const hangResearchers = (standin: StandIn) => standin.configure({ behaviour: (request) => (request.role === "researcher" ? { hangMs: 60_000 } : undefined) });

/** New thread ids, `perWorker` of them for each of the two workers. */
function threadIds(perWorker: number): string[][] {
  const ids: string[][] = [[], []];
  while (ids.some((list) => list.length < perWorker)) {
    const id = randomUUID();
    const list = ids[workerOfThread(id, 2)];
    if (list.length < perWorker) list.push(id);
  }
  return ids;
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`gave up waiting until ${what}`);
}

describe("npm start with FANOUT_SERVER_WORKERS=2", () => {
  let standin: StandIn;
  let server: ServerProcess;
  let client: Client;
  const post = (route: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${server.url}${route}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal });
  const runStatus = async (threadId: string, runId: string) => (await client.runs.get(threadId, runId)).status;

  before(async () => {
    standin = await startStandIn({ latencyMs: 20, units: 2, searchRounds: 1 });
    server = await startEmbeddedFanoutServer(standin.url, {
      FANOUT_SERVER_WORKERS: "2",
      FANOUT_API_DRAIN_SECONDS: "1",
      // Every run's model calls reach the stand-in (the runs here ask alike).
      FANOUT_CACHE: "false",
    });
    client = new Client({ apiUrl: server.url });
  });

  after(() => stopServer(server, standin));

  test("runs on threads go to their thread's worker, runs without one to the least busy; all finish; /metrics sums both workers", async () => {
    const [onFirst, onSecond] = threadIds(2);
    for (const threadId of [...onFirst, ...onSecond]) await client.threads.create({ threadId });
    const waited = async (route: string, n: number) => {
      const response = await post(route, { assistant_id: "deep_researcher", input: input(n), config: SETTINGS });
      const values = JSON.parse(await response.text()) as { final_report?: string };
      assert.match(values.final_report ?? "", /^# /, `${route} ended with a report`);
      return response.headers.get("x-fanout-worker");
    };
    const [onThreads, threadless] = await Promise.all([
      Promise.all([...onFirst, ...onSecond].map((id, n) => waited(`/threads/${id}/runs/wait`, n))),
      Promise.all([0, 1].map((n) => waited("/runs/wait", 10 + n))),
    ]);
    assert.deepEqual(onThreads, ["0", "0", "1", "1"], "each thread's run ran on its thread's worker");
    assert.deepEqual([...threadless].sort(), ["0", "1"], "two runs without a thread went to different workers");

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const sent = [...metrics.matchAll(/^fanout_requests_total\{[^}]*\} (\d+)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
    assert.equal(sent, standin.requests().length, "the model requests of both workers are counted");
    assert.equal(metrics.match(/^process_resident_memory_bytes \d+$/gm)?.length, 1, "the process's own metrics once");
  });

  test("a streamed run streams its events while it runs", async () => {
    standin.configure({ latencyMs: 150 });
    try {
      const [, [threadId]] = threadIds(1);
      await client.threads.create({ threadId });
      const response = await post(`/threads/${threadId}/runs/stream`, { assistant_id: "deep_researcher", input: input(20), config: SETTINGS, stream_mode: ["updates"] });
      assert.equal(response.headers.get("x-fanout-worker"), "1");
      const runId = response.headers.get("content-location")!.split("/").at(-1)!;
      const reader = response.body!.getReader();
      let text = "";
      while (!text.includes("event: updates")) text += new TextDecoder().decode((await reader.read()).value);
      assert.equal(await runStatus(threadId, runId), "running", "the first events arrived before the run ended");
      while (!(await reader.read()).done);
      assert.equal(await runStatus(threadId, runId), "success");
    } finally {
      standin.configure({ latencyMs: 20 });
    }
  });

  test("a background run is joined, read and cancelled on its thread's worker; a client that goes away cancels its streamed run", async () => {
    const [[first], [second, third]] = threadIds(2);
    for (const threadId of [first, second, third]) await client.threads.create({ threadId });
    const joined = await client.runs.create(second, "deep_researcher", { input: input(30), config: SETTINGS });
    const values = (await client.runs.join(second, joined.run_id)) as { final_report?: string };
    assert.match(values.final_report ?? "", /^# /);
    assert.equal(await runStatus(second, joined.run_id), "success");

    hangResearchers(standin);
    try {
      const researchers = () => standin.requests().filter((request) => request.role === "researcher").length;
      const before = researchers();
      const cancelled = await client.runs.create(third, "deep_researcher", { input: input(31), config: SETTINGS });
      await until(() => researchers() > before, "the background run's researchers are waiting on the model");
      await client.runs.cancel(third, cancelled.run_id, true);
      assert.equal(await runStatus(third, cancelled.run_id), "interrupted");

      const leaving = new AbortController();
      const streamed = await post(`/threads/${first}/runs/stream`, { assistant_id: "deep_researcher", input: input(32), config: SETTINGS }, leaving.signal);
      const runId = streamed.headers.get("content-location")!.split("/").at(-1)!;
      await until(() => researchers() > before + 2, "the streamed run's researchers are waiting on the model");
      leaving.abort();
      await until(async () => (await runStatus(first, runId)) === "interrupted", "the abandoned run is interrupted");
    } finally {
      standin.configure({ behaviour: undefined });
    }
  });

  test("SIGTERM drains both workers' runs after their current steps, and the server exits 0", async () => {
    standin.configure({ latencyMs: 100 });
    const [[first], [second]] = threadIds(1);
    const ended: string[] = [];
    const follow = async (threadId: string) => {
      await client.threads.create({ threadId });
      let last = "";
      for await (const chunk of client.runs.stream(threadId, "deep_researcher", { input: input(40), config: SETTINGS, streamMode: ["updates"] })) {
        last = chunk.event === "error" ? (chunk.data as { error: string }).error : chunk.event;
      }
      ended.push(last);
    };
    const before = standin.requests().length;
    const runs = [follow(first), follow(second)];
    await until(
      () =>
        standin
          .requests()
          .slice(before)
          .filter((request) => request.role === "researcher").length >= 2,
      "both runs research",
    );
    const exited = new Promise<number | null>((resolve) => server.child.on("exit", (code) => resolve(code)));
    process.kill(server.child.pid!, "SIGTERM");
    await Promise.all(runs);
    assert.equal(await exited, 0, "a drained server exits 0");
    assert.deepEqual(ended, ["GraphDrained", "GraphDrained"], "both runs stopped after their current steps, as a drain stops them");
    assert.match(server.log(), /SIGTERM: no new requests; stopping the 2 run\(s\) in flight/);
  });
});

describe("npm start with more workers than a limit allows", () => {
  test("refuses to start, naming the limit, before any worker runs", () => {
    const started = spawnSync(process.execPath, [path.join(ROOT, "dist/src/server/main.js")], {
      encoding: "utf8",
      env: {
        ...process.env,
        PORT: "0",
        FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-narrow-")),
        FANOUT_SERVER_WORKERS: "3",
        FANOUT_MAX_MODEL_CONCURRENCY: "2",
        POSTGRES_URI: "",
      },
      timeout: 30_000,
    });
    assert.equal(started.status, 2, started.stderr);
    assert.match(started.stderr, /FANOUT_SERVER_WORKERS=3 is more than max_model_concurrency=2 allows/);
    assert.doesNotMatch(started.stdout, /fanout server on/);
  });
});
