/**
 * The outcome a run records next to its report: done, or partial with the
 * reason, and a report that says so at its top.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import type { StandIn } from "../standin/server.js";
import { runGraph, sharedStandIn } from "../support/harness.js";

const QUESTION = "How does tidal power generate electricity?";

type Outcome = { status: string; reason: string } | undefined;

describe("a run's recorded outcome", () => {
  const current = sharedStandIn({ units: 2, searchRounds: 1 });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
  });

  test("a run with findings and sources is done, and its report has no partial note", async () => {
    const run = await runGraph(QUESTION, {});
    assert.deepEqual(run.values.outcome, { status: "done", reason: "" });
    assert.match(String(run.values.final_report), /^# /);
  });

  test("every research unit failing makes the run partial, with the cause at the top of the report", async () => {
    standin.configure({ behaviour: (request) => (request.role === "researcher" ? { status: 400, message: "researcher refuses" } : undefined) });
    const run = await runGraph(QUESTION, {});
    const outcome = run.values.outcome as Outcome;
    assert.equal(outcome?.status, "partial");
    assert.match(outcome!.reason, /^every research unit failed: .*400 researcher refuses/);
    const report = String(run.values.final_report);
    assert.ok(report.startsWith(`> **Partial report:** ${outcome!.reason}`), report.slice(0, 200));
  });

  test("searches that find nothing in a folder make the run partial: no source was retrieved", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "fanout-unrelated-"));
    writeFileSync(path.join(folder, "bread.md"), "# Sourdough\n\nFlour, water and salt, left to rise overnight.\n");
    const run = await runGraph(QUESTION, { local_corpus_path: folder });
    assert.deepEqual(run.values.sources, []);
    const outcome = run.values.outcome as Outcome;
    assert.equal(outcome?.status, "partial");
    assert.match(outcome!.reason, /^no source was retrieved/);
    assert.ok(String(run.values.final_report).startsWith("> **Partial report:** no source was retrieved"));
  });

  test("with search_api=none a run without sources is done: none were expected", async () => {
    const run = await runGraph(QUESTION, { search_api: "none" });
    assert.deepEqual(run.values.sources, []);
    assert.deepEqual(run.values.outcome, { status: "done", reason: "" });
    assert.doesNotMatch(String(run.values.final_report), /Partial report/);
  });

  test("a follow-up question on the same thread counts its own searches, not the last run's too", async () => {
    const options = { checkpointer: new MemorySaver(), threadId: `follow-up-${Date.now()}` };
    const first = await runGraph(QUESTION, {}, options);
    const second = await runGraph("And how do tidal barrages affect estuaries?", {}, options);
    const searches = (run: typeof first) => (run.values.search_tally as { searches: number }).searches;
    assert.ok(searches(first) > 0);
    assert.equal(searches(second), searches(first), "two units, one search each, in both runs");
  });
});
