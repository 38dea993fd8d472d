import { test } from "node:test";
import assert from "node:assert/strict";
import { aspectCoverage, citationSupport, citationValidity, sourcesUsed, structure, type RunOutput } from "../../../eval/evaluators.js";
import { mean } from "../../../eval/results.js";

const words = (count: number) => Array.from({ length: count }, (_, i) => `word${i}`).join(" ");

function output(report: string, overrides: Partial<RunOutput> = {}): RunOutput {
  return {
    status: "done",
    reason: "",
    report,
    sources: [
      { url: "https://a.example/1", title: "One" },
      { url: "https://a.example/2", title: "Two" },
      { url: "https://a.example/3", title: "Three" },
    ],
    citation_check: { checked: 4, retrieved: 3 },
    research_brief: "",
    raw_notes: [],
    ...overrides,
  };
}

const GOOD = `# Title\n\n## One\n\n${words(200)} uses backoff [1].\n\n## Two\n\nMore [2].\n\n## Sources\n\n1. [One](https://a.example/1)\n2. [Two](https://a.example/2)\n`;

test("citation validity is the share of citations naming a retrieved source, and 0 when the list names anything else", () => {
  assert.equal(citationValidity(output(GOOD)).score, 0.75);
  const stray = GOOD.replace("https://a.example/2)", "https://elsewhere.example/)");
  assert.equal(citationValidity(output(stray)).score, 0);
  assert.equal(citationValidity(output("# T\n", { citation_check: { checked: 0, retrieved: 0 } })).score, null);
});

test("sources used, structure and aspect coverage", () => {
  assert.equal(sourcesUsed(output(GOOD)).score, 2 / 3);
  assert.equal(structure(output(GOOD)).score, 1);
  const short = structure(output("# Title\n\nToo short.\n"));
  assert.equal(short.score, 0.25);
  assert.match(short.comment, /missing: sections, sources list, 150–12000 words/);
  const coverage = aspectCoverage(output(GOOD), [
    { aspect: "backoff", keywords: ["Backoff"] },
    { aspect: "priorities", keywords: ["priority", "queue"] },
  ]);
  assert.equal(coverage.score, 0.5);
  assert.equal(coverage.comment, "missed: priorities");
});

test("citation support applies only when claims were checked; means skip scores that do not apply", () => {
  assert.equal(citationSupport(output(GOOD)).score, null);
  assert.equal(citationSupport(output(GOOD, { citation_check: { checked: 4, retrieved: 4, supported: 3 } })).score, 0.75);
  assert.equal(mean([1, null, 0.5]), 0.75);
  assert.equal(mean([null]), null);
});
