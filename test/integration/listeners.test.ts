import { test } from "node:test";
import assert from "node:assert/strict";
import { MemorySaver } from "@langchain/langgraph";
import { HumanMessage } from "@langchain/core/messages";
import { CORPUS, useStandIn } from "../support/harness.js";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";

// The LangGraph server gives every run an AbortSignal, as this test does; the
// graph's calls listen on it. Node warns past 10 listeners on one signal, which
// the dev server printed 17 times per run.
test("a run with a cancel signal and many units in flight raises no MaxListenersExceededWarning", async () => {
  const standin = await useStandIn({ latencyMs: 20, units: 8, searchRounds: 2 });
  const warnings: string[] = [];
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
  process.on("warning", onWarning);
  try {
    const graph = buildDeepResearcher({ checkpointer: new MemorySaver() });
    const cancel = new AbortController();
    await graph.invoke(
      { messages: [new HumanMessage("How does tidal power generate electricity?")] },
      {
        configurable: {
          thread_id: "listeners",
          search_api: "local",
          local_corpus_path: CORPUS,
          allow_clarification: false,
          max_concurrent_research_units: 8,
          max_search_results: 10,
        },
        signal: cancel.signal,
        recursionLimit: 500,
      },
    );
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    assert.deepEqual(
      warnings.filter((warning) => warning.includes("MaxListeners")),
      [],
    );
  } finally {
    process.off("warning", onWarning);
    await standin.close();
  }
});
