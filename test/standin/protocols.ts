/**
 * Stand-in server (a test tool): the wire protocols it speaks besides OpenAI's Chat
 * Completions: Anthropic's Messages API (POST /v1/messages, tools, tool_use blocks, SSE
 * streaming) and Ollama's native chat (POST /api/chat, NDJSON streaming). A request is
 * translated into a Chat Completions body, so every protocol gets the same roles, quirks,
 * faults and behaviour hook; the reply is written back in the protocol's own shape.
 */
import type { ServerResponse } from "node:http";
import { completionBody, finishReason, responseBase, wireToolCalls, type Usage } from "./completion.js";
import { HttpError, sendError, sendJson } from "./http.js";
import type { Reply } from "./roles.js";
import { chunksFor, pieces, writeStream } from "./sse.js";
import type { ParsedRequest } from "./types.js";

export interface WireProtocol {
  /** The request as a Chat Completions body (validated afterwards like any other). */
  toChatBody(raw: unknown): unknown;
  send(res: ServerResponse, request: ParsedRequest, reply: Reply, usage: Usage): void;
  sendError(res: ServerResponse, status: number, message: string, code: string, retryAfterMs?: number): void;
  /** What the provider says when a prompt is over the model's window. */
  contextError(limitTokens: number, promptTokens: number): string;
}

type Json = Record<string, unknown>;

function record(value: unknown, what: string): Json {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new HttpError(400, `${what} must be an object`, "invalid_request");
  return value as Json;
}

function list(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

export const openAiProtocol: WireProtocol = {
  toChatBody: (raw) => raw,
  send(res, request, reply, usage) {
    if (request.stream) writeStream(res, chunksFor(request, reply, usage));
    else sendJson(res, 200, completionBody(request, reply, usage));
  },
  sendError,
  contextError: (limit, tokens) =>
    `This model's maximum context length is ${limit} tokens. However, your messages resulted in ${tokens} tokens. Please reduce the length of the messages.`,
};

/** Text of Anthropic content: a string, or the text of its text blocks. */
function anthropicText(content: unknown): string {
  if (typeof content === "string") return content;
  return list(content)
    .filter((block) => block.type === "text")
    .map((block) => String(block.text ?? ""))
    .join("\n");
}

function anthropicMessages(body: Json): Json[] {
  const wire: Json[] = [];
  const system = anthropicText(body.system);
  if (system) wire.push({ role: "system", content: system });
  for (const message of list(body.messages)) {
    const blocks = typeof message.content === "string" ? [{ type: "text", text: message.content }] : list(message.content);
    if (message.role === "assistant") {
      const calls = blocks.filter((block) => block.type === "tool_use");
      wire.push({
        role: "assistant",
        content: anthropicText(blocks) || null,
        ...(calls.length > 0
          ? {
              tool_calls: calls.map((call) => ({
                id: String(call.id),
                type: "function",
                function: { name: String(call.name), arguments: JSON.stringify(call.input ?? {}) },
              })),
            }
          : {}),
      });
      continue;
    }
    for (const result of blocks.filter((block) => block.type === "tool_result")) {
      const text = anthropicText(result.content);
      wire.push({ role: "tool", tool_call_id: String(result.tool_use_id), content: result.is_error && !text.startsWith("Error") ? `Error: ${text}` : text });
    }
    const text = anthropicText(blocks);
    if (text) wire.push({ role: "user", content: text });
  }
  return wire;
}

function anthropicToolChoice(choice: unknown): unknown {
  if (!choice || typeof choice !== "object") return undefined;
  const { type, name } = choice as Json;
  if (type === "tool") return { type: "function", function: { name } };
  return type === "any" ? "required" : type === "none" ? "none" : "auto";
}

function anthropicEvent(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

export const anthropicProtocol: WireProtocol = {
  toChatBody(raw) {
    const body = record(raw, "body");
    const format = (body.output_config as Json | undefined)?.format as Json | undefined;
    const tools = list(body.tools).map((tool) => ({ type: "function", function: { name: tool.name, description: tool.description, parameters: tool.input_schema } }));
    return {
      model: body.model,
      messages: anthropicMessages(body),
      ...(tools.length > 0 ? { tools } : {}),
      ...(body.tool_choice ? { tool_choice: anthropicToolChoice(body.tool_choice) } : {}),
      ...(format?.type === "json_schema" ? { response_format: { type: "json_schema", json_schema: { name: "output", schema: format.schema } } } : {}),
      stream: body.stream === true,
    };
  },
  send(res, request, reply, usage) {
    const base = responseBase(request);
    const id = base.id.replace("chatcmpl-", "msg_");
    const calls = wireToolCalls(request, reply).map((call) => ({
      type: "tool_use",
      id: call.id.replace("call_", "toolu_"),
      name: call.function.name,
      input: JSON.parse(call.function.arguments) as Json,
    }));
    const stopReason = finishReason(reply) === "tool_calls" ? "tool_use" : "end_turn";
    const message = { id, type: "message", role: "assistant", model: request.model, stop_sequence: null };
    if (!request.stream) {
      const content = [...(reply.content ? [{ type: "text", text: reply.content }] : []), ...calls];
      sendJson(res, 200, { ...message, content, stop_reason: stopReason, usage: { input_tokens: usage.prompt_tokens, output_tokens: usage.completion_tokens } });
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
    res.write(
      anthropicEvent("message_start", { message: { ...message, content: [], stop_reason: null, usage: { input_tokens: usage.prompt_tokens, output_tokens: 0 } } }),
    );
    let index = 0;
    if (reply.content) {
      res.write(anthropicEvent("content_block_start", { index, content_block: { type: "text", text: "" } }));
      for (const piece of pieces(reply.content, 24)) res.write(anthropicEvent("content_block_delta", { index, delta: { type: "text_delta", text: piece } }));
      res.write(anthropicEvent("content_block_stop", { index }));
      index += 1;
    }
    for (const call of calls) {
      res.write(anthropicEvent("content_block_start", { index, content_block: { ...call, input: {} } }));
      const json = JSON.stringify(call.input);
      for (let at = 0; at < json.length; at += 16)
        res.write(anthropicEvent("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: json.slice(at, at + 16) } }));
      res.write(anthropicEvent("content_block_stop", { index }));
      index += 1;
    }
    res.write(anthropicEvent("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.completion_tokens } }));
    res.end(anthropicEvent("message_stop", {}));
  },
  sendError(res, status, message) {
    const type = status === 429 ? "rate_limit_error" : status === 401 ? "authentication_error" : status >= 500 ? "api_error" : "invalid_request_error";
    sendJson(res, status, { type: "error", error: { type, message } }, status === 429 ? { "retry-after": "0" } : {});
  },
  contextError: (limit, tokens) => `prompt is too long: ${tokens} tokens > ${limit} maximum`,
};

function ollamaMessages(body: Json): Json[] {
  // Ollama's tool calls carry no ids: each is given one, and the tool messages after it take them in order.
  const pending: string[] = [];
  return list(body.messages).map((message, m) => {
    if (message.role === "assistant") {
      const calls = list(message.tool_calls).map((call, c) => {
        const fn = (call.function ?? {}) as Json;
        const id = `call_ollama_${m}_${c}`;
        pending.push(id);
        return {
          id,
          type: "function",
          function: { name: String(fn.name), arguments: typeof fn.arguments === "string" ? fn.arguments : JSON.stringify(fn.arguments ?? {}) },
        };
      });
      return { role: "assistant", content: message.content ?? null, ...(calls.length > 0 ? { tool_calls: calls } : {}) };
    }
    if (message.role === "tool") return { role: "tool", tool_call_id: pending.shift() ?? `call_ollama_${m}`, content: message.content ?? "" };
    return { role: message.role, content: message.content ?? "" };
  });
}

export const ollamaProtocol: WireProtocol = {
  toChatBody(raw) {
    const body = record(raw, "body");
    const format =
      body.format === "json"
        ? { type: "json_object" }
        : body.format && typeof body.format === "object"
          ? { type: "json_schema", json_schema: { name: "format", schema: body.format } }
          : undefined;
    const tools = list(body.tools);
    return {
      model: body.model,
      messages: ollamaMessages(body),
      ...(tools.length > 0 ? { tools } : {}),
      ...(format ? { response_format: format } : {}),
      // Ollama streams unless told not to.
      stream: body.stream !== false,
    };
  },
  send(res, request, reply, usage) {
    const line = (message: Json, done: boolean, extra: Json = {}) => ({
      model: request.model,
      created_at: new Date(0).toISOString(),
      message: { role: "assistant", ...message },
      done,
      ...extra,
    });
    const toolCalls = reply.toolCalls.map((call) => ({ function: { name: call.name, arguments: call.args } }));
    const last = line(request.stream ? { content: "" } : { content: reply.content ?? "", ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) }, true, {
      done_reason: "stop",
      total_duration: 0,
      load_duration: 0,
      prompt_eval_count: usage.prompt_tokens,
      prompt_eval_duration: 0,
      eval_count: usage.completion_tokens,
      eval_duration: 0,
    });
    if (!request.stream) {
      sendJson(res, 200, last);
      return;
    }
    res.writeHead(200, { "content-type": "application/x-ndjson" });
    for (const piece of reply.content ? pieces(reply.content, 24) : []) res.write(`${JSON.stringify(line({ content: piece }, false))}\n`);
    if (toolCalls.length > 0) res.write(`${JSON.stringify(line({ content: "", tool_calls: toolCalls }, false))}\n`);
    res.end(`${JSON.stringify(last)}\n`);
  },
  sendError(res, status, message) {
    sendJson(res, status, { error: message });
  },
  contextError: (limit, tokens) => `the input length (${tokens} tokens) exceeds the context length (${limit} tokens)`,
};
