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
