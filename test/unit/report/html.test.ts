import { test } from "node:test";
import assert from "node:assert/strict";
import { renderReportHtml } from "../../../src/report/html.js";

const REPORT = `# Tidal power

Barrages hold water back [1]. Turbines sit in streams [2][7]. <script>alert("x")</script>

## How it works

A [trap](javascript:alert(1)) and a [page](https://tide.example/a).

## Sources

1. [Barrages](https://tide.example/a)
2. [Streams & turbines](file:///corpus/streams.md)
`;

test("citations link to numbered sources; a number with no source stays text", () => {
  const html = renderReportHtml(REPORT);
  assert.match(html, /<sup class="cite"><a href="#source-1">\[1\]<\/a><\/sup>/);
  assert.match(html, /<sup class="cite"><a href="#source-2">\[2\]<\/a><\/sup>\[7\]/);
  assert.match(html, /<li id="source-2" value="2"><a href="file:\/\/\/corpus\/streams\.md">Streams &amp; turbines<\/a>/);
});

test("the page has a title and a table of contents of its sections and sources", () => {
  const html = renderReportHtml(REPORT, { threadId: "t-1", question: "How do <tides> work?" });
  assert.match(html, /<title>Tidal power<\/title>/);
  assert.match(html, /<nav class="toc"[\s\S]*<a href="#how-it-works">How it works<\/a>[\s\S]*<a href="#sources">Sources<\/a>/);
  assert.match(html, /<h2 id="how-it-works">/);
  assert.match(html, /How do &lt;tides&gt; work\?/);
});

test("model-written HTML and script links are shown as text, never run", () => {
  const html = renderReportHtml(REPORT);
  assert.doesNotMatch(html, /<script/);
  assert.match(html, /&lt;script&gt;/);
  assert.doesNotMatch(html, /javascript:/);
  assert.match(html, /A trap and a <a href="https:\/\/tide\.example\/a">page<\/a>/);
});
