import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HumanMessage } from "@langchain/core/messages";
import { createChatModel } from "../../../src/models.js";
import { metricsRegistry } from "../../../src/limits/metrics.js";
import { backoffMs } from "../../../src/limits/faults.js";
import { sharedStandIn } from "../../support/harness.js";
import { freshLimits } from "./support.js";

const ask = (retries?: number) => createChatModel("openai:gpt-4.1", { maxTokens: 100, timeoutSeconds: 30, maxRetries: retries }).invoke([new HumanMessage("Say hello")]);

async function retriesCounted(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric("fanout_retries_total")?.get();
  return (metric?.values ?? []).filter((value) => value.labels.lane === "model:openai").reduce((sum, value) => sum + value.value, 0);
}

describe("one retry layer", () => {
  const standin = sharedStandIn();

  test("a call answered 500 twice is sent three times, and each failure is retried exactly once", async () => {
    freshLimits({ model_retries: 3 });
    standin().failNext(2, 500);
    const before = await retriesCounted();
    await ask();
    assert.equal(standin().stats().total, 3);
    assert.equal(standin().stats().byStatus["500"], 2);
    assert.equal((await retriesCounted()) - before, 2);
  });

  test("by default a call survives 6 faults in a row (at 20% random faults, 4 in a row cut short 2 runs in 60)", async () => {
    freshLimits({ breaker_threshold: 100 });
    standin().failNext(3, 500);
    standin().failNext(3, 429);
    await ask();
    assert.equal(standin().stats().total, 7);
  });

  test("model_retries bounds the attempts: 1 + 3, never the client's retries times ours", async () => {
    freshLimits({ model_retries: 3, breaker_threshold: 100 });
    standin().failNext(10, 503);
    await assert.rejects(ask());
    assert.equal(standin().stats().total, 4);
  });

  test("429 and a connection cut off are retried; the reply's retry-after is honoured", async () => {
    freshLimits({ model_retries: 2 });
    let calls = 0;
    const arrivals: number[] = [];
    standin().configure({
      behaviour: () => {
        calls += 1;
        arrivals.push(Date.now());
        return calls === 1 ? { status: 429, retryAfterMs: 300 } : undefined;
      },
    });
    await ask();
    assert.equal(calls, 2);
    // The wait is at least what the server asked for (a lower bound, not a timing claim).
    assert.ok(arrivals[1] - arrivals[0] >= 290, `waited ${arrivals[1] - arrivals[0]} ms`);
  });

  for (const status of [400, 401, 403]) {
    test(`${status} is never retried`, async () => {
      freshLimits({ model_retries: 3 });
      standin().failNext(1, status, `refused with ${status}`);
      await assert.rejects(ask(), new RegExp(String(status)));
      assert.equal(standin().stats().total, 1);
    });
  }

  test("a model's own retry count (the summariser's 1) overrides model_retries", async () => {
    freshLimits({ model_retries: 3, breaker_threshold: 100 });
    standin().failNext(10, 500);
    await assert.rejects(ask(1));
    assert.equal(standin().stats().total, 2);
  });
});

test("full jitter: waits lie between 0 and the doubling bound, and never under retry-after", () => {
  assert.equal(
    backoffMs(1, 500, 0, () => 0.999),
    500,
  );
  assert.equal(
    backoffMs(3, 500, 0, () => 0.5),
    1000,
  );
  assert.equal(
    backoffMs(1, 500, 0, () => 0),
    0,
  );
  assert.equal(
    backoffMs(1, 500, 2000, () => 0.1),
    2000,
  );
  assert.equal(
    backoffMs(30, 500, 0, () => 1),
    30_000,
  );
});
