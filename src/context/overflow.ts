import { ContextOverflowError } from "@langchain/core/errors";

/**
 * How providers say a prompt is longer than the model's window: OpenAI and compatible servers
 * (vLLM, Groq, DeepSeek, OpenRouter), Anthropic, Gemini, Bedrock, Ollama.
 */
const CONTEXT_OVERFLOW = [
  /context[_ ]length[_ ]exceeded/i,
  /maximum context length/i,
  /context window/i,
  /prompt is too long/i,
  /too many (input )?tokens/i,
  /input (is )?too long/i,
  /exceeds? the (maximum|max) (number of )?(input )?tokens/i,
  /reduce the length of the (messages|prompt|input)/i,
  /input token count.*exceeds/i,
  /exceeds the context length/i,
];

/**
 * Whether a model call failed because its prompt did not fit the model's context window:
 * LangChain's own ContextOverflowError (the OpenAI and Anthropic clients raise it), else
 * the provider's words, for clients that do not classify their errors.
 */
export function isContextOverflow(error: unknown, depth = 0): boolean {
  if (ContextOverflowError.isInstance(error)) return true;
  if (!(error instanceof Error) || depth > 4) return false;
  const code = (error as { code?: unknown }).code;
  if (code === "context_length_exceeded") return true;
  if (CONTEXT_OVERFLOW.some((pattern) => pattern.test(error.message))) return true;
  return isContextOverflow((error as { cause?: unknown }).cause, depth + 1);
}

/** The window size the provider named in its error ("maximum context length is 8192 tokens"), if it did. */
export function reportedContextTokens(error: unknown): number | undefined {
  if (!(error instanceof Error)) return undefined;
  const match = /maximum context length is (\d+)|> (\d+) maximum|maximum (?:number of )?(?:input )?tokens (?:allowed )?(?:is )?\(?(\d+)/i.exec(error.message);
  const found = match?.slice(1).find((group) => group !== undefined);
  return found ? Number(found) : undefined;
}
