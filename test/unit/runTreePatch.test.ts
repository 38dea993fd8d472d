/**
 * patches/@langchain+core+*.patch: without a LangSmith tracer, a runnable's context scope holds a
 * plain object instead of a RunTree (each RunTree cost ~28 µs: a uuid7 from crypto, a date string,
 * environment reads; a 16-unit run made 552 of them). These tests fail if the patch is not applied,
 * and check that what the scope is for still works: the config is found, tracing stays off
 * inside, and with a tracer the scope is a RunTree as before.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RunnableLambda } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { getContextVariable, setContextVariable } from "@langchain/core/context";
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { END, START, StateGraph, getConfig } from "@langchain/langgraph";
import { Client } from "langsmith";
import { isRunTree } from "langsmith/run_trees";
import { z } from "zod";

type Seen = { scope: unknown; configuredValue: unknown };

/** A one-node graph whose node records the context scope it runs in and the config it can find. */
async function runNode(callbacks?: LangChainTracer[]): Promise<Seen> {
  let seen: Seen | undefined;
  const graph = new StateGraph(z.object({ n: z.number() }))
    .addNode("node", (state) => {
      seen = { scope: AsyncLocalStorageProviderSingleton.getInstance().getStore(), configuredValue: getConfig().configurable?.marker };
      return { n: state.n + 1 };
    })
    .addEdge(START, "node")
    .addEdge("node", END)
    .compile();
  const result = await graph.invoke({ n: 1 }, { configurable: { marker: "found" }, callbacks });
  assert.equal(result.n, 2);
  assert.ok(seen, "the node ran");
  return seen;
}

test("without a tracer a node's scope is no RunTree, and its config is still found", async () => {
  const seen = await runNode();
  assert.equal(isRunTree(seen.scope), false, "the scope is a RunTree: is patches/@langchain+core applied?");
  assert.equal(seen.configuredValue, "found");
  assert.equal((seen.scope as { tracingEnabled?: boolean }).tracingEnabled, false, "tracing stays off for nested calls");
});

test("setContextVariable inside a node keeps the node's config in scope", async () => {
  let seen: { marker: unknown; variable: unknown } | undefined;
  const graph = new StateGraph(z.object({ n: z.number() }))
    .addNode("node", () => {
      setContextVariable("fanout_test", 42);
      seen = { marker: getConfig().configurable?.marker, variable: getContextVariable("fanout_test") };
      return {};
    })
    .addEdge(START, "node")
    .addEdge("node", END)
    .compile();
  await graph.invoke({ n: 1 }, { configurable: { marker: "found" } });
  assert.deepEqual(seen, { marker: "found", variable: 42 });
});

test("a plain RunnableLambda outside any graph also runs without a RunTree", async () => {
  const lambda = RunnableLambda.from(() => AsyncLocalStorageProviderSingleton.getInstance().getStore());
  assert.equal(isRunTree(await lambda.invoke(null)), false);
});

test("with a LangSmith tracer the scope is a RunTree, as upstream", async () => {
  // A client that never sends: the run is only traced into memory here.
  const client = new Client({ apiUrl: "http://127.0.0.1:9", apiKey: "test", autoBatchTracing: false });
  client.createRun = async () => undefined;
  client.updateRun = async () => undefined;
  const seen = await runNode([new LangChainTracer({ client })]);
  assert.equal(isRunTree(seen.scope), true);
  assert.equal(seen.configuredValue, "found");
});
