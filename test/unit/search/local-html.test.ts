import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { htmlToMarkdown } from "../../../src/search/local/html.js";
import { convertDocument } from "../../../src/search/local/loader.js";

const corpus = fileURLToPath(new URL("../../fixtures/corpus/", import.meta.url));

describe("HTML to text", () => {
  it("keeps the article and drops scripts, styles, navigation and footer", async () => {
    const html = await readFile(`${corpus}tidal-power.html`, "utf8");
    const { title, markdown } = htmlToMarkdown(html);
    assert.match(title, /Tidal Power Explained/);
    assert.match(markdown, /A tidal barrage is a dam across an estuary/);
    assert.match(markdown, /## Tidal stream turbines/);
    for (const junk of ["analyticsTrackingId", "trackPageview", "font-family", "Subscribe to newsletter", "Cookie policy", "bundle.js"]) {
      assert.ok(!markdown.includes(junk), `leaked: ${junk}`);
    }
  });

  it("falls back to the cleaned body when Readability finds no article", () => {
    const html = `<html><head><title>Otters</title></head><body>
      <nav><a href="/">Home</a> <a href="/about">About us</a></nav>
      <p>Sea otters hold hands while sleeping.</p>
      <script>alert("popup")</script><style>p { color: red }</style>
      <footer>All rights reserved</footer></body></html>`;
    const { title, markdown } = htmlToMarkdown(html);
    assert.equal(title, "Otters");
    assert.match(markdown, /Sea otters hold hands while sleeping\./);
    for (const junk of ["About us", "popup", "color: red", "All rights reserved"]) assert.ok(!markdown.includes(junk), `leaked: ${junk}`);
  });

  it("handles fragments and pages without a <body> tag", () => {
    assert.match(htmlToMarkdown("<p>Just a <b>fragment</b> of text.</p>").markdown, /Just a \*\*fragment\*\* of text\./);
    const noBody = htmlToMarkdown("<html><head><title>T &amp; U</title></head><p>Paragraph outside any body tag.</p></html>");
    assert.equal(noBody.title, "T & U");
    assert.match(noBody.markdown, /Paragraph outside any body tag\./);
  });

  it("keeps link text and image alt text but not their URLs", () => {
    const { markdown } = htmlToMarkdown(`<p>See <a href="https://example.org/very/long/path">the river guide</a> and <img src="pic.png" alt="a heron"> here.</p>`);
    assert.match(markdown, /the river guide/);
    assert.match(markdown, /a heron/);
    assert.ok(!markdown.includes("example.org") && !markdown.includes("pic.png"));
  });

  it("survives a junk page: megabytes of script, inline base64, deep nesting, thousands of links", { timeout: 60_000 }, async () => {
    const base64 = "iVBORw0KGgo".repeat(100_000);
    const links = Array.from({ length: 3000 }, (_, i) => `<li><a href="/p/${i}">Link ${i}</a></li>`).join("");
    const html = `<!doctype html><html><head><title>Junk</title>
      <style>${".c{color:red}".repeat(20_000)}</style></head><body>
      <script>${"var x=Math.random();".repeat(50_000)}</script>
      <nav><ul>${links}</ul></nav>
      <img src="data:image/png;base64,${base64}">
      <div style="background:url(data:image/gif;base64,${base64})"></div>
      <p>The only real sentence on this page mentions kelp forests.</p>
      <div>${"<div><span>deep</span>".repeat(2000)}${"</div>".repeat(2000)}</div>
      <p>Raw inline blob: ${base64.slice(0, 5000)}</p>
      </body></html>`;
    const doc = await convertDocument("/tmp/junk.html", html);
    assert.ok(doc, "junk page produced no document");
    assert.match(doc.text, /kelp forests/);
    assert.ok(!doc.text.includes("iVBORw0KGgo"), "base64 leaked");
    assert.ok(!doc.text.includes("Math.random"), "script leaked");
    assert.ok(!doc.text.includes("Link 2999"), "navigation leaked");
    assert.ok(doc.text.length < 100_000, `text is ${doc.text.length} characters`);
  });

  it("turns markdown with data URIs and embedded scripts into clean text", async () => {
    const md = `# Notes\n\n![chart](data:image/png;base64,${"AAAA".repeat(5000)})\n\n<script>steal()</script>\n\n![dot](data:image/gif;base64,R0lGODlhAQABAAAAACw=) Real text.`;
    const doc = await convertDocument("/tmp/notes.md", md);
    assert.equal(doc?.title, "Notes");
    assert.ok(doc && !doc.text.includes("AAAA") && !doc.text.includes("steal") && !doc.text.includes("base64"), doc?.text);
    assert.match(doc!.text, /Real text\./);
  });
});

describe("titles", () => {
  it("uses front matter, then the first # heading outside code, then the file name", async () => {
    assert.equal((await convertDocument("/x/a.md", "---\ntitle: 'From front matter'\n---\n# Heading\n\ntext"))?.title, "From front matter");
    assert.equal((await convertDocument("/x/b.md", "```sh\n# not a title\n```\n\n## Sub\n\n# Real Title\n\ntext"))?.title, "Real Title");
    assert.equal((await convertDocument("/x/c.md", "no heading here"))?.title, "c");
    assert.equal((await convertDocument("/x/field notes.txt", "# looks like a heading\n\nbut txt is plain"))?.title, "field notes");
    assert.equal(await convertDocument("/x/d.md", "  \n\n "), null);
  });
});
