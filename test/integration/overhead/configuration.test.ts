import { afterEach, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StandIn } from "../../standin/server.js";
import { runGraph, sharedStandIn } from "../../support/harness.js";
import { ConfigurationSchema } from "../../../src/config.js";

/**
 * Every node reads the run's settings. LangGraph hands each task a fresh config object, so a
 * cache keyed by that object parsed and typo-checked the settings once per node call.
 */
describe("configuration is parsed a bounded number of times per run", () => {
  const current = sharedStandIn({ units: 4, searchRounds: 1 });
  let standin: StandIn;
  let parses = 0;
  const original = ConfigurationSchema.safeParse.bind(ConfigurationSchema);
  beforeEach(() => {
    standin = current();
    parses = 0;
    ConfigurationSchema.safeParse = ((...args: Parameters<typeof original>) => {
      parses += 1;
      return original(...args);
    }) as typeof ConfigurationSchema.safeParse;
  });
  afterEach(() => {
    ConfigurationSchema.safeParse = original;
  });

  test("a run with 4 units parses its settings at most twice, not once per node call", async () => {
    // A value no earlier test used, so nothing is cached from before.
    const run = await runGraph("How does tidal power generate electricity?", { max_concurrent_research_units: 4, max_search_results: 7 });
    const nodeCalls = run.updates.length;
    assert.ok(nodeCalls >= 20, `the run made ${nodeCalls} node calls`);
    assert.equal(standin.stats().byRole.researcher, 8);
    assert.ok(parses <= 2, `${parses} parses for ${nodeCalls} node calls`);
  });

  test("runs with different settings each get their own, in turn and at once", async () => {
    const unitsRun = () =>
      new Set(
        standin
          .requests()
          .filter((r) => r.role === "researcher")
          .map((r) => r.topic),
      ).size;
    await runGraph("How does tidal power generate electricity?", { max_concurrent_research_units: 1 });
    assert.equal(unitsRun(), 1);
    standin.reset();
    await runGraph("How does tidal power generate electricity?", { max_concurrent_research_units: 3 });
    assert.equal(unitsRun(), 3);
    standin.reset();
    const [one, two] = await Promise.all([
      runGraph("How does tidal power generate electricity?", { max_concurrent_research_units: 1 }),
      runGraph("How does tidal power generate electricity?", { max_concurrent_research_units: 2 }),
    ]);
    assert.deepEqual([(one.values.notes as string[]).length, (two.values.notes as string[]).length], [1, 2]);
  });
});
