import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Bm25 } from "../../../src/search/local/bm25.js";
import { stem } from "../../../src/search/local/stem.js";
import { tokenize } from "../../../src/search/local/tokenize.js";

// Four tiny passages, avgdl = (2 + 2 + 4 + 4) / 4 = 3, N = 4, k1 = 1.2, b = 0.75.
//   idf(b) = ln(1 + (4 - 2 + 0.5) / (2 + 0.5)) = ln 2            (df = 2)
//   idf(c) = ln(1 + (4 - 3 + 0.5) / (3 + 0.5)) = ln(10/7)        (df = 3)
//   length factor K = k1 · (0.25 + 0.75 · len/3): len 2 -> 0.9, len 4 -> 1.5
const passages = [
  ["a", "b"],
  ["a", "c"],
  ["a", "c", "d", "e"],
  ["a", "b", "c", "c"],
];

function scoreOf(bm25: Bm25, query: string[], id: number): number {
  return bm25.search(query).find((r) => r.id === id)?.score ?? 0;
}

describe("BM25 scorer", () => {
  const bm25 = new Bm25(passages);

  it("matches hand-computed scores", () => {
    const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-9, `${actual} vs ${expected}`);
    close(scoreOf(bm25, ["b"], 0), (Math.log(2) * 2.2) / (1 + 0.9));
    close(scoreOf(bm25, ["c"], 1), (Math.log(10 / 7) * 2.2) / (1 + 0.9));
    close(scoreOf(bm25, ["c"], 2), (Math.log(10 / 7) * 2.2) / (1 + 1.5));
    close(scoreOf(bm25, ["c"], 3), (Math.log(10 / 7) * 2 * 2.2) / (2 + 1.5));
    close(scoreOf(bm25, ["b", "c"], 3), (Math.log(2) * 2.2) / (1 + 1.5) + (Math.log(10 / 7) * 2 * 2.2) / (2 + 1.5));
  });

  it("gives a term found in fewer passages a higher idf and score", () => {
    assert.ok(bm25.idf("d") > bm25.idf("b"));
    assert.ok(bm25.idf("b") > bm25.idf("c"));
    assert.ok(bm25.idf("c") > bm25.idf("a"));
    // Passage 2 contains both c and d once: the rare d contributes more.
    assert.ok(scoreOf(bm25, ["d"], 2) > scoreOf(bm25, ["c"], 2));
  });

  it("normalises by length: the same single occurrence scores higher in the shorter passage", () => {
    assert.ok(scoreOf(bm25, ["c"], 1) > scoreOf(bm25, ["c"], 2));
    const flat = new Bm25(passages, { k1: 1.2, b: 0 });
    assert.equal(scoreOf(flat, ["c"], 1), scoreOf(flat, ["c"], 2));
  });

  it("ranks best first, drops non-matching passages, counts a repeated query term once", () => {
    const ranked = bm25.search(["b", "c"]);
    assert.deepEqual(
      ranked.map((r) => r.id),
      [3, 0, 1, 2],
    );
    assert.deepEqual(bm25.search(["b", "b"]), bm25.search(["b"]));
    assert.deepEqual(bm25.search(["zzz"]), []);
    assert.equal(bm25.search(["c"], 2).length, 2);
  });

  it("keeps idf positive even for a term in every passage", () => {
    assert.ok(bm25.idf("a") > 0);
    assert.equal(bm25.search(["a"]).length, 4);
  });
});

describe("tokenizer", () => {
  it("lowercases, drops stopwords and punctuation, folds accents", () => {
    assert.deepEqual(tokenize("The Café, and THE naïve résumé!"), tokenize("cafe naive resume"));
    assert.ok(!tokenize("the and of to is").length);
  });

  it("maps simple inflections to one key", () => {
    assert.equal(stem("tides"), stem("tide"));
    assert.equal(stem("running"), stem("runs"));
    assert.equal(stem("studies"), stem("studied"));
    assert.equal(stem("stopped"), stem("stop"));
    assert.equal(stem("boxes"), stem("boxe"));
    assert.equal(stem("glass"), "glass");
    assert.equal(stem("analysis"), "analysis");
  });

  it("keeps digits and non-Latin letters, splits on symbols", () => {
    assert.deepEqual(tokenize("route 66 über-cool"), [stem("route"), "66", "uber", "cool"]);
    assert.deepEqual(tokenize("Москва"), ["москва"]);
    assert.deepEqual(tokenize("東京都"), ["東京", "京都"]);
  });

  it("drops over-long junk tokens such as base64", () => {
    assert.deepEqual(tokenize(`word ${"QUJD".repeat(30)} garden`), ["word", "garden"]);
  });
});
