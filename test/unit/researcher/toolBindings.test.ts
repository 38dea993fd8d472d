import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ChatOpenAI } from "@langchain/openai";
import { readConfiguration } from "../../../src/config.js";
import { createToolbox } from "../../../src/researcher/toolbox.js";
import { CORPUS, runGraph, sharedStandIn } from "../../support/harness.js";

/**
 * Binding tools to a model builds a new client and converts every tool schema; done on every
 * researcher and supervisor turn, it cost more CPU than the turn's own work. Tools are made once
 * per configuration and bound once per model and tool list.
 */
describe("tools are made and bound once, not per turn", () => {
  const standin = sharedStandIn({ units: 4 });

  test("a run of 4 units binds the researcher's tools and the supervisor's once each", async (t) => {
    standin().configure({ searchRounds: 2 });
    const bindTools = t.mock.method(ChatOpenAI.prototype, "bindTools");
    // Settings of their own, so no earlier test's bindings are reused.
    const run = await runGraph("How do tides work?", { max_concurrent_research_units: 4, max_react_tool_calls: 7 });
    assert.equal(run.updates.filter((u) => u.endsWith("research_unit/compress_research")).length, 4, "four units ran");
    assert.ok(standin().stats().byRole.researcher >= 12, "each unit took three researcher turns");
    assert.equal(bindTools.mock.callCount(), 2, "one binding for the researchers' tools, one for the supervisor's");
  });

  test("the toolbox hands out the same list for the same settings, and a new one for others", async () => {
    const toolbox = createToolbox();
    const settings = { configurable: { search_api: "local", local_corpus_path: CORPUS } };
    const first = await toolbox.toolsFor(readConfiguration(settings));
    assert.equal(await toolbox.toolsFor(readConfiguration(settings)), first);
    const other = await toolbox.toolsFor(readConfiguration({ configurable: { ...settings.configurable, fetch_url_enabled: false } }));
    assert.notEqual(other, first);
    assert.deepEqual(
      other.map((tool) => tool.name),
      first.map((tool) => tool.name).filter((name) => name !== "fetch_url"),
    );
  });
});
