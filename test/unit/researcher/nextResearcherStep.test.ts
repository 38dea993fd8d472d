import { test } from "node:test";
import assert from "node:assert/strict";
import { nextResearcherStep } from "../../../src/researcher/researcherTools.js";
import { ensureSourcesListed } from "../../../src/researcher/compressResearch.js";

test("a researcher loops while it calls tools and has rounds left", () => {
  assert.equal(nextResearcherStep(["local_search"], 1, 3), "researcher");
  assert.equal(nextResearcherStep(["local_search", "think_tool"], 2, 3), "researcher");
});

test("a researcher compresses when done, silent, or out of rounds", () => {
  assert.equal(nextResearcherStep([], 1, 3), "compress_research");
  assert.equal(nextResearcherStep(["ResearchComplete"], 1, 3), "compress_research");
  assert.equal(nextResearcherStep(["local_search"], 3, 3), "compress_research");
});

test("compressed findings keep every retrieved URL", () => {
  const sources = [
    { url: "file:///a.md", title: "A" },
    { url: "https://b.example/x", title: "B" },
  ];
  const kept = ensureSourcesListed("Findings cite [1] file:///a.md", sources);
  assert.match(kept, /file:\/\/\/a\.md/);
  assert.match(kept, /B: https:\/\/b\.example\/x/);
  assert.equal(ensureSourcesListed("a file:///a.md b https://b.example/x", sources), "a file:///a.md b https://b.example/x");
});
