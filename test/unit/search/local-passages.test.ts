import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cutLongBlock, splitPassages } from "../../../src/search/local/passages.js";

const words = (text: string) => text.split(/\s+/).filter(Boolean);

function prose(count: number, seed: string): string {
  const vocabulary = ["river", "stone", "lantern", "orchard", "meadow", "harbour", "copper", "willow", "thunder"];
  return Array.from({ length: count }, (_, i) => `${seed}${vocabulary[i % vocabulary.length]}${i % 7 === 6 ? "." : ""}`).join(" ");
}

describe("passage splitter", () => {
  it("cuts one long paragraph into passages of at most 1,500 characters without splitting words", () => {
    const text = prose(1200, "w");
    const passages = splitPassages(text);
    assert.ok(passages.length >= 5, `got ${passages.length}`);
    for (const passage of passages) assert.ok(passage.length <= 1500, `passage of ${passage.length}`);
    assert.deepEqual(words(passages.join(" ")), words(text));
    // Sentence ends are preferred cut points.
    assert.ok(passages.slice(0, -1).every((p) => p.endsWith(".")));
  });

  it("groups short paragraphs up to the size limit", () => {
    const paragraphs = Array.from({ length: 20 }, (_, i) => prose(30, `p${i}`));
    const passages = splitPassages(paragraphs.join("\n\n"));
    assert.ok(passages.length < paragraphs.length);
    for (const passage of passages) assert.ok(passage.length <= 1500);
    assert.deepEqual(words(passages.join(" ")), words(paragraphs.join(" ")));
  });

  it("starts a new passage at a heading once the current one is big enough", () => {
    const sectionA = `# Alpha\n\n${prose(140, "a")}`;
    const sectionB = `## Beta\n\n${prose(60, "b")}`;
    const passages = splitPassages(`${sectionA}\n\n${sectionB}`);
    assert.equal(passages.length, 2);
    assert.ok(passages[1].startsWith("## Beta"));
  });

  it("keeps small sections together instead of making tiny passages", () => {
    const text = ["# One", prose(20, "x"), "## Two", prose(20, "y"), "## Three", prose(20, "z")].join("\n\n");
    assert.equal(splitPassages(text).length, 1);
  });

  it("never leaves a heading stranded at the end of a passage", () => {
    const text = [prose(200, "a"), "## Next part", prose(200, "b")].join("\n\n");
    const passages = splitPassages(text);
    for (const passage of passages) assert.ok(!/\n## Next part$/.test(passage));
    assert.ok(passages.some((p) => p.startsWith("## Next part\n\n")));
  });

  it("hard-cuts only a space-free run longer than the limit", () => {
    const pieces = cutLongBlock("x".repeat(3200), 1500);
    assert.deepEqual(
      pieces.map((p) => p.length),
      [1500, 1500, 200],
    );
  });

  it("returns nothing for blank text", () => {
    assert.deepEqual(splitPassages(" \n\n \n"), []);
  });
});
