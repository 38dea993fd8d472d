import { test } from "node:test";
import assert from "node:assert/strict";
import { END, MemorySaver, ReducedValue, START, StateGraph, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { AgentState, mergeSources, SourceSchema } from "../../src/state.js";

test("sources merge by URL, keeping the first title and the order found", () => {
  const merged = mergeSources(
    [{ url: "u1", title: "First" }],
    [
      { url: "u2", title: "Second" },
      { url: "u1", title: "Again" },
      { url: "u2", title: "Dup" },
    ],
  );
  assert.deepEqual(merged, [
    { url: "u1", title: "First" },
    { url: "u2", title: "Second" },
  ]);
  assert.deepEqual(mergeSources([], { url: "u3", title: "One" }), [{ url: "u3", title: "One" }]);
});

/** The research fields as Fanout stored them before they became delta fields (plain reduced lists). */
const BeforeDeltaFields = new StateSchema({
  notes: new ReducedValue(
    z.array(z.string()).default(() => []),
    { inputSchema: z.union([z.array(z.string()), z.string()]), reducer: (a: string[], b: string[] | string) => a.concat(b) },
  ),
  raw_notes: new ReducedValue(
    z.array(z.string()).default(() => []),
    { inputSchema: z.union([z.array(z.string()), z.string()]), reducer: (a: string[], b: string[] | string) => a.concat(b) },
  ),
  sources: new ReducedValue(
    z.array(SourceSchema).default(() => []),
    { inputSchema: z.union([z.array(SourceSchema), SourceSchema]), reducer: mergeSources },
  ),
});

test("a thread saved before notes, raw notes and sources became delta fields loads and grows with them", async () => {
  const saver = new MemorySaver();
  const config = { configurable: { thread_id: "saved-before" } };
  const before = new StateGraph(BeforeDeltaFields)
    .addNode("research", () => ({ notes: ["n1", "n2"], raw_notes: "r1", sources: [{ url: "u1", title: "One" }] }))
    .addEdge(START, "research")
    .addEdge("research", END)
    .compile({ checkpointer: saver });
  await before.invoke({ notes: [] }, config);

  const now = new StateGraph(AgentState)
    .addNode("research", () => ({
      notes: "n3",
      raw_notes: "r2",
      sources: [
        { url: "u1", title: "Again" },
        { url: "u2", title: "Two" },
      ],
    }))
    .addEdge(START, "research")
    .addEdge("research", END)
    .compile({ checkpointer: saver });
  const loaded = await now.getState(config);
  assert.deepEqual([loaded.values.notes, loaded.values.raw_notes, loaded.values.sources], [["n1", "n2"], ["r1"], [{ url: "u1", title: "One" }]]);
  await now.invoke({ messages: [] }, config);
  const grown = await now.getState(config);
  assert.deepEqual(grown.values.notes, ["n1", "n2", "n3"]);
  assert.deepEqual(grown.values.raw_notes, ["r1", "r2"]);
  assert.deepEqual(grown.values.sources, [
    { url: "u1", title: "One" },
    { url: "u2", title: "Two" },
  ]);
});
