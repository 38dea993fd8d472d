/**
 * A run's outcome, told honestly by the CLI: done, partial, failed, waiting for
 * an answer or interrupted, each with its exit code, its reason on stderr and
 * (with --json) a result object on stdout.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { startStandIn, type StandIn, type StandInOptions } from "../../standin/server.js";
import type { ParsedRequest } from "../../standin/types.js";
import { runCli } from "../../support/cli.js";
import { embeddedEnv, TEST_KEY } from "./common.js";

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
});
