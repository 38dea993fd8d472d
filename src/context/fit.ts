import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { Bm25 } from "../search/local/bm25.js";
import { tokenize } from "../search/local/tokenize.js";
import { messageText } from "../util/messages.js";
import { truncateText } from "../util/text.js";
import { CHARS_PER_TOKEN, estimateTokens } from "./budget.js";

/** The longest passage: a paragraph or two, small enough to keep or drop one by one. */
const PASSAGE_CHARACTERS = 1_500;
const SHORT_PARAGRAPH_CHARACTERS = 200;
const OMITTED = "[…]";

/**
 * Text fitted to a token budget by relevance: split into passages, ranked by BM25 against
 * `query`, the best kept until the budget is spent, in their original order, with `[…]`
 * where passages were left out. Text that fits is returned as it is.
 */
export function fitByRelevance(text: string, query: string, budgetTokens: number): string {
  if (estimateTokens(text) <= budgetTokens) return text;
  const passages = splitPassages(text);
  const ranker = new Bm25(passages.map(tokenize));
  const ranked = ranker.search(tokenize(query)).map((hit) => hit.id);
  // Passages that share no word with the query come last, in their order.
  const order = [...ranked, ...passages.map((_, id) => id).filter((id) => !ranked.includes(id))];
  const kept = new Set<number>();
  let spent = 0;
  for (const id of order) {
    const cost = estimateTokens(passages[id]) + 2;
    if (spent + cost > budgetTokens) continue;
    kept.add(id);
    spent += cost;
  }
  if (kept.size === 0) return truncateText(passages[order[0]], Math.max(budgetTokens * CHARS_PER_TOKEN, 200));
  const parts: string[] = [];
  passages.forEach((passage, id) => {
    if (kept.has(id)) parts.push(passage);
    else if (parts.at(-1) !== OMITTED) parts.push(OMITTED);
  });
  return parts.join("\n\n");
}

/** Paragraphs, a short one joined to the next (a heading to its text), a long one cut to PASSAGE_CHARACTERS. */
export function splitPassages(text: string): string[] {
  const passages: string[] = [];
  let pending = "";
  for (const paragraph of text.split(/\n\s*\n/)) {
    const trimmed = paragraph.trim();
    if (!trimmed) continue;
    const joined = pending ? `${pending}\n\n${trimmed}` : trimmed;
    if (joined.length < SHORT_PARAGRAPH_CHARACTERS) {
      pending = joined;
      continue;
    }
    for (let start = 0; start < joined.length; start += PASSAGE_CHARACTERS) passages.push(joined.slice(start, start + PASSAGE_CHARACTERS));
    pending = "";
  }
  if (pending) passages.push(pending);
  return passages;
}

export function estimateMessages(messages: BaseMessage[]): number {
  return messages.reduce((sum, message) => sum + estimateTokens(messageText(message)) + estimateTokens(JSON.stringify((message as AIMessage).tool_calls ?? [])) + 4, 0);
}

/**
 * A tool-calling conversation fitted to a budget for one call, its structure intact (every
 * tool call keeps its answer): tool results, then long assistant texts, are cut to an equal
 * share of what is left, the oldest first. The stored conversation is not changed.
 */
export function fitConversation(messages: BaseMessage[], budgetTokens: number): BaseMessage[] {
  if (estimateMessages(messages) <= budgetTokens) return messages;
  let fitted = messages;
  for (const kind of ["tool", "ai"] as const) {
    const cuttable = fitted.filter((message) => message.getType() === kind);
    const fixed = estimateMessages(fitted.filter((message) => message.getType() !== kind));
    // Less the message's own overhead and the cut mark, so the sum stays within the budget.
    const share = Math.max(50, Math.floor((budgetTokens - fixed) / Math.max(1, cuttable.length)) - 12);
    fitted = fitted.map((message) => (message.getType() === kind ? cutMessage(message, share * CHARS_PER_TOKEN) : message));
    if (estimateMessages(fitted) <= budgetTokens) break;
  }
  return fitted;
}

function cutMessage(message: BaseMessage, characters: number): BaseMessage {
  const text = messageText(message);
  if (text.length <= characters) return message;
  const content = truncateText(text, characters);
  if (message.getType() === "tool") {
    const tool = message as ToolMessage;
    return new ToolMessage({ content, tool_call_id: tool.tool_call_id, name: tool.name, status: tool.status, id: tool.id });
  }
  const ai = message as AIMessage;
  return new AIMessage({ content, tool_calls: ai.tool_calls, id: ai.id, name: ai.name });
}

/** The end of a text within a token budget (a conversation's latest turns matter most), marked where it was cut. */
export function keepEnd(text: string, budgetTokens: number): string {
  const characters = Math.max(200, budgetTokens * CHARS_PER_TOKEN);
  return text.length <= characters ? text : `${OMITTED} ${text.slice(text.length - characters)}`;
}
