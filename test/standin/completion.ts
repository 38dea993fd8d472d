/**
 * Stand-in server (a test tool): wire format of a chat completion, with deterministic ids and a
 * chars/4 usage estimate.
 */
import type { Reply } from "./roles.js";
import { estimateTokens, fnv1a } from "./text.js";
import type { ParsedRequest } from "./types.js";

const CHARS_PER_TOKEN = 4;

function requestKey(request: ParsedRequest): string {
  return JSON.stringify([request.model, request.messages, request.toolNames, request.structured?.name ?? ""]);
}

/** Ids derived from the request and the call's position, so the same request gets the same ids. */
function wireToolCalls(request: ParsedRequest, reply: Reply) {
  const key = requestKey(request);
  return reply.toolCalls.map((toolCall, index) => ({
    id: `call_${fnv1a(`${key}#${index}`).toString(16).padStart(8, "0")}${index}`,
    type: "function" as const,
    function: { name: toolCall.name, arguments: JSON.stringify(toolCall.args) },
  }));
}

function usageOf(request: ParsedRequest, reply: Reply) {
  const promptChars =
    request.messages.reduce((sum, message) => sum + message.content.length + JSON.stringify(message.toolCalls).length - 2, 0) +
    (request.tools.length > 0 ? JSON.stringify(request.tools).length : 0) +
    (request.structured ? JSON.stringify(request.structured.schema).length : 0);
  const completionChars = (reply.content ?? "").length + reply.toolCalls.reduce((sum, c) => sum + c.name.length + JSON.stringify(c.args).length, 0);
  const prompt = estimateTokens(promptChars, CHARS_PER_TOKEN);
  const completion = estimateTokens(completionChars, CHARS_PER_TOKEN);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function completionBody(request: ParsedRequest, reply: Reply): object {
  const toolCalls = wireToolCalls(request, reply);
  return {
    id: `chatcmpl-standin-${fnv1a(requestKey(request)).toString(16)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: request.model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: reply.content,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: toolCalls.length > 0 ? "tool_calls" : "stop",
      },
    ],
    usage: usageOf(request, reply),
    system_fingerprint: "fp_standin",
  };
}
