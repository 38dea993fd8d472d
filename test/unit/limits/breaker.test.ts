import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { HumanMessage } from "@langchain/core/messages";
import { ConfigurationSchema } from "../../../src/config.js";
import { createChatModel } from "../../../src/models.js";
import { metricsRegistry } from "../../../src/limits/metrics.js";
import { createTavilyBackend } from "../../../src/search/tavily.js";
import { searchAndSummarise } from "../../../src/search/pipeline.js";
import { sharedStandIn } from "../../support/harness.js";
import { freshLimits } from "./support.js";

const ask = () => createChatModel("openai:gpt-4.1", { maxTokens: 100, timeoutSeconds: 30 }).invoke([new HumanMessage("Say hello")]);

async function breakerState(lane: string): Promise<number | undefined> {
  const metric = await metricsRegistry.getSingleMetric("fanout_breaker_state")?.get();
  return metric?.values.find((value) => value.labels.lane === lane)?.value;
}

describe("a circuit breaker per provider", () => {
  const standin = sharedStandIn();

  test("opens after breaker_threshold failures in a row, fails fast while open, and a probe closes it", async () => {
    freshLimits({ model_retries: 0, breaker_threshold: 3, breaker_cooldown_seconds: 0.3 });
    standin().failNext(3, 500);
    for (let i = 0; i < 3; i += 1) await assert.rejects(ask(), /500/);
    assert.equal(await breakerState("model:openai"), 1);
    // Open: refused here, with a message that says why and for how long; the server hears nothing.
    await assert.rejects(ask(), /circuit breaker opened after repeated failures; calls are refused for 0.3 s/);
    assert.equal(standin().stats().total, 3);
    await sleep(350);
    await ask(); // the probe
    assert.equal(standin().stats().total, 4);
    assert.equal(await breakerState("model:openai"), 0);
  });

  test("a 429 is the lane's business and never opens the breaker", async () => {
    freshLimits({ model_retries: 0, breaker_threshold: 2 });
    standin().failNext(4, 429);
    for (let i = 0; i < 4; i += 1) await assert.rejects(ask(), /429/);
    await ask();
    assert.equal(await breakerState("model:openai"), 0);
  });

  test("an open breaker on search degrades the search to an error the researcher reads", async () => {
    freshLimits({ search_retries: 0, breaker_threshold: 2, breaker_cooldown_seconds: 30 });
    const backend = createTavilyBackend({ TAVILY_API_KEY: "tvly-test", TAVILY_API_BASE_URL: standin().tavilyUrl });
    standin().tavily.failQuery("broken", 503);
    for (let i = 0; i < 2; i += 1) await assert.rejects(backend.search("broken", 3), /503/);
    const configuration = ConfigurationSchema.parse({ max_search_results: 3 });
    await assert.rejects(searchAndSummarise(["fine query"], backend, configuration), /every query failed: .*search:tavily is failing: its circuit breaker opened/);
    assert.equal(standin().tavily.calls().length, 2);
  });
});
