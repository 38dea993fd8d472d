import { jsonrepair } from "jsonrepair";

/** Reasoning that local models (DeepSeek-R1, Qwen3…) put before their answer. */
const THINKING = /<think>[\s\S]*?(<\/think>|$)/gi;
const FENCED = /```[a-zA-Z]*\s*\n?([\s\S]*?)```/g;

/**
 * The JSON values a model's text reply holds, most likely first: fenced blocks, the
 * whole reply, then every balanced {…} or […] span in it. Each is parsed as it is, or
 * repaired (trailing commas, single quotes, unquoted keys, Python literals, a cut-off
 * end) when it does not parse. Prose around the JSON is ignored.
 */
export function jsonValuesIn(text: string): unknown[] {
  const answer = text.replace(THINKING, "").trim();
  const candidates = [...[...answer.matchAll(FENCED)].map((match) => match[1].trim()), answer, ...balancedSpans(answer)];
  const values: unknown[] = [];
  const seen = new Set<string>();
  for (const candidate of candidates) {
    if (!candidate || seen.has(candidate)) continue;
    seen.add(candidate);
    const value = parseLeniently(candidate);
    if (value !== undefined && typeof value === "object" && value !== null) values.push(value);
  }
  return values;
}

function parseLeniently(candidate: string): unknown {
  if (!/^[[{]/.test(candidate)) return undefined;
  try {
    return JSON.parse(candidate);
  } catch {
    try {
      return JSON.parse(jsonrepair(candidate));
    } catch {
      return undefined;
    }
  }
}

/** Spans from each opening brace or bracket to its match, skipping those inside strings. */
function balancedSpans(text: string): string[] {
  const spans: string[] = [];
  for (let start = text.search(/[[{]/); start !== -1 && spans.length < 20;) {
    const end = matchingClose(text, start);
    spans.push(text.slice(start, end === -1 ? undefined : end + 1));
    const next = text.slice(start + 1).search(/[[{]/);
    start = next === -1 ? -1 : start + 1 + next;
  }
  return spans;
}

function matchingClose(text: string, start: number): number {
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = start; i < text.length; i += 1) {
    const char = text[i];
    if (quote) {
      if (char === "\\") i += 1;
      else if (char === quote) quote = undefined;
    } else if (char === '"') {
      quote = char;
    } else if (char === "{" || char === "[") {
      stack.push(char === "{" ? "}" : "]");
    } else if (char === "}" || char === "]") {
      if (stack.pop() !== char) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}
