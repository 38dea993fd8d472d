import type { Configuration } from "../config.js";
import { createChatModel, loadModelProviders, parseModelSpec } from "../models.js";

/** The four model roles, each with its own `<role>_model`, `_max_tokens` and `_context_tokens` settings. */
export type ModelRole = "research" | "summarization" | "compression" | "final_report";

/**
 * Context windows of known model families, in tokens, first match wins. A model not listed
 * gets UNKNOWN_CONTEXT_TOKENS: small enough for most local models, so an unknown model is
 * given too little rather than too much; `<role>_model_context_tokens` says otherwise.
 */
const KNOWN_CONTEXTS: [RegExp, number][] = [
  [/gpt-4\.1/, 1_047_576],
  [/gpt-5/, 400_000],
  [/\bo[134](-|$)/, 200_000],
  [/gpt-4o|gpt-4-turbo|chatgpt-4o/, 128_000],
  [/gpt-4(-|$)/, 8_192],
  [/gpt-3\.5/, 16_385],
  [/claude/, 200_000],
  [/gemini-(1\.5|2|3)/, 1_048_576],
  [/gemini/, 32_768],
  [/deepseek/, 128_000],
  [/llama-?3\.[1-3]|llama-?4/, 128_000],
  [/qwen-?(2\.5|3)/, 32_768],
  [/mistral-(large|medium|small)|mixtral/, 32_000],
  [/command-r/, 128_000],
];
export const UNKNOWN_CONTEXT_TOKENS = 8_192;

export function knownContextTokens(model: string): number {
  const name = model.toLowerCase();
  return KNOWN_CONTEXTS.find(([pattern]) => pattern.test(name))?.[1] ?? UNKNOWN_CONTEXT_TOKENS;
}

/** Share of the window kept free because tokens are estimated from characters, not counted. */
const ESTIMATE_MARGIN = 0.1;

/** What one role's model may be sent and may answer, in tokens. */
export type ContextBudget = {
  /** The model's whole window: the setting, or the family's known size. */
  contextTokens: number;
  /** The longest reply asked for: max_tokens, but at most half the window. */
  replyTokens: number;
  /** What a prompt may take: the window less the reply and a margin for the estimate. */
  inputTokens: number;
};

export function contextBudget(configuration: Configuration, role: ModelRole): ContextBudget {
  const setting = configuration[`${role}_model_context_tokens`];
  const contextTokens = setting > 0 ? setting : knownContextTokens(parseModelSpec(configuration[`${role}_model`]).model);
  const replyTokens = Math.min(configuration[`${role}_model_max_tokens`], Math.floor(contextTokens / 2));
  const inputTokens = Math.floor((contextTokens - replyTokens) * (1 - ESTIMATE_MARGIN));
  return { contextTokens, replyTokens, inputTokens };
}

/** Tokens estimated from characters (about 4 a token in English): counting exactly would load encodings over the network. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export const CHARS_PER_TOKEN = 4;

/** The chat model for a role, its provider's package loaded, asked for replies no longer than its budget allows. */
export async function roleModel(configuration: Configuration, role: ModelRole, options: { maxRetries?: number } = {}) {
  const { replyTokens } = contextBudget(configuration, role);
  await loadModelProviders([configuration[`${role}_model`]]);
  return createChatModel(configuration[`${role}_model`], {
    maxTokens: replyTokens,
    timeoutSeconds: configuration.model_timeout_seconds,
    streamTokens: configuration.stream_tokens,
    ...options,
  });
}
