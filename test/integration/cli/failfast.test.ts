/**
 * Failing fast and saying where: a model server that never answers, one that is down, a Ctrl-C
 * during a hung call, and scoping steps that must not pass a failure off as the model's answer.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { runCli, startCli, type CliResult } from "../../support/cli.js";
import { assertReport, CORPUS, embeddedEnv, escapeRegExp, RESEARCH, TEST_KEY } from "./common.js";
import { topicsAsked } from "../../support/harness.js";
import { freePort } from "../../support/server.js";

const QUESTION = "How does tidal power generate electricity?";

/** A server that accepts connections, reads the requests it is sent and never answers. */
async function silentServer(): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let requests = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk) => (requests += String(chunk).match(/^POST \/v1\/chat\/completions /gm)?.length ?? 0));
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A run that failed part-way: exit 1, a message, and how to resume. */
function assertFailedResumable(result: CliResult, thread: string, pattern: RegExp): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, pattern);
  assert.ok(result.stderr.endsWith(`resume with: fanout --thread ${thread}\n`), result.stderr);
  assert.ok(!result.stderr.includes(TEST_KEY), "the key is not shown");
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 600 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), `timed out waiting for ${what}`);
}

describe("failing fast, and saying where", { concurrency: true }, () => {
  const env = () => ({ ...embeddedEnv(), OPENAI_API_KEY: TEST_KEY });

  test("a model server that never answers: the call times out after model_timeout_seconds, once, and the run fails naming the server", { timeout: 90_000 }, async (t) => {
    const silent = await silentServer();
    t.after(() => silent.close());
    const thread = `hung-${Date.now()}`;
    const run = startCli(["--thread", thread, QUESTION, ...RESEARCH, "--set", "model_timeout_seconds=1"], { env: { ...env(), OPENAI_BASE_URL: silent.url } });
    t.after(() => run.child.kill("SIGKILL"));
    const result = await run.done;
    assertFailedResumable(result, thread, new RegExp(`the model server at ${escapeRegExp(silent.url)} did not answer within 1 s`));
    assert.equal(silent.requests(), 1, "the timed-out call was not sent again");
  });

  test("a model server that is down: the run fails at once, naming the server", { timeout: 30_000 }, async (t) => {
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    const thread = `down-${Date.now()}`;
    const run = startCli(["--thread", thread, QUESTION, ...RESEARCH], { env: { ...env(), OPENAI_BASE_URL: url } });
    t.after(() => run.child.kill("SIGKILL"));
    assertFailedResumable(await run.done, thread, new RegExp(`cannot reach the model server at ${escapeRegExp(url)} \\(connection refused\\)`));
  });

  test("one Ctrl-C stops a run stuck in a hung model call; resuming finishes it", { timeout: 90_000 }, async (t) => {
    // The brief's call never ends on its own: only aborting it lets the process go.
    const standin: StandIn = await startStandIn({ latencyMs: 2, units: 2, behaviour: (request) => (request.role === "brief" ? { hangMs: 600_000 } : undefined) });
    t.after(() => standin.close());
    const runEnv = { ...env(), OPENAI_BASE_URL: standin.url };
    const thread = `ctrl-c-${Date.now()}`;
    const run = startCli(["--thread", thread, QUESTION, ...RESEARCH], { env: runEnv });
    t.after(() => run.child.kill("SIGKILL"));
    await waitFor(() => standin.stats().inFlight === 1 && standin.requests().some((r) => r.role === "brief"), "the brief's call");
    run.child.kill("SIGINT");
    const stopped = await run.done;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.equal(stopped.stdout, "");
    assert.match(stopped.stderr, /stopping after the steps in flight/);
    assert.ok(stopped.stderr.endsWith(`resume with: fanout --thread ${thread}\n`), stopped.stderr);
    await waitFor(() => standin.stats().inFlight === 0, "the hung call to end");
    assert.deepEqual(
      standin.requests().map((r) => `${r.role}:${r.status}`),
      ["brief:499"],
      "the hung call was cut off",
    );

    standin.configure({ behaviour: undefined });
    const resumed = await runCli(["--thread", thread], { env: runEnv });
    assert.equal(resumed.code, 0, resumed.stderr);
    assertReport(resumed.stdout);
  });

  test("a Ctrl-C delivered twice at once (npm forwards what the terminal sent) counts once: the step in flight finishes and is saved", { timeout: 60_000 }, async (t) => {
    const standin: StandIn = await startStandIn({ latencyMs: 2, units: 2, behaviour: (request) => (request.role === "brief" ? { hangMs: 1_500 } : undefined) });
    t.after(() => standin.close());
    const thread = `double-ctrl-c-${Date.now()}`;
    const run = startCli(["--thread", thread, QUESTION, ...RESEARCH], { env: { ...env(), OPENAI_BASE_URL: standin.url } });
    t.after(() => run.child.kill("SIGKILL"));
    await waitFor(() => standin.stats().inFlight === 1 && standin.requests().some((r) => r.role === "brief"), "the brief's call");
    run.child.kill("SIGINT");
    run.child.kill("SIGINT");
    const stopped = await run.done;
    assert.equal(stopped.code, 130, stopped.stderr);
    assert.equal(stopped.stderr.split("stopping after the steps in flight").length - 1, 1);
    assert.deepEqual(
      standin.requests().map((r) => `${r.role}:${r.status}`),
      ["brief:200"],
      "the brief's call was answered, not cut off by a 'stop now'",
    );
  });

  test(
    "a model server that goes away while units research: the run fails naming it; resumed once it is back, the units research again",
    { timeout: 90_000 },
    async (t) => {
      const port = await freePort();
      // The researchers' calls hang, so the server is gone while every unit is mid-call.
      let standin: StandIn = await startStandIn({
        port,
        latencyMs: 2,
        units: 5,
        behaviour: (request) => (request.role === "researcher" ? { hangMs: 600_000 } : undefined),
      });
      t.after(() => standin.close());
      const runEnv = { ...env(), OPENAI_BASE_URL: standin.url };
      const thread = `gone-${Date.now()}`;
      const run = startCli(["--thread", thread, QUESTION, ...RESEARCH], { env: runEnv });
      t.after(() => run.child.kill("SIGKILL"));
      await waitFor(() => standin.requests().filter((r) => r.role === "researcher").length === 5, "every unit's first call");
      await standin.close();
      assertFailedResumable(await run.done, thread, /cannot reach the model server at .* \(connection refused\)/);

      standin = await startStandIn({ port, latencyMs: 2, units: 5 });
      const resumed = await runCli(["--thread", thread], { env: runEnv });
      assert.equal(resumed.code, 0, `a whole report, not a partial one: ${resumed.stderr}`);
      assertReport(resumed.stdout);
      assert.equal(topicsAsked(standin, "researcher").size, 5, "each unit researched again");
      assert.doesNotMatch(resumed.stdout + resumed.stderr, /unit failed|every research unit failed/);
    },
  );

  test("clarify_with_user does not skip its question when the model fails: the run fails, resumable", { timeout: 90_000 }, async (t) => {
    const standin: StandIn = await startStandIn({
      latencyMs: 2,
      units: 2,
      behaviour: (request) => (request.role === "clarify" ? { status: 503, message: "overloaded" } : undefined),
    });
    t.after(() => standin.close());
    const thread = `clarify-down-${Date.now()}`;
    const result = await runCli(["--thread", thread, QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`], {
      env: { ...env(), OPENAI_BASE_URL: standin.url },
    });
    assertFailedResumable(result, thread, /the run failed: .*overloaded/);
    assert.equal(standin.requests().filter((r) => r.role === "brief").length, 0, "no brief was written from a failed clarification");
  });

  test("unusable structured replies in scoping degrade visibly: no question asked, the user's words as the brief", { timeout: 90_000 }, async (t) => {
    const standin: StandIn = await startStandIn({
      latencyMs: 2,
      units: 2,
      behaviour: (request) => (request.role === "clarify" || request.role === "brief" ? { content: "I would rather not say." } : undefined),
    });
    t.after(() => standin.close());
    const result = await runCli([QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`], { env: { ...env(), OPENAI_BASE_URL: standin.url } });
    assert.equal(result.code, 0, result.stderr);
    assertReport(result.stdout);
    assert.match(result.stderr, /clarify_with_user: .*unusable.*going on without a clarifying question/);
    assert.match(result.stderr, /write_research_brief: .*unusable.*the question as asked is the brief/);
    const requests = standin.requests();
    // Asked each way down the ladder (JSON schema, tool call), then max_structured_output_retries times as plain text.
    assert.equal(requests.filter((r) => r.role === "brief").length, 2 + 3, "every way, then max_structured_output_retries attempts at the brief");
    assert.equal(requests.find((r) => r.role === "supervisor")?.topic, QUESTION, "the supervisor researches the question as asked");
  });
});
