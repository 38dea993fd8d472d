/**
 * Stand-in server (a test tool): answers for structured-output requests. Known schemas
 * (ClarifyWithUser, ResearchQuestion, Summary) get canned values derived from the request;
 * anything else gets the minimal valid object for its schema.
 */
import { TEXT_SCHEMA } from "./request.js";
import { fitArgs } from "./schema.js";
import { asSentence, clip, firstSentence, focusOf, keywords, sentences, squash, stripUrls, tagBlocks } from "./text.js";
import type { ChatMessage, ParsedRequest, StructuredTarget } from "./types.js";

/** The user messages, without one that only spells out the JSON schema to answer in. */
function askedMessages(messages: ChatMessage[]): ChatMessage[] {
  return messages.filter((message) => message.role === "user" && !TEXT_SCHEMA.test(message.content));
}

/** What the user asked: the quoted conversation in a <messages>-like tag if the prompt has one, else the user turns. */
export function userRequest(messages: ChatMessage[]): string {
  const userTexts = askedMessages(messages).map((message) => message.content);
  for (const text of userTexts) {
    const focused = focusOf(text);
    if (focused !== text.trim()) return focused;
  }
  return userTexts.join("\n").trim();
}

function clarify(request: string): Record<string, unknown> {
  const subject = clip(firstSentence(request), 100) || "your request";
  if (/\bambiguous\b/i.test(request)) {
    return {
      need_clarification: true,
      question: `Could you say more precisely what you mean by "${subject}"? Which aspect, period or region should the research focus on?`,
      verification: "",
    };
  }
  return {
    need_clarification: false,
    question: "",
    verification: `Understood: I will research "${subject}" and report back with sourced findings.`,
  };
}

function brief(request: string): Record<string, unknown> {
  const asked = squash(request) || "the user's request";
  return {
    research_brief:
      `${asSentence(asked)}\n\n` +
      "Research brief: find the background, the current state and the open questions on the request above, " +
      "prefer primary and recent sources, and cite every source used.",
  };
}

/** The page in a summarise prompt: the longest <tag> block of the last user message, else all of it. */
function pageText(messages: ChatMessage[]): string {
  const last = askedMessages(messages).at(-1)?.content ?? "";
  const blocks = tagBlocks(last).sort((a, b) => b.inner.length - a.inner.length);
  return blocks[0]?.inner || last;
}

function summary(messages: ChatMessage[]): Record<string, unknown> {
  const page = sentences(pageText(messages));
  const lead = page.slice(0, 3).join(" ") || "The page had no readable text.";
  const quoted = (page.length > 3 ? page.slice(3, 5) : page.slice(0, 2)).map((sentence) => `"${sentence}"`);
  return { summary: lead, key_excerpts: quoted.join(" ") || '""' };
}

/** Share of a sentence's content words its source must contain for the stand-in to call it supported. */
const SUPPORTED_SHARE = 0.5;

/**
 * Verdicts for a citation check: a numbered sentence is supported when at least half
 * its content words are in the <source> block. A crude overlap, never a judgement.
 */
function citationVerdicts(messages: ChatMessage[]): Record<string, unknown> {
  const last = [...messages].reverse().find((message) => message.role === "user")?.content ?? "";
  const blocks = tagBlocks(last);
  const source = new Set(keywords(blocks.find((block) => block.tag === "source")?.inner ?? ""));
  const lines = (blocks.find((block) => block.tag === "sentences")?.inner ?? "").split("\n");
  const verdicts = lines.flatMap((line) => {
    const match = /^(\d+)\.\s+(.*)$/.exec(line.trim());
    if (!match) return [];
    const words = keywords(stripUrls(match[2]!.replace(/\[\d+\]/g, "")));
    const found = words.filter((word) => source.has(word)).length;
    const supported = words.length > 0 && found / words.length >= SUPPORTED_SHARE;
    return [{ sentence: Number(match[1]), supported, reason: `${found} of ${words.length} content words are in the source` }];
  });
  return { verdicts };
}

function knownValues(request: ParsedRequest): Record<string, unknown> {
  switch (request.role) {
    case "clarify":
      return clarify(userRequest(request.messages));
    case "brief":
      return brief(userRequest(request.messages));
    case "summary":
      return summary(request.messages);
    case "citation_check":
      return citationVerdicts(request.messages);
    default:
      return {};
  }
}

/** The JSON object a structured request gets, fitted to the schema it was sent. */
export function structuredValue(request: ParsedRequest, target: StructuredTarget): Record<string, unknown> {
  if (target.via === "json_object") return { result: clip(userRequest(request.messages), 200) || "standin" };
  return fitArgs(target.schema, knownValues(request));
}
