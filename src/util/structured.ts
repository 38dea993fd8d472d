import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import { z } from "zod";
import { emitFromContext } from "../progress.js";
import { jsonValuesIn } from "./jsonText.js";
import { messageText } from "./messages.js";
import { countOf } from "./plural.js";

/** The model answered every attempt, but never with output that fits the schema. */
export class UnusableReply extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnusableReply";
  }
}

/**
 * Errors that mean the model answered with something unusable: not JSON, JSON of the wrong
 * shape, or a reply cut off at its token limit before the JSON was complete.
 */
const UNUSABLE_REPLY_ERRORS = new Set(["SyntaxError", "$ZodError", "ZodError", "OutputParserException", "LengthFinishReasonError"]);

export function isUnusableReply(error: unknown): boolean {
  return error instanceof Error && UNUSABLE_REPLY_ERRORS.has(error.name);
}

/**
 * How structured output is asked for, strongest first: the provider's JSON-schema mode, a
 * forced tool call, then a plain request whose JSON answer is found in the text (fenced or
 * in prose) and repaired. A weak or local model that ignores one is asked the next way.
 */
export const STRUCTURED_STEPS = ["json_schema", "tool_calling", "json_in_text"] as const;
export type StructuredStep = (typeof STRUCTURED_STEPS)[number];

/**
 * Where each model starts on the ladder: once a model has ignored a way of asking twice,
 * later calls in this process skip it. (Once could be a refusal, not a model without the mode.)
 */
const firstStep = new WeakMap<BaseChatModel, number>();
const ignored = new WeakMap<BaseChatModel, number[]>();
const IGNORED_BEFORE_SKIPPED = 2;

function noteIgnored(model: BaseChatModel, step: number): void {
  const counts = ignored.get(model) ?? STRUCTURED_STEPS.map(() => 0);
  counts[step] += 1;
  ignored.set(model, counts);
  if (counts[step] >= IGNORED_BEFORE_SKIPPED) firstStep.set(model, Math.max(firstStep.get(model) ?? 0, step + 1));
}

/**
 * What one reply holds for a schema: the value and whether it had to be dug out of the text
 * (fenced, in prose, repaired), or why there is none.
 */
type Reading<T> = { value: T; extracted: boolean } | { problem: "no_json" | "wrong_shape"; detail: string };

/**
 * Asks a model for output matching a schema. A model that ignores a way of asking (no JSON,
 * no tool call) is asked the next way down STRUCTURED_STEPS at no cost to `attempts`; a reply
 * whose JSON has the wrong shape is asked again, up to `attempts` such replies. Every answer
 * that needed a fallback is counted (a `model_fallback` progress event). Throws UnusableReply
 * when nothing fitted, which callers may degrade on; any other failure (server down, timeout,
 * 5xx after the client's retries) is thrown as it is, because a fallback would pass it off as
 * the model's answer.
 */
export async function invokeStructured<T extends z.ZodObject>(
  model: BaseChatModel,
  schema: T,
  name: string,
  messages: BaseMessage[],
  attempts: number,
  signal?: AbortSignal,
): Promise<z.infer<T>> {
  let step = firstStep.get(model) ?? 0;
  let conversation = messages;
  let misses = 0;
  let last = "";
  for (;;) {
    const reply = await askOnce(model, STRUCTURED_STEPS[step], schema, name, conversation, signal);
    const reading = "problem" in reply ? reply : readStructured(reply, schema, name);
    if ("value" in reading) {
      const fallback = step > 0 ? STRUCTURED_STEPS[step] : reading.extracted ? "json_in_text" : undefined;
      if (fallback) emitFromContext({ type: "model_fallback", call: name, fallback });
      return reading.value;
    }
    last = reading.detail;
    if (reading.problem === "no_json" && step < STRUCTURED_STEPS.length - 1) {
      noteIgnored(model, step);
      step += 1;
      continue;
    }
    misses += 1;
    if (misses >= attempts) break;
    // In plain text the model can be told what was wrong; the stricter modes are simply asked again.
    if (STRUCTURED_STEPS[step] === "json_in_text" && !("problem" in reply)) conversation = [...messages, reply, new HumanMessage(correction(reading.detail))];
  }
  throw new UnusableReply(`the model's reply was unusable after ${countOf(misses, "attempt")} (${last})`);
}

/**
 * One request at one step: the reply, or what was wrong when the client already found it
 * unusable (OpenAI's client parses JSON-schema replies itself) or the provider does not
 * offer that step (counted as ignored, so the next step is tried).
 */
async function askOnce(
  model: BaseChatModel,
  step: StructuredStep,
  schema: z.ZodObject,
  name: string,
  messages: BaseMessage[],
  signal?: AbortSignal,
): Promise<AIMessage | { problem: "no_json" | "wrong_shape"; detail: string }> {
  try {
    if (step === "json_in_text") return (await model.invoke([...messages, new HumanMessage(jsonInstruction(schema, name))], { signal })) as AIMessage;
    const method = step === "json_schema" ? "jsonSchema" : "functionCalling";
    const structured = model.withStructuredOutput(schema, { name, method, includeRaw: true });
    const { raw } = await structured.invoke(messages, { signal });
    return raw as AIMessage;
  } catch (error) {
    if (isUnsupportedMethod(error)) return { problem: "no_json", detail: `${step} is not offered` };
    if (!isUnusableReply(error)) throw error;
    return (error as Error).name === "SyntaxError" ? { problem: "no_json", detail: "not JSON" } : { problem: "wrong_shape", detail: "JSON of the wrong shape" };
  }
}

/** A provider that has no JSON-schema mode (or none for this model) says so before sending anything. */
function isUnsupportedMethod(error: unknown): boolean {
  return error instanceof Error && /not supported|unsupported|unrecognized structured output method|invalid method/i.test(error.message) && !("status" in error);
}

/**
 * The value a reply holds for the schema: from a tool call's arguments (also ones the client
 * could not parse), else from JSON in its text. A value wrapped the way weak models wrap it
 * ({"name": …, "arguments": {…}}, or under the schema's name) is unwrapped.
 */
export function readStructured<T extends z.ZodObject>(reply: AIMessage, schema: T, name: string): Reading<z.infer<T>> {
  const calls = reply.tool_calls ?? [];
  const own = calls.filter((call) => call.name === name);
  const fromCalls: unknown[] = (own.length > 0 ? own : calls).map((call) => call.args);
  for (const invalid of reply.invalid_tool_calls ?? []) fromCalls.push(...jsonValuesIn(invalid.args ?? ""));
  const fromText = jsonValuesIn(messageText(reply));
  let detail = "not JSON";
  for (const [index, candidate] of [...fromCalls, ...fromText].entries()) {
    for (const value of unwrapped(candidate, name)) {
      const parsed = schema.safeParse(value);
      if (parsed.success) return { value: parsed.data, extracted: index >= fromCalls.length && !isPlainJson(messageText(reply)) };
      if (detail === "not JSON") detail = `JSON of the wrong shape: ${describeIssue(parsed.error)}`;
    }
  }
  return { problem: detail === "not JSON" ? "no_json" : "wrong_shape", detail };
}

/** A reply that is one JSON document and nothing else, as a JSON-schema mode returns it. */
function isPlainJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function unwrapped(candidate: unknown, name: string): unknown[] {
  if (!candidate || typeof candidate !== "object" || Array.isArray(candidate)) return Array.isArray(candidate) ? candidate.slice(0, 1) : [];
  const record = candidate as Record<string, unknown>;
  const inner = [record.arguments, record.parameters, record.args, record.input, record[name]].map((value) =>
    typeof value === "string" ? jsonValuesIn(value)[0] : value,
  );
  return [candidate, ...inner.filter((value) => value && typeof value === "object")];
}

function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "(object)"}: ${issue.message}` : "does not fit";
}

/** The plain-text request: the schema itself, so a model without structured modes can follow it. */
export function jsonInstruction(schema: z.ZodObject, name: string): string {
  const jsonSchema = JSON.stringify(z.toJSONSchema(schema, { unrepresentable: "any" }));
  return `Answer with one JSON object and nothing else: no prose, no code fence. It must match this JSON schema:\n<json_schema name="${name}">\n${jsonSchema}\n</json_schema>`;
}

function correction(detail: string): string {
  return `That reply could not be used (${detail}). Answer again with only the JSON object, matching the schema above.`;
}
