/**
 * Stand-in server (a test tool): wire format of a non-streamed chat completion, with
 * deterministic ids and a chars/4 usage estimate.
 */
import type { Reply } from "./roles.js";
import { estimateTokens, fnv1a } from "./text.js";
import type { ParsedRequest } from "./types.js";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface WireToolCall {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

/** Fields every chunk or completion of one response shares. */
export interface ResponseBase {
  id: string;
  created: number;
  model: string;
}

function requestKey(request: ParsedRequest): string {
  return JSON.stringify([request.model, request.messages, request.toolNames, request.structured?.name ?? ""]);
}

export function responseBase(request: ParsedRequest): ResponseBase {
  return {
    id: `chatcmpl-standin-${fnv1a(requestKey(request)).toString(16)}`,
    created: Math.floor(Date.now() / 1000),
    model: request.model,
  };
}

/** Ids derived from the request and the call's position, so the same request gets the same ids. */
export function wireToolCalls(request: ParsedRequest, reply: Reply): WireToolCall[] {
  const key = requestKey(request);
  return reply.toolCalls.map((toolCall, index) => ({
    id: `call_${fnv1a(`${key}#${index}`).toString(16).padStart(8, "0")}${index}`,
    type: "function",
    function: { name: toolCall.name, arguments: JSON.stringify(toolCall.args) },
  }));
}

export function usageOf(request: ParsedRequest, reply: Reply, charsPerToken: number): Usage {
  const promptChars =
    request.messages.reduce((sum, message) => sum + message.content.length + JSON.stringify(message.toolCalls).length - 2, 0) +
    (request.tools.length > 0 ? JSON.stringify(request.tools).length : 0) +
    (request.structured ? JSON.stringify(request.structured.schema).length : 0);
  const completionChars = (reply.content ?? "").length + reply.toolCalls.reduce((sum, c) => sum + c.name.length + JSON.stringify(c.args).length, 0);
  const prompt = estimateTokens(promptChars, charsPerToken);
  const completion = estimateTokens(completionChars, charsPerToken);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function finishReason(reply: Reply): "stop" | "tool_calls" {
  return reply.toolCalls.length > 0 ? "tool_calls" : "stop";
}

export function completionBody(request: ParsedRequest, reply: Reply, usage: Usage): object {
  const toolCalls = wireToolCalls(request, reply);
  return {
    ...responseBase(request),
    object: "chat.completion",
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
        finish_reason: finishReason(reply),
      },
    ],
    usage,
    system_fingerprint: "fp_standin",
  };
}
