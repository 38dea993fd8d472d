import { test } from "node:test";
import assert from "node:assert/strict";
import { RunProgress } from "../../../src/cli/progress.js";

/** A research unit's update as the supervisor subgraph streams it. */
function unitFinished(progress: RunProgress, sources: number): void {
  const update = {
    research_unit: {
      supervisor_messages: [{ tool_call_id: "call-1", status: "success", artifact: { research_topic: "tidal power" } }],
      sources: Array.from({ length: sources }, (_, i) => ({ url: `https://example.org/${i}`, title: `page ${i}` })),
    },
  };
  progress.observe(["research_supervisor:1"], "updates", update);
}

test("a count of one reads in the singular: unit lines and the status line", () => {
  const progress = new RunProgress();
  const lines: string[] = [];
  progress.onEvent((line) => lines.push(line));
  unitFinished(progress, 1);
  unitFinished(progress, 0);
  unitFinished(progress, 2);
  assert.deepEqual(
    lines.filter((line) => line.startsWith("unit ")),
    ["unit finished (1 source): tidal power", "unit finished (0 sources): tidal power", "unit finished (2 sources): tidal power"],
  );
  progress.observe([], "custom", { type: "sources_found", count: 1, urls: ["https://example.org/0"] });
  assert.match(progress.statusLine(), / · 1 source · /);
  progress.observe([], "custom", { type: "sources_found", count: 1, urls: ["https://example.org/1"] });
  assert.match(progress.statusLine(), / · 2 sources · /);
});

test("tokens events add up to a running total on the status line and on each stage line", () => {
  const progress = new RunProgress();
  const lines: string[] = [];
  progress.onEvent((line) => lines.push(line));
  const tokens = (input: number, output: number) => ({ type: "tokens", step: "researcher", model: "gpt-4.1", input, output, cached: false });
  progress.observe([], "custom", tokens(1_200, 300));
  progress.observe(["research_supervisor:1", "research_unit:2"], "custom", tokens(800, 200));
  assert.deepEqual(progress.tokens, { input: 2_000, output: 500 });
  assert.match(progress.statusLine(), / · 2,500 tokens · /);
  progress.observe([], "custom", { type: "stage", stage: "final_report_generation" });
  assert.equal(lines.at(-1), "stage: writing report (tokens so far: 2000 in, 500 out)");
});
