/**
 * The limits as the CLI uses them: the run's usage in --json, the response cache kept in the run
 * store across processes (and --no-cache), and a model's open circuit breaker failing the run resumable.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { runCli } from "../../support/cli.js";
import { embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";
import type { UsageSummary } from "../../../src/limits/usage.js";

const QUESTION = "How does tidal power generate electricity?";

type Usage = UsageSummary;

describe("limits in the CLI", { concurrency: true }, () => {
  test("--json carries the run's own usage: calls, tokens as the provider counted them, cost, units", { timeout: 90_000 }, async (t) => {
    const standin: StandIn = await startStandIn({ latencyMs: 2, units: 2 });
    t.after(() => standin.close());
    const result = await runCli(["--json", QUESTION, ...RESEARCH], { env: { ...embeddedEnv(), OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: standin.url } });
    assert.equal(result.code, 0, result.stderr);
    const usage = (JSON.parse(result.stdout) as { usage: Usage }).usage;
    const stats = standin.stats();
    assert.equal(usage.model_calls, stats.total);
    assert.equal(usage.input_tokens, stats.tokens.prompt);
    assert.equal(usage.output_tokens, stats.tokens.completion);
    assert.ok(typeof usage.cost_usd === "number" && usage.cost_usd > 0);
    assert.deepEqual([usage.units_started, usage.units_finished, usage.cached_calls], [2, 2, 0]);
    // The progress log adds up the run's tokens events; at the end they are its usage.
    const done = result.stderr.match(/ stage: done \(tokens so far: (\d+) in, (\d+) out\)$/m);
    assert.ok(done, result.stderr);
    assert.deepEqual([Number(done[1]), Number(done[2])], [usage.input_tokens, usage.output_tokens]);
  });

  test("the same question in a new process is answered from the run store's cache; --no-cache sends it all again", { timeout: 120_000 }, async (t) => {
    const standin: StandIn = await startStandIn({ latencyMs: 2, units: 2 });
    t.after(() => standin.close());
    const env = { ...embeddedEnv(), OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: standin.url, FANOUT_CACHE: "true" };
    const first = await runCli(["--json", QUESTION, ...RESEARCH], { env });
    assert.equal(first.code, 0, first.stderr);
    const sent = standin.stats().total;

    standin.reset();
    const second = await runCli(["--json", QUESTION, ...RESEARCH], { env });
    assert.equal(second.code, 0, second.stderr);
    const usage = (JSON.parse(second.stdout) as { usage: Usage }).usage;
    assert.equal(standin.stats().total, 0, "no request reached the model");
    assert.deepEqual([usage.cached_calls, usage.model_calls, usage.input_tokens], [sent, sent, 0]);

    const uncached = await runCli(["--json", "--no-cache", QUESTION, ...RESEARCH], { env });
    assert.equal(uncached.code, 0, uncached.stderr);
    assert.equal(standin.stats().total, sent);
  });

  test("a model provider that keeps failing opens its breaker: the run fails fast, resumable, saying why", { timeout: 90_000 }, async (t) => {
    const standin: StandIn = await startStandIn({
      latencyMs: 2,
      units: 2,
      behaviour: (request) => (request.role === "brief" ? { status: 500, message: "upstream exploded" } : undefined),
    });
    t.after(() => standin.close());
    const thread = `breaker-${Date.now()}`;
    const env = { ...embeddedEnv(), OPENAI_API_KEY: TEST_KEY, OPENAI_BASE_URL: standin.url };
    const settings = ["--set", "breaker_threshold=3", "--set", "model_retries=5", "--set", "retry_initial_delay_ms=1"];
    const result = await runCli(["--thread", thread, QUESTION, ...RESEARCH, ...settings], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /model:openai is failing: its circuit breaker opened after repeated failures/);
    assert.ok(result.stderr.endsWith(`resume with: fanout --thread ${thread}\n`), result.stderr);
    // Three failures opened it; the remaining retries were refused without a request.
    assert.equal(standin.requests().filter((r) => r.role === "brief").length, 3);
  });
});
