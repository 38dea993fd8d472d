import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HumanMessage } from "@langchain/core/messages";
import { createChatModel } from "../../../src/models.js";
import { metricsRegistry } from "../../../src/limits/metrics.js";
import { estimatedCostUsd } from "../../../src/limits/prices.js";
import { ModelUsage, tallyUsage } from "../../../src/limits/usage.js";
import { runGraph, sharedStandIn } from "../../support/harness.js";
import { freshLimits } from "./support.js";

describe("model usage: calls, tokens and cost", () => {
  const standin = sharedStandIn();

  test("a run's callbacks count its calls and the tokens the provider reported", async () => {
    freshLimits({ model_retries: 1 });
    const usage = new ModelUsage();
    const model = createChatModel("openai:gpt-4.1", { maxTokens: 100, timeoutSeconds: 30 });
    await model.invoke([new HumanMessage("Say hello")], { callbacks: [usage] });
    standin().failNext(2, 500);
    await assert.rejects(model.invoke([new HumanMessage("Say hello again")], { callbacks: [usage] }));
    const { prompt, completion } = standin().stats().tokens;
    const totals = usage.totals();
    assert.equal(totals.model_calls, 1);
    assert.equal(totals.failed_calls, 1);
    assert.equal(totals.input_tokens, prompt);
    assert.equal(totals.output_tokens, completion);
    assert.equal(totals.cost_usd, Math.round(estimatedCostUsd("gpt-4.1", prompt, completion)! * 1e6) / 1e6);
    assert.match(await metricsRegistry.metrics(), /fanout_model_tokens_total\{model="gpt-4.1",direction="input"\} [1-9]/);
  });

  test("a model without a known price makes the cost null rather than a wrong number", () => {
    assert.equal(estimatedCostUsd("llama3.1:8b", 1000, 1000), undefined);
    assert.equal(estimatedCostUsd("gpt-4.1-2025-04-14", 1_000_000, 0), 2);
  });

  test("a unit that finishes without having started in this run (a resume) counts as started once", () => {
    const usage = new ModelUsage();
    usage.countUnit("started", "a");
    usage.countUnit("finished", "a");
    usage.countUnit("finished", "b");
    usage.countUnit("started", "c");
    assert.deepEqual([usage.totals().units_started, usage.totals().units_finished], [3, 2]);
  });

  test("a run tallied in a usage scope counts its calls and research units, with no run-level callback", async () => {
    freshLimits();
    standin().configure({ units: 2 });
    const usage = new ModelUsage();
    const other = new ModelUsage();
    await Promise.all([
      tallyUsage(usage, () => runGraph("How do tides work?", { max_concurrent_research_units: 2 })),
      tallyUsage(other, () => runGraph("How do tides work?", { max_concurrent_research_units: 2 })),
    ]);
    assert.equal(usage.totals().units_started, 2);
    assert.equal(usage.totals().units_finished, 2);
    assert.equal(usage.totals().model_calls + other.totals().model_calls, standin().stats().total, "each call is counted once, in its own run");
    assert.equal(usage.totals().model_calls, other.totals().model_calls);
  });
});
