import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import { RunnableLambda } from "@langchain/core/runnables";
import type { z } from "zod";
import { countOf } from "./plural.js";

/** The model answered every attempt, but never with output that fits the schema. */
export class UnusableReply extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UnusableReply";
  }
}

/** Errors that mean the model answered with something unusable: not JSON, or JSON of the wrong shape. */
const UNUSABLE_REPLY_ERRORS = new Set(["SyntaxError", "$ZodError", "ZodError", "OutputParserException"]);

export function isUnusableReply(error: unknown): boolean {
  return error instanceof Error && UNUSABLE_REPLY_ERRORS.has(error.name);
}

/**
 * Asks a model for output matching a schema, asking again (up to `attempts` times in all) only
 * when the reply does not fit. Throws UnusableReply when no attempt fitted, which callers may
 * degrade on; any other failure (server down, timeout, 5xx after the client's retries) is
 * thrown as it is, because a fallback would pass it off as the model's answer.
 */
export async function invokeStructured<T extends z.ZodObject>(
  model: BaseChatModel,
  schema: T,
  name: string,
  messages: BaseMessage[],
  attempts: number,
  signal?: AbortSignal,
): Promise<z.infer<T>> {
  const structured = model
    .withStructuredOutput(schema, { name })
    .pipe(RunnableLambda.from((reply: unknown) => schema.parse(reply) as z.infer<T>))
    .withRetry({
      stopAfterAttempt: attempts,
      onFailedAttempt: (error) => {
        if (!isUnusableReply(error)) throw error;
      },
    });
  try {
    return await structured.invoke(messages, { signal });
  } catch (error) {
    if (!isUnusableReply(error)) throw error;
    throw new UnusableReply(`the model's reply was unusable after ${countOf(attempts, "attempt")} (${describeUnusable(error)})`, { cause: error });
  }
}

function describeUnusable(error: unknown): string {
  return (error as Error).name === "SyntaxError" ? "not JSON" : "JSON of the wrong shape";
}
