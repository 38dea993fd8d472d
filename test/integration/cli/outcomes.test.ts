/**
 * A run's outcome, told honestly by the CLI: done, partial, failed, waiting for
 * an answer or interrupted, each with its exit code, its reason on stderr and
 * (with --json) a result object on stdout.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { startStandIn, type StandIn, type StandInOptions } from "../../standin/server.js";
import type { ParsedRequest } from "../../standin/types.js";
import { runCli, startCli } from "../../support/cli.js";
import { assertReport, CORPUS, embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

const QUESTION = "How does tidal power generate electricity?";
const WEB = ["--set", "search_api=tavily", "--set", "allow_clarification=false"];

/** Long queries, so a message that puts them before the cause has no room left for it. */
const QUERIES = [
  "tidal barrage power stations history of construction and the engineering lessons learnt along the way",
  "tidal stream turbines versus barrages compared on cost, output, reliability and environmental impact",
];

/** A stand-in, a fake Tavily and an embedded store of the test's own. */
async function ownRun(t: TestContext, options: StandInOptions = {}): Promise<{ standin: StandIn; env: Record<string, string | undefined> }> {
  const standin = await startStandIn({ latencyMs: 2, ...options });
  t.after(() => standin.close());
  const env = { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY, TAVILY_API_KEY: "tvly-test", TAVILY_API_BASE_URL: standin.tavilyUrl };
  return { standin, env };
}

/** The report writer's request (compression is also a "writer" request to the stand-in). */
const isReportWriter = (request: { role: string; topic: string }) => request.role === "writer" && request.topic.startsWith("You write the final report");

/** Researchers search QUERIES first; the fake Tavily refuses both with a 401. */
function failEverySearch(standin: StandIn, seen: ParsedRequest[]): void {
  for (const query of QUERIES) standin.tavily.failQuery(query, 401);
  standin.configure({
    behaviour: (request) => {
      seen.push(request);
      const firstTurn = request.role === "researcher" && !request.messages.some((m) => m.role === "tool");
      return firstTurn ? { toolCalls: [{ name: "web_search", args: { queries: QUERIES } }] } : undefined;
    },
  });
}

describe("run outcomes", { concurrency: true }, () => {
  test("a failed search's cause reaches the model and the progress line", async (t) => {
    const { standin, env } = await ownRun(t, { units: 1 });
    const seen: ParsedRequest[] = [];
    failEverySearch(standin, seen);
    const result = await runCli([QUESTION, ...WEB], { env });
    const line = result.stderr.split("\n").find((l) => l.includes("tool web_search failed"));
    assert.ok(line, `a progress line for the failed search:\n${result.stderr}`);
    assert.match(line, /tool web_search failed: every query failed: Tavily error 401: /);
    const answered = seen.find((r) => r.role === "researcher" && r.messages.some((m) => m.role === "tool"));
    const toolReply = answered?.messages.find((m) => m.role === "tool")?.content ?? "";
    assert.match(toolReply, /every query failed: Tavily error 401: /, "the model reads the cause");
  });

  test("a report writer that keeps failing fails the run; the resume retries only the writer", async (t) => {
    const { standin, env } = await ownRun(t, {
      units: 2,
      behaviour: (request) => (isReportWriter(request) ? { status: 400, message: "writer refuses" } : undefined),
    });
    const failed = await runCli([QUESTION, ...RESEARCH], { env });
    assert.equal(failed.code, 1, failed.stderr);
    assert.equal(failed.stdout, "", "no report, and no dump of findings posing as one");
    const [cause, hint] = failed.stderr.trimEnd().split("\n").slice(-2);
    assert.equal(cause, "fanout: the run failed: 400 writer refuses");
    const thread = /^the work so far is saved; resume with: fanout --thread ([0-9a-f-]{36})$/.exec(hint)?.[1];
    assert.ok(thread, hint);
    const before = standin.requests();
    assert.equal(before.filter(isReportWriter).length, 1);

    standin.configure({ behaviour: undefined });
    const resumed = await runCli(["--thread", thread], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assertReport(resumed.stdout);
    const again = standin.requests().slice(before.length);
    assert.deepEqual(
      again.map((r) => (isReportWriter(r) ? "report writer" : r.role)),
      ["report writer"],
      "only the writer ran again",
    );
  });

  test("every search failing finishes partial: exit 4, the cause on stderr and at the top of the report", async (t) => {
    const { standin, env } = await ownRun(t, { units: 2 });
    failEverySearch(standin, []);
    const result = await runCli([QUESTION, ...WEB], { env });
    assert.equal(result.code, 4, result.stderr);
    const last = result.stderr.trimEnd().split("\n").at(-1)!;
    assert.match(last, /^fanout: partial report: every search failed: Tavily error 401: /);
    const reason = last.replace(/^fanout: partial report: /, "");
    assert.ok(result.stdout.startsWith(`> **Partial report:** ${reason}`), result.stdout.slice(0, 300));
    assert.match(result.stdout, /^# /m, "the report itself follows");
  });

  describe("--json prints a result object on every outcome", { concurrency: true }, () => {
    type Result = { thread_id: string; status: string; reason: string; resume?: string; question?: string; report?: string; usage?: { failed_calls: number } };
    const parse = (stdout: string) => JSON.parse(stdout) as Result;

    test("done", async (t) => {
      const { env } = await ownRun(t, { units: 1 });
      const result = await runCli([QUESTION, ...RESEARCH, "--json"], { env });
      assert.equal(result.code, 0, result.stderr);
      const json = parse(result.stdout);
      assert.deepEqual([json.status, json.reason, json.resume], ["done", "", undefined]);
      assert.equal(result.stderr.split("\n")[0], `thread: ${json.thread_id}`);
      assertReport(json.report!);
    });

    test("partial", async (t) => {
      const { standin, env } = await ownRun(t, { units: 1 });
      failEverySearch(standin, []);
      const result = await runCli([QUESTION, ...WEB, "--json"], { env });
      assert.equal(result.code, 4, result.stderr);
      const json = parse(result.stdout);
      assert.equal(json.status, "partial");
      assert.match(json.reason, /^every search failed: Tavily error 401: /);
      assert.ok(json.report!.startsWith("> **Partial report:**"));
    });

    test("failed", async (t) => {
      const { env } = await ownRun(t, { units: 1, behaviour: (request) => (isReportWriter(request) ? { status: 400, message: "writer refuses" } : undefined) });
      const result = await runCli([QUESTION, ...RESEARCH, "--json"], { env });
      assert.equal(result.code, 1, result.stderr);
      const json = parse(result.stdout);
      assert.deepEqual(json, {
        thread_id: json.thread_id,
        status: "failed",
        reason: "400 writer refuses",
        resume: `fanout --thread ${json.thread_id}`,
        usage: json.usage,
      });
      // What the failed run spent is reported too; the 400 was not retried.
      assert.equal(json.usage?.failed_calls, 1);
    });

    test("waiting for an answer", async (t) => {
      const { env } = await ownRun(t);
      const result = await runCli(["Tell me about Mercury (ambiguous)", "--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, "--json"], { env });
      assert.equal(result.code, 3, result.stderr);
      const json = parse(result.stdout);
      assert.equal(json.status, "waiting for answer");
      assert.match(json.question!, /Mercury/);
      assert.equal(json.reason, `clarifying question: ${json.question}`);
      assert.equal(json.resume, `fanout --thread ${json.thread_id} --answer "…"`);
    });

    test("interrupted", async (t) => {
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      // Researchers are held until the signal has come, so the run is surely mid-flight.
      const { env } = await ownRun(t, { units: 1, behaviour: async (request) => void (request.role === "researcher" && (await released)) });
      t.after(release);
      const run = startCli([QUESTION, ...RESEARCH, "--json"], { env });
      await run.stderrLines((line) => line.includes("unit started"));
      run.child.kill("SIGINT");
      setTimeout(release, 200);
      const result = await run.done;
      assert.equal(result.code, 130, result.stderr);
      const json = parse(result.stdout);
      assert.deepEqual(json, {
        thread_id: json.thread_id,
        status: "interrupted",
        reason: "stopped by a signal (Ctrl-C or SIGTERM)",
        resume: `fanout --thread ${json.thread_id}`,
      });
    });
  });
});
