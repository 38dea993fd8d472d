import { stem } from "./stem.js";

/** Longer "words" are base64, hashes or minified junk, never useful to match. */
const MAX_TOKEN_LENGTH = 40;

const WORD = /[\p{L}\p{N}]+/gu;
const NON_ASCII = /[^\p{ASCII}]/u;
const CJK_CHAR = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const CJK_OR_NOT = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+|[^\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]+/gu;
const COMBINING_MARKS = /\p{M}+/gu;

export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be been being but by can could did do does doing for from had has have having he her " +
    "here hers him his how i if in into is it its itself just me more most my no nor not of off on once only " +
    "or other our ours out over own same she should so some such than that the their theirs them then there " +
    "these they this those through to too under until up very was we were what when where which while who " +
    "whom why will with would you your yours also about against again all am any because before below between " +
    "both during each few further above after"
  ).split(" "),
);

/**
 * Lowercase word tokens for BM25: runs of unicode letters/digits, accents folded,
 * English stopwords dropped, light stemming. Chinese/Japanese runs (no spaces)
 * become overlapping character bigrams so they are still searchable.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const folded = text.normalize("NFKD").replace(COMBINING_MARKS, "").toLowerCase();
  for (const match of folded.matchAll(WORD)) {
    const run = match[0];
    if (NON_ASCII.test(run) && CJK_CHAR.test(run)) pushMixedRun(run, tokens);
    else pushWord(run, tokens);
  }
  return tokens;
}

function pushWord(word: string, tokens: string[]): void {
  if (word.length > MAX_TOKEN_LENGTH) return;
  if (word.length < 2 && !/\d/.test(word)) return;
  if (STOPWORDS.has(word)) return;
  tokens.push(stem(word));
}

function pushMixedRun(run: string, tokens: string[]): void {
  for (const part of run.match(CJK_OR_NOT) ?? []) {
    if (!CJK_CHAR.test(part)) {
      pushWord(part, tokens);
      continue;
    }
    const chars = Array.from(part);
    if (chars.length === 1) tokens.push(chars[0]);
    for (let i = 0; i + 1 < chars.length; i++) tokens.push(chars[i] + chars[i + 1]);
  }
}
