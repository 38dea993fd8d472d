import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StandIn } from "../standin/server.js";
import { listedSources, runGraph, sharedStandIn, type RunRecord } from "../support/harness.js";
import { contextBudget } from "../../src/context/budget.js";
import { parseConfiguration } from "../../src/config.js";

const QUESTION = "How does tidal power generate electricity?";

function assertCitesOnlyRetrieved(run: RunRecord): void {
  const report = String(run.values.final_report);
  const retrieved = new Set((run.values.sources as { url: string }[]).map((source) => source.url));
  const listed = listedSources(report);
  assert.ok(listed.length > 0, `the report cites sources:\n${report}`);
  for (const url of listed) assert.ok(retrieved.has(url), `${url} was retrieved`);
}

function shrinks(run: RunRecord): string[] {
  return (run.custom as { type?: string; fallback?: string; call?: string }[])
    .filter((e) => e.type === "model_fallback" && e.fallback === "context_shrunk")
    .map((e) => e.call ?? "");
}

describe("context limits never end a run", () => {
  const current = sharedStandIn({ units: 4, searchRounds: 2 });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
  });

  test("findings five times the report model's budget are fitted to it; the report cites only retrieved sources", async () => {
    // Many units, so the findings are long next to the prompt's fixed parts (template, brief, source list).
    standin.configure({ units: 10, searchRounds: 3 });
    const many = { max_concurrent_research_units: 10 };
    const normal = await runGraph(QUESTION, many);
    const findingsTokens = Math.ceil((normal.values.notes as string[]).join("\n\n---\n\n").length / 4);
    // A window whose prompt budget is a fifth of the findings (with a short reply, so most of it is prompt).
    const settings = { ...many, final_report_model_max_tokens: 200, final_report_model_context_tokens: Math.ceil(findingsTokens / 5 / 0.9) + 200 };
    const budget = contextBudget(parseConfiguration(settings), "final_report");
    assert.ok(findingsTokens >= 5 * budget.inputTokens * 0.95, `findings ${findingsTokens} tokens, budget ${budget.inputTokens}`);
    standin.reset();
    standin.configure({ units: 10, searchRounds: 3 });
    const small = await runGraph(QUESTION, settings);
    assertCitesOnlyRetrieved(small);
    const reportRequest = standin.requests().find((request) => request.role === "writer" && request.topic.startsWith("You write the final report"));
    assert.ok(reportRequest?.promptTokens, "the report was asked for");
    assert.ok(reportRequest.promptTokens <= budget.inputTokens, `report prompt ${reportRequest.promptTokens} tokens within ${budget.inputTokens}`);
    assert.deepEqual(shrinks(small), [], "fitted beforehand, not after an error");
  });

  test("a server that refuses any prompt over 3/4 of the largest a normal run sends: every call is retried smaller", async () => {
    const normal = await runGraph(QUESTION, {});
    assertCitesOnlyRetrieved(normal);
    const largest = Math.max(...standin.requests().map((request) => request.promptTokens ?? 0));
    const limit = Math.floor(largest * 0.75);
    standin.reset();
    standin.configure({ contextTokens: limit });
    const limited = await runGraph(QUESTION, {});
    assertCitesOnlyRetrieved(limited);
    const refused = standin.requests().filter((request) => request.status === 400);
    assert.ok(refused.length > 0, "some prompts were over the limit");
    assert.equal(shrinks(limited).length, refused.length, `each refusal was retried smaller: ${shrinks(limited).join(", ")}`);
    assert.equal(limited.custom.filter((e) => (e as { type?: string }).type === "step_degraded").length, 0);
    assert.equal((limited.values.notes as string[]).length, 4, "every unit has findings");
  });
});
