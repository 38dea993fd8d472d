import { ChatOpenAI } from "@langchain/openai";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { MessageContent } from "@langchain/core/messages";
import { createHash } from "node:crypto";
import { ConfigurationError, shownValue } from "./config.js";
import { failFast } from "./modelFailures.js";
import { modelCallHooks } from "./limits/modelHooks.js";
import { shownUrl } from "./util/network.js";

/** Providers Fanout can build a chat model for, and the key each one needs. */
const PROVIDER_KEYS: Record<string, string> = { openai: "OPENAI_API_KEY" };

export type ModelSpec = { provider: string; model: string };

export function parseModelSpec(spec: string): ModelSpec {
  const at = spec.indexOf(":");
  if (at <= 0 || at === spec.length - 1) {
    throw new ConfigurationError(`model ${shownValue(spec)} is not provider:model (e.g. openai:gpt-4.1)`);
  }
  const provider = spec.slice(0, at);
  if (!(provider in PROVIDER_KEYS)) {
    throw new ConfigurationError(
      `model provider ${shownValue(provider)} is not supported; use openai:<model> (OPENAI_BASE_URL reaches any OpenAI-compatible server)`,
    );
  }
  return { provider, model: spec.slice(at + 1) };
}

/**
 * The API key for a provider, from the environment only, so it never enters
 * state, checkpoints or configuration. A compatible local server (OPENAI_BASE_URL)
 * usually needs none, so a placeholder is sent there.
 */
export function apiKeyFor(provider: string, env: NodeJS.ProcessEnv = process.env): string {
  const name = PROVIDER_KEYS[provider];
  const key = env[name]?.trim();
  if (key) return key;
  if (provider === "openai" && env.OPENAI_BASE_URL) return "not-needed";
  throw new ConfigurationError(`${name} is not set (needed for ${provider} models); set it or point OPENAI_BASE_URL at a compatible server`);
}

/** Checks every model in use has what it needs, before a run starts. */
export function checkModelCredentials(specs: string[], env: NodeJS.ProcessEnv = process.env): void {
  for (const spec of new Set(specs)) apiKeyFor(parseModelSpec(spec).provider, env);
}

/** Where OpenAI models are called when OPENAI_BASE_URL is not set. */
const OPENAI_API_BASE_URL = "https://api.openai.com/v1";

/**
 * ChatOpenAI that estimates tokens from characters: the stock count loads
 * tiktoken encodings over the network, which hangs offline.
 */
class FanoutChatOpenAI extends ChatOpenAI {
  override async getNumTokens(content: MessageContent): Promise<number> {
    const text = typeof content === "string" ? content : JSON.stringify(content);
    return Math.ceil(text.length / 4);
  }
}

/**
 * `timeoutSeconds` limits one request (model_timeout_seconds); a timed-out request is not repeated.
 * `maxRetries` overrides model_retries for this model's requests.
 */
export type ChatModelOptions = { maxTokens: number; timeoutSeconds: number; maxRetries?: number };

const models = new Map<string, BaseChatModel>();

/** Tells keys apart in the client cache without keeping the key itself in it. */
function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 12);
}

/** The chat model a `provider:model` string names; one client per model and endpoint. */
export function createChatModel(spec: string, options: ChatModelOptions): BaseChatModel {
  const { provider, model } = parseModelSpec(spec);
  const apiKey = apiKeyFor(provider);
  const baseURL = process.env.OPENAI_BASE_URL?.trim() || undefined;
  const cacheKey = JSON.stringify([spec, options.maxTokens, options.maxRetries, options.timeoutSeconds, baseURL, fingerprint(apiKey)]);
  const cached = models.get(cacheKey);
  if (cached) return cached;
  const hooks = modelCallHooks(provider, options.maxRetries);
  const chatModel = new FanoutChatOpenAI({
    model,
    apiKey,
    maxTokens: options.maxTokens,
    // Settings go in the fields: bindTools and withStructuredOutput build new clients from them.
    timeout: options.timeoutSeconds * 1000,
    onFailedAttempt: failFast(shownUrl(baseURL ?? OPENAI_API_BASE_URL), options.timeoutSeconds),
    useResponsesApi: false,
    // Lane, breaker and the one retry layer live in hooks.fetch, so the client's own retries are off.
    maxRetries: hooks.maxRetries,
    cache: hooks.cache,
    callbacks: hooks.callbacks,
    configuration: { ...(baseURL ? { baseURL } : {}), fetch: hooks.fetch },
  });
  models.set(cacheKey, chatModel);
  return chatModel;
}
