/**
 * Stand-in server (a test tool): a reply as an OpenAI chat.completion.chunk SSE stream.
 * Role first, content in several deltas, tool calls as index/id/name then argument pieces,
 * a finish_reason chunk, a usage chunk with empty choices when asked for, then [DONE].
 */
import type { ServerResponse } from "node:http";
import { finishReason, responseBase, wireToolCalls, type Usage } from "./completion.js";
import type { Reply } from "./roles.js";
import type { ParsedRequest } from "./types.js";

/** Splits at spaces into pieces of about `size` characters; never fewer than two for text of 2+ chars. */
export function pieces(text: string, size: number): string[] {
  const parts: string[] = [];
  let current = "";
  for (const word of text.split(/(?<= )/)) {
    current += word;
    if (current.length >= size) {
      parts.push(current);
      current = "";
    }
  }
  if (current) parts.push(current);
  if (parts.length === 1 && text.length > 1) {
    const middle = Math.ceil(text.length / 2);
    return [text.slice(0, middle), text.slice(middle)];
  }
  return parts;
}

function fixedPieces(text: string, size: number): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts.length > 0 ? parts : [""];
}

type Delta = Record<string, unknown>;

/** The chunk payloads (without `data: ` framing) for one reply. */
export function chunksFor(request: ParsedRequest, reply: Reply, usage: Usage): object[] {
  const base = { ...responseBase(request), object: "chat.completion.chunk", system_fingerprint: "fp_standin" };
  const usageField = request.includeUsage ? { usage: null } : {};
  const chunk = (delta: Delta, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...usageField,
  });
  const chunks: object[] = [chunk({ role: "assistant", content: "", refusal: null })];
  for (const piece of reply.content ? pieces(reply.content, 24) : []) chunks.push(chunk({ content: piece }));
  wireToolCalls(request, reply).forEach((call, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }));
    for (const part of fixedPieces(call.function.arguments, 16)) {
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: part } }] }));
    }
  });
  chunks.push(chunk({}, finishReason(reply)));
  if (request.includeUsage) chunks.push({ ...base, choices: [], usage });
  return chunks;
}

export function writeStream(res: ServerResponse, chunks: object[]): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end("data: [DONE]\n\n");
}
