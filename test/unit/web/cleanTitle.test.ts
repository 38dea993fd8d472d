import { test } from "node:test";
import assert from "node:assert/strict";
import { cleanTitle } from "../../../src/util/title.js";

test("a README's badge row and markdown leave only the words", () => {
  const raw = "# [![npm](https://img.shields.io/npm/v/zod.svg)](https://npm.im/zod) **Zod** [docs](https://zod.dev) ![ci](https://x/ci.svg)";
  assert.equal(cleanTitle(raw), "Zod docs");
});

test("HTML tags and entities become text; whitespace collapses", () => {
  assert.equal(cleanTitle("<b>Tides</b> &amp;\n  <i>waves</i> &#8212; a&nbsp;primer"), "Tides & waves — a primer");
  assert.equal(cleanTitle("`fetch()` and __streams__"), "fetch() and streams");
});

test("a very long title is cut and marked", () => {
  const title = cleanTitle("word ".repeat(100));
  assert.ok(title.length <= 200);
  assert.ok(title.endsWith("…"));
});

test("reference-style badges go too, and a double underscore inside a name is kept", () => {
  assert.equal(cleanTitle("call-bound <sup>[![Version Badge][npm-version-svg]][package-url]</sup>"), "call-bound");
  assert.equal(cleanTitle("qs [![Build][ci-svg]][ci-url] ![Downloads][dl-svg]"), "qs");
  assert.equal(cleanTitle("@langchain__langgraph"), "@langchain__langgraph");
  assert.equal(cleanTitle("__Bold__ words and **strong** ones"), "Bold words and strong ones");
});
