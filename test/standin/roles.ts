/**
 * Stand-in server (a test tool): the default behaviour. It plays a role chosen from the tools
 * and schemas a request offers, deterministically, from the request alone:
 * structured output, supervisor (ConductResearch), researcher (a tool taking `queries`),
 * writer (no tools), or a plain answer.
 */
import { findingsText } from "./findings.js";
import { hasQueries } from "./request.js";
import { fitArgs } from "./schema.js";
import { structuredValue } from "./structured.js";
import { clip, firstSentence, focusOf, keywords, midSentence, subjectOf } from "./text.js";
import { writerReply } from "./writer.js";
import type { ParsedRequest, ResolvedConfig, ToolDef } from "./types.js";

export interface ReplyToolCall {
  name: string;
  args: Record<string, unknown>;
}

/** What the server will send back, before wire formatting. */
export interface Reply {
  content: string | null;
  toolCalls: ReplyToolCall[];
}

const ASPECTS = [
  "Background and history",
  "Current state",
  "Key players and approaches",
  "Costs and trade-offs",
  "Risks and open questions",
  "Evidence and data",
  "Outlook",
];
const QUERY_SUFFIXES = ["overview", "evidence", "latest data", "criticism"];

function call(tool: ToolDef | undefined, name: string, known: Record<string, unknown>): ReplyToolCall {
  return { name, args: tool ? fitArgs(tool.parameters, known) : known };
}

function findTool(request: ParsedRequest, name: string): ToolDef | undefined {
  return request.tools.find((tool) => tool.name === name);
}

const QUESTION = /^(?:how|why|which|who|when|where|whether|do|does|did|is|are|can|could|should|will|would)\b/i;

/** "<aspect> of <noun phrase>", or "<aspect>: <question>" when the brief opens with a question. */
function aspectOf(aspect: string, sentence: string): string {
  const raw = clip(sentence, 90);
  const asked = raw.endsWith("?") || QUESTION.test(raw);
  const text = raw.replace(/[.!?]+$/, "");
  const nounPhrase = /^what\s+(?:is|are)\s+(?:the\s+)?(.+)$/i.exec(text)?.[1];
  if (nounPhrase) return `${aspect} of ${nounPhrase}`;
  return asked ? `${aspect}: ${midSentence(text)}` : `${aspect} of ${midSentence(text) || "the request"}`;
}

/** Distinct readable sub-topics derived from the brief's first sentence. */
export function subTopics(brief: string, units: number): string[] {
  const sentence = firstSentence(focusOf(brief));
  return Array.from({ length: units }, (_, i) => {
    const part = i >= ASPECTS.length ? ` (part ${Math.floor(i / ASPECTS.length) + 1})` : "";
    return `${aspectOf(ASPECTS[i % ASPECTS.length]!, sentence)}${part}`;
  });
}

function supervisor(request: ParsedRequest, config: ResolvedConfig): Reply {
  const rounds = request.messages.filter((message) => message.role === "assistant" && message.toolCalls.length > 0).length;
  if (rounds === 0 && config.units > 0) {
    const tool = findTool(request, "ConductResearch");
    const brief = subjectOf(
      request.messages.map((message) => message.content),
      request.topic,
    );
    const toolCalls = subTopics(brief, config.units).map((topic) => call(tool, "ConductResearch", { research_topic: topic }));
    return { content: null, toolCalls };
  }
  const complete = findTool(request, "ResearchComplete");
  if (!complete) return { content: "Research complete.", toolCalls: [] };
  return { content: null, toolCalls: [call(complete, "ResearchComplete", {})] };
}

/** One or two short keyword queries; later rounds shift the words so queries differ. */
export function searchQueries(topic: string, round: number): string[] {
  const words = keywords(focusOf(topic));
  if (words.length === 0) return [clip(topic, 60) || "overview"];
  const shift = words.length > 4 ? (round * 2) % words.length : 0;
  const rotated = [...words.slice(shift), ...words.slice(0, shift)];
  const first = rotated.slice(0, 4).join(" ");
  const second = `${words.slice(-3).join(" ")} ${QUERY_SUFFIXES[round % QUERY_SUFFIXES.length]}`;
  return first === second ? [first] : [first, second];
}

function researcher(request: ParsedRequest, config: ResolvedConfig): Reply {
  const tool = request.tools.find(hasQueries)!;
  const callIds = new Set(request.messages.flatMap((message) => message.toolCalls.filter((c) => c.name === tool.name).map((c) => c.id)));
  // A model that spoils its arguments (a quirk) tries a search again when told it failed.
  const retriesErrors = config.quirks.includes("bad_tool_args_once");
  const answered = request.messages.filter(
    (message) => message.role === "tool" && callIds.has(message.toolCallId ?? "") && !(retriesErrors && message.content.startsWith("Error")),
  ).length;
  if (answered < config.searchRounds) {
    return { content: null, toolCalls: [call(tool, tool.name, { queries: searchQueries(request.topic, answered) })] };
  }
  const results = request.messages.filter((message) => message.role === "tool").map((message) => message.content);
  const heading = `Research findings on: ${clip(focusOf(request.topic), 120)}`;
  return { content: findingsText(heading, results, "The searches returned nothing usable."), toolCalls: [] };
}

function plain(request: ParsedRequest): Reply {
  const last = [...request.messages].reverse().find((message) => message.role === "user")?.content ?? "";
  return { content: `Stand-in reply to: ${clip(last, 160) || "(empty message)"}`, toolCalls: [] };
}

function byRole(request: ParsedRequest, config: ResolvedConfig): Reply {
  const target = request.structured;
  if (target) {
    const value = structuredValue(request, target);
    if (target.via === "tool_choice") return { content: null, toolCalls: [{ name: target.name, args: value }] };
    return { content: JSON.stringify(value), toolCalls: [] };
  }
  switch (request.role) {
    case "supervisor":
      return supervisor(request, config);
    case "researcher":
      return researcher(request, config);
    case "writer":
      return { content: writerReply(request.messages), toolCalls: [] };
    default:
      return plain(request);
  }
}

/** The default reply, honouring tool_choice "none" (no calls) and "required" (at least one). */
export function defaultReply(request: ParsedRequest, config: ResolvedConfig): Reply {
  const reply = byRole(request, config);
  if (request.toolChoice === "none" && reply.toolCalls.length > 0) return plain(request);
  if (request.toolChoice === "required" && reply.toolCalls.length === 0 && request.tools.length > 0) {
    const tool = request.tools.find(hasQueries) ?? request.tools[0]!;
    const known = hasQueries(tool) ? { queries: searchQueries(request.topic, 0) } : {};
    return { content: null, toolCalls: [call(tool, tool.name, known)] };
  }
  return reply;
}
