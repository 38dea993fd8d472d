import { test } from "node:test";
import assert from "node:assert/strict";
import { citationLine, citedSentences, retrievedTexts } from "../../../src/report/claims.js";
import { finaliseCitations } from "../../../src/report/citations.js";

test("each source's retrieved text is read from the search tool's blocks in the raw notes", () => {
  const notes = [
    '--- Source 1: Tides\nURL: https://a.example/tides\n\nThe moon pulls the sea.\n\n--- Source 2: Barrages\nURL: file:///c/barrage.md\n\nLa Rance opened in 1966.\n\n(Some queries failed: boom (for "x"))',
    "researcher reply\n--- Source 1: Tides again\nURL: https://a.example/tides\n\nSpring tides are higher.",
  ];
  const texts = retrievedTexts(notes);
  assert.equal(texts.get("file:///c/barrage.md"), "La Rance opened in 1966.");
  assert.equal(texts.get("https://a.example/tides"), "The moon pulls the sea.\n\nSpring tides are higher.");
});

test("cited sentences run to their closing punctuation and the citations after it; numbers inside do not split them", () => {
  const body = "# Title\n\nLa Rance makes 0.5 TWh a year [1]. Nothing cited here. Spring tides are higher.[2][1]\n- a list item [3]\n";
  const found = citedSentences(body).map((sentence) => [sentence.text, sentence.numbers]);
  assert.deepEqual(found, [
    ["La Rance makes 0.5 TWh a year [1].", [1]],
    ["Spring tides are higher.[2][1]", [2, 1]],
    ["- a list item [3]", [3]],
  ]);
});

test("the citation counts: made, naming a retrieved source, and (with claims) supported", () => {
  const sources = [{ url: "https://a.example/1", title: "One" }];
  const finalised = finaliseCitations("Tides rise [1]. Moons pull [1, 4]. Waves [9].", sources);
  assert.deepEqual([finalised.checked, finalised.retrieved], [4, 2]);
  assert.equal(citationLine({ checked: 4, retrieved: 2 }), "Citations: 4 checked, 2 retrieved");
  assert.equal(citationLine({ checked: 14, retrieved: 14, supported: 13 }), "Citations: 14 checked, 14 retrieved, 13 supported");
  assert.equal(
    citationLine({ checked: 3, retrieved: 3, supported: 1, unchecked: 1 }),
    "Citations: 3 checked, 3 retrieved, 1 supported, 1 not checked (the check failed)",
  );
});
