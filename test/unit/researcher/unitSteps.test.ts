import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { runGraph, sharedStandIn } from "../../support/harness.js";

/**
 * Every step of a unit is a task, a checkpoint and its writes, paid on each unit of a fan-out;
 * so a unit runs only the steps that do something.
 */
describe("the steps of one research unit", () => {
  const standin = sharedStandIn({ units: 1 });

  test("a researcher turn without tool calls goes straight to compress_research", async () => {
    standin().configure({ searchRounds: 1 });
    const run = await runGraph("How do tides work?", { max_concurrent_research_units: 1 });
    const unitSteps = run.updates.filter((update) => update.startsWith("research_supervisor/research_unit/"));
    assert.deepEqual(
      unitSteps.map((step) => step.split("/").at(-1)),
      ["researcher", "researcher_tools", "researcher", "compress_research"],
      "one search round, the answer, compression",
    );
    assert.equal(standin().stats().byRole.researcher, 2);
  });
});
