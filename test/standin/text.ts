/**
 * Stand-in server (a test tool): small deterministic text helpers. No tokenizer, no model.
 */

/** 32-bit FNV-1a: stable ids and embedding buckets without crypto. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function estimateTokens(chars: number, charsPerToken: number): number {
  return Math.max(1, Math.ceil(chars / charsPerToken));
}

export function squash(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** At most `max` characters, cut at a word boundary, without an ellipsis. */
export function clip(text: string, max: number): string {
  const flat = squash(text);
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(" ");
  return (space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,;:.\-–—(]+$/, "");
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Sentences of three words or more. */
export function sentences(text: string): string[] {
  return squash(text)
    .split(/(?<=[.!?])\s+(?=["'([]?[A-Z0-9])/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => wordCount(sentence) >= 3);
}

export function firstSentence(text: string): string {
  return sentences(text)[0] ?? squash(text);
}

/** Ends a sentence with punctuation, so joined sentences read as prose. */
export function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

const STOPWORDS = new Set(
  (
    "a an and are as at be been but by can could did do does for from had has have how i if in into is it its " +
    "may me more most my no not of on or our out over should so some such than that the their them then there " +
    "these they this those to under up us was we were what when where which while who whom why will with would " +
    "you your about across after also any between both each few many much new other per via vs versus "
  ).split(" "),
);

/** Distinct lowercase content words, in order of appearance. */
export function keywords(text: string): string[] {
  const tokens = text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? [];
  const seen = new Set<string>();
  for (const token of tokens) {
    if (STOPWORDS.has(token) || (token.length < 3 && !/\d/.test(token))) continue;
    seen.add(token);
  }
  return [...seen];
}

const URL_CANDIDATE = /(?:https?|file|mcp):\/\/[^\s<>"'`]+/g;

/** Drops trailing punctuation and unbalanced closing brackets that prose glues onto URLs. */
function trimUrl(raw: string): string {
  let url = raw;
  for (;;) {
    const last = url.at(-1) ?? "";
    if (/[.,;:!?'"]/.test(last)) url = url.slice(0, -1);
    else if (last === ")" && count(url, "(") < count(url, ")")) url = url.slice(0, -1);
    else if (last === "]" && count(url, "[") < count(url, "]")) url = url.slice(0, -1);
    else return url;
  }
}

function count(text: string, char: string): number {
  return text.split(char).length - 1;
}

/** Distinct http(s)/file URLs in order of appearance. */
export function urlsIn(text: string): string[] {
  const found = (text.match(URL_CANDIDATE) ?? []).map(trimUrl);
  return [...new Set(found)];
}

/** Removes URLs but keeps punctuation that followed them, e.g. the ")" of "(source: URL)". */
export function stripUrls(text: string): string {
  return text.replace(URL_CANDIDATE, (raw) => ` ${raw.slice(trimUrl(raw).length)}`);
}

export interface TagBlock {
  tag: string;
  inner: string;
}

/** `<tag>…</tag>` blocks, outermost first; prompts often wrap their inputs like this. */
export function tagBlocks(text: string): TagBlock[] {
  const blocks: TagBlock[] = [];
  for (const match of text.matchAll(/<([A-Za-z][\w-]*)(?:\s[^>]*)?>([\s\S]*?)<\/\1\s*>/g)) {
    blocks.push({ tag: match[1] ?? "", inner: (match[2] ?? "").trim() });
  }
  return blocks;
}

const FOCUS_TAG = /brief|topic|question|request|messages/i;

/** The part of a prompt that states the request: a brief/topic/question/messages tag if any, else all of it. */
export function focusOf(text: string): string {
  const block = tagBlocks(text).find((candidate) => FOCUS_TAG.test(candidate.tag) && candidate.inner);
  const inner = block ? block.inner : text;
  return inner.replace(/^\s*(human|user)\s*:\s*/gim, "").trim();
}

/**
 * What a conversation is about: the first brief/topic/question tag in any of the texts
 * (system prompts included), else the focus of `fallback` (usually the first user message).
 */
export function subjectOf(texts: string[], fallback: string): string {
  const block = texts.flatMap(tagBlocks).find((candidate) => /brief|topic|question/i.test(candidate.tag) && candidate.inner);
  return block ? block.inner : focusOf(fallback);
}

/** Lower-cases a leading capital unless it starts an acronym, so it reads mid-sentence. */
export function midSentence(text: string): string {
  return /^[A-Z][a-z]/.test(text) ? text[0]!.toLowerCase() + text.slice(1) : text;
}
