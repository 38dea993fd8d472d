import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../support/cli.js";

type Drawable = {
  getGraphAsync(options: { xray: boolean }): Promise<{ nodes: Record<string, unknown>; edges: { source: string; target: string }[] }>;
  getSubgraphsAsync(namespace: undefined, recurse: boolean): AsyncIterable<[string, { name?: string }]>;
  checkpointer?: unknown;
  name?: string;
};

/** The graph exactly as langgraph.json names it for the dev server and Studio. */
async function loadLanggraphJsonGraph(): Promise<Drawable> {
  const config = JSON.parse(readFileSync(path.join(ROOT, "langgraph.json"), "utf8")) as { graphs: Record<string, string> };
  const [file, name] = config.graphs.deep_researcher.split(":");
  const module = (await import(pathToFileURL(path.join(ROOT, file)).href)) as Record<string, Drawable>;
  return module[name];
}

test("langgraph.json names a graph compiled without a checkpointer", async () => {
  const graph = await loadLanggraphJsonGraph();
  assert.ok(graph, "the export exists");
  assert.ok(!graph.checkpointer, "the server brings its own checkpointer");
});

test("Studio can draw the whole graph, subgraphs expanded, with every routed edge", async () => {
  const drawn = await (await loadLanggraphJsonGraph()).getGraphAsync({ xray: true });
  const edges = new Set(drawn.edges.map((edge) => `${edge.source} -> ${edge.target}`));
  for (const edge of [
    "__start__ -> clarify_with_user",
    "clarify_with_user -> write_research_brief",
    "research_supervisor:supervisor -> research_supervisor:supervisor_tools",
    "research_supervisor:supervisor_tools -> research_supervisor:supervisor",
    "research_supervisor:research_unit:researcher -> research_supervisor:research_unit:researcher_tools",
    "research_supervisor:research_unit:researcher -> research_supervisor:research_unit:compress_research",
    "research_supervisor:research_unit:researcher_tools -> research_supervisor:research_unit:researcher",
    "research_supervisor:research_unit:researcher_tools -> research_supervisor:research_unit:compress_research",
    "final_report_generation -> __end__",
  ]) {
    assert.ok(edges.has(edge), `missing ${edge}; have:\n${[...edges].join("\n")}`);
  }
  assert.ok(
    [...edges].some((edge) => edge.startsWith("research_supervisor:supervisor_tools -> research_supervisor:research_unit")),
    "the Send fan-out is drawn",
  );
});

test("every graph is compiled with its name, so traces name the subgraph runs", async () => {
  const graph = await loadLanggraphJsonGraph();
  assert.equal(graph.name, "deep_researcher");
  const names: Record<string, string | undefined> = {};
  for await (const [namespace, subgraph] of graph.getSubgraphsAsync(undefined, true)) names[namespace] = subgraph.name;
  assert.deepEqual(names, { research_supervisor: "supervisor", "research_supervisor|research_unit": "researcher" });
});
