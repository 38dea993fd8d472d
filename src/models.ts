import { AzureChatOpenAI, ChatOpenAI } from "@langchain/openai";
import type { BaseChatModel, BindToolsInput } from "@langchain/core/language_models/chat_models";
import type { MessageContent } from "@langchain/core/messages";
import { createHash } from "node:crypto";
import { ConfigurationError, shownValue } from "./config.js";
import { failFast } from "./modelFailures.js";
import { PROVIDERS, loadProviderPackages, providerModule, registerProviderModule } from "./providers.js";
import { modelCallHooks } from "./limits/modelHooks.js";
import { shownUrl } from "./util/network.js";

export type ModelSpec = { provider: string; model: string };

export function parseModelSpec(spec: string): ModelSpec {
  const at = spec.indexOf(":");
  if (at <= 0 || at === spec.length - 1) {
    throw new ConfigurationError(`model ${shownValue(spec)} is not provider:model (e.g. openai:gpt-4.1)`);
  }
  const provider = spec.slice(0, at);
  if (!(provider in PROVIDERS)) {
    throw new ConfigurationError(`model provider ${shownValue(provider)} is not supported; use one of ${Object.keys(PROVIDERS).join(", ")}`);
  }
  return { provider, model: spec.slice(at + 1) };
}

/** Checks every model in use has what it needs, before a run starts: its keys and addresses, from the environment. */
export function checkModelCredentials(specs: string[], env: NodeJS.ProcessEnv = process.env): void {
  for (const spec of new Set(specs)) PROVIDERS[parseModelSpec(spec).provider].endpoint(env);
}

/** Loads the provider packages these models need; a missing one is a ConfigurationError naming it. */
export async function loadModelProviders(specs: string[]): Promise<void> {
  await loadProviderPackages(specs.map((spec) => parseModelSpec(spec).provider));
}

/**
 * ChatOpenAI that estimates tokens from characters: the stock count loads
 * tiktoken encodings over the network, which hangs offline.
 */
class FanoutChatOpenAI extends ChatOpenAI {
  override async getNumTokens(content: MessageContent): Promise<number> {
    return estimateTokens(content);
  }
}

class FanoutAzureChatOpenAI extends AzureChatOpenAI {
  override async getNumTokens(content: MessageContent): Promise<number> {
    return estimateTokens(content);
  }
}

registerProviderModule("@langchain/openai", { ChatOpenAI: FanoutChatOpenAI, AzureChatOpenAI: FanoutAzureChatOpenAI });

function estimateTokens(content: MessageContent): number {
  const text = typeof content === "string" ? content : JSON.stringify(content);
  return Math.ceil(text.length / 4);
}

/**
 * `timeoutSeconds` limits one request (model_timeout_seconds); a timed-out request is not repeated.
 * `maxRetries` overrides model_retries for this model's requests.
 */
export type ChatModelOptions = {
  maxTokens: number;
  timeoutSeconds: number;
  maxRetries?: number;
  /** stream_tokens: false makes replies come whole even to callbacks that want tokens (the default streams them). */
  streamTokens?: boolean;
};

/** Retries for a client whose requests cannot go through Fanout's fetch (and so its retry layer). */
const DEFAULT_CLIENT_RETRIES = 3;

const models = new Map<string, BaseChatModel>();

/** Tells keys apart in the client cache without keeping the key itself in it. */
function fingerprint(secret: string): string {
  return createHash("sha256").update(secret).digest("hex").slice(0, 12);
}

/**
 * The chat model a `provider:model` string names; one client per model and endpoint. Its
 * provider's package must be loaded first (loadModelProviders).
 */
export function createChatModel(spec: string, options: ChatModelOptions): BaseChatModel {
  const { provider, model } = parseModelSpec(spec);
  const entry = PROVIDERS[provider];
  const endpoint = entry.endpoint(process.env);
  const cacheKey = JSON.stringify([
    spec,
    options.maxTokens,
    options.maxRetries,
    options.timeoutSeconds,
    options.streamTokens ?? true,
    endpoint.baseURL,
    endpoint.extra,
    fingerprint(endpoint.apiKey ?? ""),
  ]);
  const cached = models.get(cacheKey);
  if (cached) return cached;
  const hooks = modelCallHooks(provider, options.maxRetries);
  const chatModel = entry.build(providerModule(provider), model, endpoint, {
    maxTokens: options.maxTokens,
    timeoutMs: options.timeoutSeconds * 1000,
    onFailedAttempt: failFast(shownUrl(endpoint.shown), options.timeoutSeconds),
    ...hooks,
    clientRetries: options.maxRetries ?? DEFAULT_CLIENT_RETRIES,
    disableStreaming: options.streamTokens === false,
  });
  // Every client estimates tokens from characters: none may load encodings over the network.
  chatModel.getNumTokens = async (content: MessageContent) => estimateTokens(content);
  // Also set here: only some clients read it from their fields (OpenAI's, which its bindings copy); the others' bindings wrap this instance.
  chatModel.disableStreaming = options.streamTokens === false;
  models.set(cacheKey, chatModel);
  return chatModel;
}

type BoundModel = ReturnType<NonNullable<BaseChatModel["bindTools"]>>;

/** Each model's bindings, by tool list. */
const bindings = new WeakMap<BaseChatModel, WeakMap<readonly BindToolsInput[], BoundModel>>();

/**
 * The model with these tools bound, made once per model and tool list: bindTools builds a new
 * client and converts every tool schema, which cost each researcher turn more than its own work.
 * Callers pass the same list object each turn (the toolbox keeps it).
 */
export function withTools(model: BaseChatModel, tools: readonly BindToolsInput[]): BoundModel {
  let byTools = bindings.get(model);
  if (!byTools) bindings.set(model, (byTools = new WeakMap()));
  let bound = byTools.get(tools);
  if (!bound) byTools.set(tools, (bound = model.bindTools!(tools as BindToolsInput[])));
  return bound;
}
