/**
 * Stand-in server (a test tool): pulls quotable lines out of conversation text and ties
 * each to the URL it came with, so canned answers keep their sources.
 */
import { asSentence, sentences, squash, stripUrls, urlsIn, wordCount } from "./text.js";

/** A line of text and the URL it belongs to ("" when no URL came before it). */
export interface Snippet {
  url: string;
  text: string;
}

/** `[3] Title — https://…`, `[3] Title: file:///…` or `[3] Title - https://…`, optionally bulleted. */
export const NUMBERED_SOURCE = /^\s*(?:[-*]\s+)?\[(\d+)\]\s+(.+?)(?:\s+[—–-]\s+|:\s+)((?:https?|file|mcp):\/\/\S+)\s*$/;

function cleanLine(line: string): string {
  return squash(
    stripUrls(line)
      .replace(/<\/?[A-Za-z][\w-]*[^>]*>/g, " ")
      .replace(/\(\s*(?:source|url)?\s*:?\s*\)/gi, " ")
      .replace(/\[\d+\]/g, " ")
      .replace(/^\s*(?:[-*>#]+|\d+[.)])\s*/, "")
      .replace(/^[A-Za-z][A-Za-z ]{0,20}:\s+/, "")
      .replace(/["“”]/g, ""),
  ).replace(/\s+([.,;:!?])/g, "$1");
}

/** Statements only: no headings, questions, or short unpunctuated labels and titles. */
function looksLikeFinding(raw: string, cleaned: string): boolean {
  const words = wordCount(cleaned);
  if (words < 6 || /^\s*#/.test(raw) || cleaned.endsWith("?")) return false;
  return /[.!]$/.test(cleaned) || words >= 12;
}

/**
 * Statement lines of six words or more, each tied to a URL on its own line, else the last URL seen
 * in the same text, else a `[n]` marker it carries (via `numbered`).
 */
export function snippetsFrom(texts: string[], numbered: Map<number, string> = new Map()): Snippet[] {
  const snippets: Snippet[] = [];
  for (const text of texts) {
    let current = "";
    for (const line of text.split("\n")) {
      const urls = urlsIn(line);
      if (NUMBERED_SOURCE.test(line)) {
        current = urls[0] ?? current;
        continue;
      }
      const marker = /\[(\d+)\]/.exec(line);
      const byMarker = marker ? numbered.get(Number(marker[1])) : undefined;
      if (urls.length > 0) current = urls[urls.length - 1]!;
      const cleaned = cleanLine(line);
      if (!looksLikeFinding(line, cleaned)) continue;
      snippets.push({ url: urls[0] ?? byMarker ?? current, text: cleaned });
    }
  }
  return snippets;
}

/** The first one or two sentences of a snippet, as a quotable string. */
export function quoteOf(snippet: Snippet, maxSentences = 2): string {
  const picked = sentences(snippet.text).slice(0, maxSentences);
  const text = picked.length > 0 ? picked.join(" ") : snippet.text;
  return asSentence(text.length > 320 ? `${text.slice(0, 317).trimEnd()}...` : text);
}

/** Every URL in the texts, in order of appearance. */
export function allUrls(texts: string[]): string[] {
  return [...new Set(texts.flatMap(urlsIn))];
}

/** Up to `perUrl` snippets per URL, URLs in first-seen order, then a few unanchored ones. */
export function pickSnippets(snippets: Snippet[], perUrl: number, unanchored: number): Snippet[] {
  const byUrl = new Map<string, Snippet[]>();
  for (const snippet of snippets) {
    const list = byUrl.get(snippet.url) ?? [];
    if (list.length < (snippet.url ? perUrl : unanchored) && !list.some((seen) => seen.text === snippet.text)) list.push(snippet);
    byUrl.set(snippet.url, list);
  }
  const anchored = [...byUrl.entries()].filter(([url]) => url).flatMap(([, list]) => list);
  return [...anchored, ...(byUrl.get("") ?? [])];
}

/** Bulleted quotes with their sources, then every URL seen: what researchers and summaries return. */
export function findingsText(heading: string, texts: string[], emptyNote: string, urls = allUrls(texts)): string {
  const picked = pickSnippets(snippetsFrom(texts), 2, 3).slice(0, 16);
  const lines = picked.map((snippet) => `- "${quoteOf(snippet)}"${snippet.url ? ` (source: ${snippet.url})` : ""}`);
  const parts = [heading, lines.length > 0 ? lines.join("\n") : emptyNote];
  if (urls.length > 0) parts.push(`Sources:\n${urls.map((url) => `- ${url}`).join("\n")}`);
  return parts.join("\n\n");
}
