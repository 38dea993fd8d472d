import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HumanMessage } from "@langchain/core/messages";
import { ConfigurationError, ConfigurationSchema } from "../../../src/config.js";
import { createChatModel } from "../../../src/models.js";
import { laneNamed } from "../../../src/limits/limitedFetch.js";
import { LimitsInUse, configureLimits, configureLimitsFromEnv, limitSettings, limitsDifferingFrom } from "../../../src/limits/settings.js";
import { sharedStandIn } from "../../support/harness.js";
import { freshLimits } from "./support.js";

const ask = () => createChatModel("openai:gpt-4.1", { maxTokens: 100, timeoutSeconds: 30 }).invoke([new HumanMessage("Say hello")]);

describe("process-wide limits are set once and never changed under a run in flight", () => {
  const standin = sharedStandIn();

  test("new limits are refused while a lane carries another run's call, and the lane keeps its width; once idle, they apply", async () => {
    freshLimits({ max_model_concurrency: 2 });
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    standin().configure({ behaviour: async () => void (await held) });
    const call = ask();
    for (let tick = 0; tick < 200 && standin().stats().inFlight === 0; tick += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(laneNamed("model:openai").inFlight, 1);

    assert.throws(() => configureLimits(ConfigurationSchema.parse({ cache: false, retry_initial_delay_ms: 5, max_model_concurrency: 5 })), LimitsInUse);
    assert.equal(laneNamed("model:openai").width, 2);
    assert.equal(limitSettings().max_model_concurrency, 2);
    // The same limits again change nothing, so they are no threat to the run in flight.
    configureLimits(ConfigurationSchema.parse({ cache: false, retry_initial_delay_ms: 5, max_model_concurrency: 2 }));

    release();
    await call;
    configureLimits(ConfigurationSchema.parse({ cache: false, retry_initial_delay_ms: 5, max_model_concurrency: 5 }));
    assert.equal(laneNamed("model:openai").width, 5);
  });

  test("the server's start sets them from FANOUT_* variables; a bad one stops it, named", () => {
    freshLimits();
    configureLimitsFromEnv({ FANOUT_MAX_MODEL_CONCURRENCY: "3", FANOUT_SEARCH_REQUESTS_PER_MINUTE: "30" });
    assert.equal(laneNamed("model:openai").width, 3);
    assert.equal(limitSettings().search_requests_per_minute, 30);
    assert.throws(() => configureLimitsFromEnv({ FANOUT_MAX_FETCH_CONCURRENCY: "many" }), ConfigurationError);
    assert.equal(limitSettings().max_model_concurrency, 3);
  });

  test("a run's own settings that differ from the process's limits are named (the server refuses such a run)", () => {
    const process = freshLimits({ max_model_concurrency: 4 });
    assert.deepEqual(limitsDifferingFrom(process), []);
    assert.deepEqual(limitsDifferingFrom({ ...process, max_model_concurrency: 2, cache: true }), ["max_model_concurrency", "cache"]);
  });
});
