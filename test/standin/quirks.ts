/**
 * Stand-in server (a test tool): quirks that imitate weak and local models, each switched on
 * by name in the `quirks` option. They change how a request is read (a mode the model does
 * not honour) or how the reply is written (JSON wrapped in prose, tool calls as text).
 */
import { roleOf } from "./request.js";
import type { Reply } from "./roles.js";
import type { ParsedRequest, Quirk } from "./types.js";

export const QUIRKS = [
  /** A json_schema or json_object response_format is ignored: the model answers in prose. */
  "ignores_response_format",
  /** A forced tool_choice is ignored: the model answers in prose instead of calling the tool. */
  "ignores_tool_choice",
  /** JSON answers come inside a sentence or two of prose. */
  "json_in_prose",
  /** JSON answers come inside a ```json code fence. */
  "json_in_fences",
  /** The first forced (structured) or search call per tool and topic has arguments that fail the tool's schema. */
  "bad_tool_args_once",
  /** Tool calls are written into the text as JSON instead of being made. */
  "tool_calls_as_text",
  /** The model never calls a tool: it answers every request in prose. */
  "no_tool_calls",
] as const;

/** The request as a model with these quirks understands it. */
export function misread(request: ParsedRequest, quirks: readonly Quirk[]): ParsedRequest {
  let seen = request;
  const via = request.structured?.via;
  if (quirks.includes("ignores_response_format") && (via === "response_format" || via === "json_object")) seen = withoutStructure(seen);
  if (quirks.includes("ignores_tool_choice") && (typeof seen.toolChoice === "object" || seen.toolChoice === "required")) {
    seen = withoutStructure({ ...seen, toolChoice: "auto" });
  }
  if (quirks.includes("no_tool_calls") && seen.structured?.via === "tool_choice") seen = withoutStructure(seen);
  return seen;
}

function withoutStructure(request: ParsedRequest): ParsedRequest {
  const { structured: _dropped, ...rest } = request;
  // The forced tool is still offered; a model that ignores the force just answers.
  const tools = request.structured?.via === "tool_choice" ? [] : request.tools;
  return { ...rest, toolChoice: "auto", role: roleOf(undefined, tools) };
}

/** Tool calls already spoiled once, by tool and topic, so the second call comes out right. */
export type SpoiledCalls = Set<string>;

/** The reply as a model with these quirks writes it. */
export function miswrite(request: ParsedRequest, reply: Reply, quirks: readonly Quirk[], spoiled: SpoiledCalls): Reply {
  let written = reply;
  // Structured answers and searches; the supervisor's calls are left alone, since it would not ask again.
  const spoilable = request.structured?.via === "tool_choice" || request.role === "researcher";
  if (quirks.includes("bad_tool_args_once") && spoilable) written = spoilFirstCalls(request, written, spoiled);
  if (quirks.includes("no_tool_calls") && written.toolCalls.length > 0) {
    written = { content: `I would look into: ${written.toolCalls.map((call) => Object.values(call.args).flat().join(", ")).join("; ")}.`, toolCalls: [] };
  }
  if (quirks.includes("tool_calls_as_text") && written.toolCalls.length > 0) {
    const lines = written.toolCalls.map((call) => JSON.stringify({ name: call.name, arguments: call.args }));
    written = { content: `I will call these tools:\n${lines.join("\n")}`, toolCalls: [] };
  }
  const json = written.content?.trim().startsWith("{") ? written.content.trim() : undefined;
  if (json && quirks.includes("json_in_fences")) written = { ...written, content: `\`\`\`json\n${json}\n\`\`\`` };
  else if (json && quirks.includes("json_in_prose")) written = { ...written, content: `Sure, here is the answer you asked for: ${json} I hope this helps.` };
  return written;
}

function spoilFirstCalls(request: ParsedRequest, reply: Reply, spoiled: SpoiledCalls): Reply {
  const toolCalls = reply.toolCalls.map((call) => {
    const key = `${call.name}\u0000${request.topic}`;
    if (spoiled.has(key)) return call;
    spoiled.add(key);
    // Every argument the wrong type: a string where the schema wants a list, and the reverse.
    const args = Object.fromEntries(Object.entries(call.args).map(([name, value]) => [name, typeof value === "string" ? [value] : String(value)]));
    return { name: call.name, args: Object.keys(args).length > 0 ? args : { unexpected: true } };
  });
  return { ...reply, toolCalls };
}
