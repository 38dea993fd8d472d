/**
 * verify_citations: every report ends with its citation counts; with `claims`, each cited
 * sentence is checked against the retrieved text of the source it cites, and a citation
 * the source does not support is flagged in place.
 */
import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StandIn } from "../standin/server.js";
import { listedSources, runGraph, sharedStandIn } from "../support/harness.js";
import type { CitationCheck } from "../../src/state.js";
import { UNSUPPORTED_NOTE } from "../../src/report/claims.js";

const QUESTION = "How does tidal power generate electricity?";
const LINE = /\n\nCitations: (\d+) checked, (\d+) retrieved(?:, (\d+) supported)?\n$/;

describe("citation checks", () => {
  const current = sharedStandIn({ units: 2, searchRounds: 1 });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
  });

  test("by default the report ends with the counts of citations made and retrieved, and no model checks them", async () => {
    const run = await runGraph(QUESTION, {});
    const report = String(run.values.final_report);
    const counts = LINE.exec(report);
    assert.ok(counts, report.slice(-300));
    assert.equal(counts[3], undefined, "no supported count without the claim check");
    const check = run.values.citation_check as CitationCheck;
    assert.deepEqual([String(check.checked), String(check.retrieved)], [counts[1], counts[2]]);
    assert.ok(check.retrieved > 0);
    assert.equal(standin.requests().filter((r) => r.role === "citation_check").length, 0);
  });

  test("claims: one check per cited source, against its retrieved text; the counts add up", async () => {
    const run = await runGraph(QUESTION, { verify_citations: "claims" });
    const report = String(run.values.final_report);
    const check = run.values.citation_check as CitationCheck;
    const checks = standin.requests().filter((r) => r.role === "citation_check");
    assert.equal(checks.length, listedSources(report).length, "one call per cited source");
    assert.ok(
      checks.every((request) => request.model === "gpt-4.1-mini"),
      "the summarisation model checks",
    );
    assert.match(report, new RegExp(`\\n\\nCitations: ${check.checked} checked, ${check.retrieved} retrieved, ${check.supported} supported\\n$`));
    // The stand-in's writer quotes its sources, so its sentences are supported.
    assert.ok(check.supported! > 0, JSON.stringify(check));
    assert.equal(check.supported! + [...report.matchAll(/\]†/g)].length + (check.unchecked ?? 0), check.retrieved);
  });

  test("claims: a citation its source does not support is flagged in place and explained", async () => {
    standin.configure({
      behaviour: (request) => {
        if (request.role !== "citation_check") return undefined;
        const sentences = /<sentences>([\s\S]*)<\/sentences>/.exec(request.messages.at(-1)!.content)![1].trim().split("\n");
        const verdicts = sentences.map((_, index) => ({ sentence: index + 1, supported: false, reason: "not in the source" }));
        return { content: JSON.stringify({ verdicts }) };
      },
    });
    const run = await runGraph(QUESTION, { verify_citations: "claims" });
    const report = String(run.values.final_report);
    const check = run.values.citation_check as CitationCheck;
    assert.equal(check.supported, 0);
    const flagged = [...report.matchAll(/\[\d+\]†/g)].length;
    assert.equal(flagged, check.retrieved, "every kept citation is flagged");
    assert.ok(report.includes(UNSUPPORTED_NOTE));
    assert.match(report, /Citations: \d+ checked, \d+ retrieved, 0 supported\n$/);
  });

  test("claims: a check that fails leaves its citations unflagged and counted as not checked; the report is still written", async () => {
    standin.configure({ behaviour: (request) => (request.role === "citation_check" ? { status: 400, message: "no" } : undefined) });
    const run = await runGraph(QUESTION, { verify_citations: "claims" });
    const report = String(run.values.final_report);
    const check = run.values.citation_check as CitationCheck;
    assert.deepEqual([check.supported, check.unchecked], [0, check.retrieved]);
    assert.doesNotMatch(report, /†/);
    assert.match(report, /, 0 supported, \d+ not checked \(the check failed\)\n$/);
  });
});
