import { Marked, type Tokens } from "marked";

/** What the page says about the run besides the report itself. */
export type ReportPageDetails = { threadId?: string; question?: string };

type SourceEntry = { number: number; title: string; url: string };

/** A `## Sources` list item as finaliseCitations writes it: `3. [Title](url)`. */
const SOURCE_ITEM = /^(\d+)\.\s+\[(.*)\]\((\S+)\)\s*$/;
/** The last `## Sources` heading: the one finaliseCitations appends. */
const SOURCES_HEADING = /^##\s+Sources\s*$/gm;
/** Link targets a report may have; anything else (javascript:, data:) is shown as text. */
const SAFE_HREF = /^(?:https?:|file:|mailto:|#)/i;

/**
 * The report as one self-contained HTML page: inline style, a table of
 * contents, citations that jump to their numbered source, and sources that
 * link to the page they name. Raw HTML in the report is shown as text, never
 * run: the report is model-written.
 */
export function renderReportHtml(report: string, details: ReportPageDetails = {}): string {
  const { body, sources, after } = splitSources(report);
  const headings: { depth: number; text: string; id: string }[] = [];
  const ids = new Map<string, number>();
  const known = new Set(sources.map((source) => source.number));
  const marked = new Marked({
    gfm: true,
    renderer: {
      html: ({ text }) => escapeHtml(text),
      heading({ tokens, depth }) {
        const text = this.parser.parseInline(tokens);
        const id = uniqueId(slug(plainText(text)), ids);
        headings.push({ depth, text: plainText(text), id });
        return `<h${depth} id="${id}">${text}</h${depth}>\n`;
      },
      link({ href, title, tokens }) {
        const text = this.parser.parseInline(tokens);
        if (!SAFE_HREF.test(href)) return text;
        return `<a href="${escapeAttribute(href)}"${title ? ` title="${escapeAttribute(title)}"` : ""}>${text}</a>`;
      },
      image: ({ text }) => escapeHtml(text),
    },
    extensions: [
      {
        name: "citation",
        level: "inline",
        start(src: string) {
          const at = src.search(/\[\d+\](?!\()/);
          return at >= 0 ? at : undefined;
        },
        tokenizer(src: string) {
          const match = /^\[(\d+)\](?!\()/.exec(src);
          return match ? { type: "citation", raw: match[0], number: Number(match[1]) } : undefined;
        },
        renderer(token: Tokens.Generic) {
          const number = token.number as number;
          if (!known.has(number)) return escapeHtml(token.raw);
          return `<sup class="cite"><a href="#source-${number}">[${number}]</a></sup>`;
        },
      },
    ],
  });
  const article = marked.parse(body, { async: false });
  const title = headings.find((heading) => heading.depth === 1)?.text ?? firstLine(report) ?? "Research report";
  const contents = headings.filter((heading) => heading.depth === 2 || heading.depth === 3);
  if (sources.length > 0) contents.push({ depth: 2, text: "Sources", id: "sources" });
  return (
    [
      "<!doctype html>",
      '<html lang="en">',
      "<head>",
      '<meta charset="utf-8">',
      '<meta name="viewport" content="width=device-width, initial-scale=1">',
      '<meta name="generator" content="fanout">',
      `<title>${escapeHtml(title)}</title>`,
      `<style>${STYLE}</style>`,
      "</head>",
      "<body>",
      details.question || details.threadId ? `<header class="run">${runLine(details)}</header>` : "",
      contents.length > 0 ? `<nav class="toc" aria-label="Contents"><h2>Contents</h2>\n${contentsList(contents)}</nav>` : "",
      `<main>\n${article}`,
      sources.length > 0 ? sourcesSection(sources) : "",
      after.trim() ? marked.parse(after, { async: false }) : "",
      "</main>",
      "</body>",
      "</html>",
    ]
      .filter((part) => part !== "")
      .join("\n") + "\n"
  );
}

/** Splits off the Sources list finaliseCitations appended, and what follows it (the citation check line). */
function splitSources(report: string): { body: string; sources: SourceEntry[]; after: string } {
  const headings = [...report.matchAll(SOURCES_HEADING)];
  const last = headings.at(-1);
  if (!last) return { body: report, sources: [], after: "" };
  const sources: SourceEntry[] = [];
  const rest: string[] = [];
  for (const line of report.slice(last.index + last[0].length).split("\n")) {
    const item = SOURCE_ITEM.exec(line.trim());
    if (item && rest.every((kept) => !kept.trim())) sources.push({ number: Number(item[1]), title: item[2], url: item[3] });
    else rest.push(line);
  }
  return { body: report.slice(0, last.index), sources, after: rest.join("\n") };
}

function sourcesSection(sources: SourceEntry[]): string {
  const items = sources.map((source) => {
    const link = SAFE_HREF.test(source.url) ? `<a href="${escapeAttribute(source.url)}">${escapeHtml(source.title)}</a>` : escapeHtml(source.title);
    return `<li id="source-${source.number}" value="${source.number}">${link} <span class="url">${escapeHtml(source.url)}</span></li>`;
  });
  return `<section class="sources"><h2 id="sources">Sources</h2>\n<ol>\n${items.join("\n")}\n</ol></section>`;
}

function contentsList(headings: { depth: number; text: string; id: string }[]): string {
  const items = headings.map((heading) => `<li class="depth-${heading.depth}"><a href="#${heading.id}">${escapeHtml(heading.text)}</a></li>`);
  return `<ol>\n${items.join("\n")}\n</ol>`;
}

function runLine(details: ReportPageDetails): string {
  const parts = [];
  if (details.question) parts.push(`<span class="question">${escapeHtml(details.question)}</span>`);
  if (details.threadId) parts.push(`<span class="thread">thread ${escapeHtml(details.threadId)}</span>`);
  return parts.join(" · ");
}

function firstLine(report: string): string | undefined {
  return report
    .split("\n")
    .find((line) => line.trim())
    ?.replace(/^#+\s*/, "")
    .trim();
}

/** Text of rendered inline HTML, for the table of contents and ids. */
function plainText(html: string): string {
  return decodeEntities(html.replace(/<[^>]*>/g, "")).trim();
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^\p{L}\p{N}]+/gu, "-")
      .replace(/^-+|-+$/g, "") || "section"
  );
}

/** "sources" is the Sources section's own id, so a heading of that name gets another. */
function uniqueId(base: string, ids: Map<string, number>): string {
  const seen = ids.get(base) ?? (base === "sources" ? 1 : 0);
  ids.set(base, seen + 1);
  return seen === 0 ? base : `${base}-${seen + 1}`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, "&quot;");
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Readable on screen and on paper, light and dark, with no external fonts or files. */
const STYLE = `
:root { color-scheme: light dark; --text: #1d1f23; --muted: #5b6270; --rule: #d8dbe0; --link: #1a5fb4; --panel: #f5f6f8; }
@media (prefers-color-scheme: dark) { :root { --text: #e4e6ea; --muted: #9aa1ad; --rule: #3a3f47; --link: #78aeed; --panel: #1f2227; } body { background: #15171a; } }
body { font: 17px/1.6 Georgia, "Iowan Old Style", "Times New Roman", serif; color: var(--text); max-width: 46rem; margin: 2rem auto; padding: 0 1.25rem; }
h1, h2, h3, h4, nav, header, .sources, sup { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 1.5rem 0 1rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid var(--rule); padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin-top: 1.6rem; }
a { color: var(--link); }
header.run { font-size: .85rem; color: var(--muted); border-bottom: 1px solid var(--rule); padding-bottom: .5rem; }
nav.toc { background: var(--panel); border-radius: 6px; padding: .75rem 1.25rem; margin: 1.5rem 0; font-size: .92rem; }
nav.toc h2 { font-size: 1rem; border: 0; margin: 0 0 .4rem; padding: 0; }
nav.toc ol { margin: 0; padding-left: 1.2rem; }
nav.toc li.depth-3 { margin-left: 1.2rem; list-style: circle; }
sup.cite { font-size: .7em; line-height: 0; }
sup.cite a { text-decoration: none; }
blockquote { margin: 1rem 0; padding: .5rem 1rem; border-left: 4px solid #c98a1b; background: var(--panel); }
table { border-collapse: collapse; margin: 1rem 0; } th, td { border: 1px solid var(--rule); padding: .3rem .6rem; }
code { font-size: .9em; background: var(--panel); padding: .1rem .3rem; border-radius: 3px; }
pre { background: var(--panel); padding: .75rem; overflow-x: auto; }
.sources ol { padding-left: 2rem; font-size: .92rem; }
.sources li { margin: .3rem 0; }
.sources li:target { background: #fff3bf; color: #1d1f23; }
.sources .url { display: block; color: var(--muted); font-size: .8rem; word-break: break-all; }
@media print { nav.toc { break-after: page; } a { color: inherit; } .sources .url { color: #444; } }
`;
