import { randomUUID } from "node:crypto";
import { AIMessage, type BaseMessage, type ToolCall } from "@langchain/core/messages";
import { jsonValuesIn } from "./jsonText.js";
import { messageText, toolCallsOf } from "./messages.js";

/**
 * The reply with the tool calls a model wrote into its text instead of making them, as local
 * models often do (`{"name": "search", "arguments": {…}}`, alone, in a list, a fence or a
 * `<tool_call>` tag). Only names of offered tools count. Undefined when the reply made real
 * calls or wrote none.
 */
export function withToolCallsFromText(reply: BaseMessage, toolNames: string[]): AIMessage | undefined {
  if (reply.getType() !== "ai" || toolCallsOf(reply).length > 0) return undefined;
  const offered = new Set(toolNames);
  const calls: ToolCall[] = jsonValuesIn(messageText(reply))
    .flatMap((value) => (Array.isArray(value) ? value : [value]))
    .flatMap((value) => writtenCall(value, offered) ?? []);
  if (calls.length === 0) return undefined;
  const message = reply as AIMessage;
  return new AIMessage({ content: message.content, id: message.id, name: message.name, tool_calls: dedupe(calls), response_metadata: message.response_metadata });
}

function writtenCall(value: unknown, offered: Set<string>): ToolCall | undefined {
  if (!value || typeof value !== "object") return undefined;
  const record = value as Record<string, unknown>;
  const fn = record.function && typeof record.function === "object" ? (record.function as Record<string, unknown>) : record;
  const name = typeof fn.name === "string" ? fn.name : typeof record.tool === "string" ? record.tool : undefined;
  if (!name || !offered.has(name)) return undefined;
  const raw = fn.arguments ?? fn.parameters ?? fn.args ?? fn.input ?? record.tool_input ?? {};
  const args = typeof raw === "string" ? jsonValuesIn(raw)[0] : raw;
  if (!args || typeof args !== "object" || Array.isArray(args)) return undefined;
  return { name, args: args as Record<string, unknown>, id: `call_text_${randomUUID().replace(/-/g, "").slice(0, 16)}`, type: "tool_call" };
}

/** A call the text states twice (once in a fence and once in prose) is made once. */
function dedupe(calls: ToolCall[]): ToolCall[] {
  const seen = new Set<string>();
  return calls.filter((call) => {
    const key = JSON.stringify([call.name, call.args]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
