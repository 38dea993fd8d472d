import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { StandIn } from "../standin/server.js";
import { runGraph, sharedStandIn } from "../support/harness.js";
import type { ProgressEvent } from "../../src/progress.js";
import { ModelUsage } from "../../src/limits/usage.js";

type Of<T extends ProgressEvent["type"]> = Extract<ProgressEvent, { type: T }>;

describe("progress events on the custom stream", () => {
  const current = sharedStandIn({ units: 3, searchRounds: 1 });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
    standin.reset();
  });

  test("stages in order; each unit started and finished under one id and topic; sources found per unit", async () => {
    const run = await runGraph("How does tidal power generate electricity?", {});
    const events = run.custom as ProgressEvent[];
    const of = <T extends ProgressEvent["type"]>(type: T) => events.filter((event): event is Of<T> => event.type === type);

    assert.deepEqual(
      [...new Set(of("stage").map((event) => event.stage))],
      ["clarify_with_user", "write_research_brief", "research_supervisor", "final_report_generation"],
    );

    const started = of("unit_started");
    const finished = of("unit_finished");
    assert.equal(started.length, 3);
    assert.deepEqual(
      finished.map((event) => [event.id, event.topic]).sort(),
      started.map((event) => [event.id, event.topic]).sort(),
      "every unit that started finished, under the same id and topic",
    );
    assert.ok(finished.every((event) => event.status === "done" && event.sources > 0));

    const found = of("sources_found");
    assert.ok(found.length > 0);
    const topics = new Map(started.map((event) => [event.id, event.topic]));
    for (const event of found) assert.equal(topics.get(event.unit), event.topic, "sources are found by a unit that started");
  });

  test("a failed tool call names its unit", async () => {
    const broken = tool(
      async () => {
        throw new Error("disk on fire");
      },
      { name: "broken_tool", description: "always fails", schema: z.object({ x: z.string() }) },
    );
    standin.configure({
      units: 1,
      behaviour: (request) => {
        const firstResearcherTurn = request.role === "researcher" && !request.messages.some((m) => m.role === "tool");
        return firstResearcherTurn ? { toolCalls: [{ name: "broken_tool", args: { x: "a" } }] } : undefined;
      },
    });
    const run = await runGraph("How does tidal power generate electricity?", {}, { tools: [broken] });
    const events = run.custom as ProgressEvent[];
    const [started] = events.filter((event): event is Of<"unit_started"> => event.type === "unit_started");
    const failed = events.filter((event): event is Of<"tool_failed"> => event.type === "tool_failed");
    assert.equal(failed.length, 1);
    assert.deepEqual([failed[0].unit, failed[0].topic, failed[0].tool], [started.id, started.topic, "broken_tool"]);
    assert.match(failed[0].error, /disk on fire/);
  });

  test("a tokens event per model call, naming its unit inside one; together they are the run's usage", async () => {
    const usage = new ModelUsage();
    const run = await runGraph("How does tidal power generate electricity?", {}, { callbacks: [usage] });
    const events = run.custom as ProgressEvent[];
    const tokens = events.filter((event): event is Of<"tokens"> => event.type === "tokens");
    const totals = usage.totals();
    assert.equal(tokens.length, totals.model_calls);
    assert.equal(tokens.length, standin.stats().total, "one event per request the provider answered");
    const sum = (key: "input" | "output") => tokens.reduce((total, event) => total + event[key], 0);
    assert.deepEqual([sum("input"), sum("output")], [totals.input_tokens, totals.output_tokens]);
    assert.ok(totals.input_tokens > 0 && totals.output_tokens > 0);

    const topics = new Map(events.filter((event): event is Of<"unit_started"> => event.type === "unit_started").map((event) => [event.id, event.topic]));
    const inUnits = tokens.filter((event) => ["researcher", "researcher_tools", "compress_research"].includes(event.step));
    assert.equal(new Set(inUnits.map((event) => event.unit)).size, 3, "each unit's calls are named by its id");
    for (const event of inUnits) assert.equal(topics.get(event.unit!), event.topic);
    for (const event of tokens.filter((event) => !inUnits.includes(event))) assert.equal(event.unit, undefined);
    const steps = new Set(tokens.map((event) => event.step));
    for (const step of ["write_research_brief", "supervisor", "researcher", "compress_research", "final_report_generation"]) assert.ok(steps.has(step), step);
  });
});
