import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import type { z } from "zod";

/**
 * Asks a model for output matching a schema, retrying when the reply does not
 * parse. Throws after the last attempt; callers decide how to degrade.
 */
export async function invokeStructured<T extends z.ZodObject>(
  model: BaseChatModel,
  schema: T,
  name: string,
  messages: BaseMessage[],
  attempts: number,
  signal?: AbortSignal,
): Promise<z.infer<T>> {
  const structured = model.withStructuredOutput(schema, { name }).withRetry({ stopAfterAttempt: attempts });
  const reply = await structured.invoke(messages, { signal });
  return schema.parse(reply);
}
