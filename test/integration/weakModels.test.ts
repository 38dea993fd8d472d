import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StandIn } from "../standin/server.js";
import type { Quirk } from "../standin/types.js";
import { listedSources, runGraph, sharedStandIn, useStandInTavily, type RunRecord } from "../support/harness.js";

const QUESTION = "How does tidal power generate electricity?";

/** The fallbacks a run counted, by kind. */
function fallbacks(run: RunRecord): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const event of run.custom as { type?: string; fallback?: string }[]) {
    if (event.type === "model_fallback" && event.fallback) counted[event.fallback] = (counted[event.fallback] ?? 0) + 1;
  }
  return counted;
}

/** A finished run: a report that cites only what it retrieved, and at least one source. */
function assertFinished(run: RunRecord): void {
  const report = String(run.values.final_report);
  const retrieved = new Set((run.values.sources as { url: string }[]).map((source) => source.url));
  assert.ok(retrieved.size > 0, "the run retrieved sources");
  const listed = listedSources(report);
  assert.ok(listed.length > 0, `the report cites sources:\n${report}`);
  for (const url of listed) assert.ok(retrieved.has(url), `${url} was retrieved`);
}

describe("weak and local models still finish a run", () => {
  const current = sharedStandIn({ units: 2, quirks: [] });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
  });

  /** Clarification on, so every structured call (clarify, brief, page summaries) is made. */
  const SETTINGS = { allow_clarification: true, search_api: "tavily" };

  async function runWith(quirks: Quirk[]): Promise<RunRecord> {
    standin.configure({ quirks });
    const restoreTavily = useStandInTavily(standin);
    try {
      // A model name of its own: what a model ignores is remembered per model, for the process.
      const model = `openai:weak-${quirks.join("-")}`;
      const models = { research_model: model, summarization_model: model, compression_model: model, final_report_model: model };
      return await runGraph(QUESTION, { ...SETTINGS, ...models });
    } finally {
      restoreTavily();
    }
  }

  test("a model that honours every mode needs no fallback", async () => {
    const run = await runWith([]);
    assertFinished(run);
    assert.deepEqual(fallbacks(run), {});
  });

  test("a model that ignores response_format is asked with a forced tool call, and that is counted", async () => {
    const run = await runWith(["ignores_response_format"]);
    assertFinished(run);
    assert.ok((fallbacks(run).tool_calling ?? 0) >= 3, JSON.stringify(fallbacks(run)));
    assert.equal(fallbacks(run).json_in_text ?? 0, 0);
  });

  test("a model that ignores response_format and tool_choice answers JSON in plain text, found and counted", async () => {
    const run = await runWith(["ignores_response_format", "ignores_tool_choice"]);
    assertFinished(run);
    assert.ok((fallbacks(run).json_in_text ?? 0) >= 3, JSON.stringify(fallbacks(run)));
    const summaries = standin.requests().filter((request) => request.role === "summary");
    assert.ok(summaries.length > 0);
  });

  test("JSON wrapped in prose, or in a code fence, is found", async () => {
    for (const wrap of ["json_in_prose", "json_in_fences"] as const) {
      standin.reset();
      const run = await runWith(["ignores_response_format", "ignores_tool_choice", wrap]);
      assertFinished(run);
      assert.ok((fallbacks(run).json_in_text ?? 0) >= 3, `${wrap}: ${JSON.stringify(fallbacks(run))}`);
      const degraded = run.custom.filter((event) => (event as { type?: string }).type === "step_degraded");
      assert.deepEqual(degraded, [], `${wrap}: no step went on without its answer`);
    }
  });

  test("a forced tool call whose arguments fail the schema once is asked again", async () => {
    const run = await runWith(["ignores_response_format", "bad_tool_args_once"]);
    assertFinished(run);
    const degraded = run.custom.filter((event) => (event as { type?: string }).type === "step_degraded");
    assert.deepEqual(degraded, [], "clarify and brief got their answers");
    const briefs = standin.requests().filter((request) => request.role === "brief" && request.schemaName === "ResearchQuestion" && request.toolNames.length > 0);
    assert.equal(briefs.length, 2, "the brief's tool call was asked twice");
    assert.ok(
      run.custom.some((event) => (event as { type?: string }).type === "tool_failed"),
      "the spoiled search call was answered with its error",
    );
  });

  test("tool calls written as text are made", async () => {
    const run = await runWith(["tool_calls_as_text"]);
    assertFinished(run);
    const counted = fallbacks(run);
    assert.ok((counted.tool_calls_in_text ?? 0) >= 3, JSON.stringify(counted));
    const units = (run.values.notes as string[]).length;
    assert.equal(units, 2, "the supervisor's written calls launched both units");
  });

  test("a model that never calls tools: the brief is one unit, which searches its topic and keeps the model's text", async () => {
    const run = await runWith(["no_tool_calls"]);
    assertFinished(run);
    const counted = fallbacks(run);
    assert.equal(counted.brief_as_unit, 1, JSON.stringify(counted));
    assert.equal(counted.topic_searched, 1, JSON.stringify(counted));
    assert.equal((run.values.notes as string[]).length, 1);
    assert.match((run.values.raw_notes as string[]).join("\n"), /I would look into/, "the researcher's text is in its raw notes");
  });
});
