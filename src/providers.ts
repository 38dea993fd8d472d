import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { FailedAttemptHandler } from "@langchain/core/utils/async_caller";
import type { BaseCache } from "@langchain/core/caches";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { ConfigurationError } from "./config.js";
import { importPackage } from "./util/packageImport.js";

/** Where a provider's models are called, read from its usual environment variables. */
export type Endpoint = {
  apiKey?: string;
  /** Base URL of the API; undefined means the client's own default. */
  baseURL?: string;
  /** The server as error messages may name it (never with the key). */
  shown: string;
  /** Provider-specific settings (Azure's instance and API version, Bedrock's region). */
  extra?: Record<string, string>;
};

/**
 * What every model is built with, whatever its provider. `fetch` carries the provider's lane,
 * breaker and Fanout's one retry layer, so a client that takes it sets `maxRetries` (0); a client
 * that cannot take a fetch keeps `clientRetries` of its own.
 */
export type CommonFields = {
  maxTokens: number;
  maxRetries: number;
  clientRetries: number;
  timeoutMs: number;
  onFailedAttempt: FailedAttemptHandler;
  fetch: typeof fetch;
  cache: BaseCache;
  callbacks: BaseCallbackHandler[];
  /** Replies come whole even when a caller's callbacks would take them token by token (stream_tokens off). */
  disableStreaming: boolean;
};

// A provider package's exports, loaded at run time: its chat model classes.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each package has its own constructor fields
export type ProviderModule = Record<string, any>;

export type Provider = {
  /** The npm package with its LangChain integration. */
  package: string;
  /** Reads the endpoint from the environment; throws ConfigurationError naming a variable that is missing. */
  endpoint(env: NodeJS.ProcessEnv): Endpoint;
  build(module: ProviderModule, model: string, endpoint: Endpoint, common: CommonFields): BaseChatModel;
};

function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

function required(env: NodeJS.ProcessEnv, provider: string, ...names: string[]): string {
  for (const name of names) {
    const value = variable(env, name);
    if (value) return value;
  }
  throw new ConfigurationError(`${names.join(" or ")} is not set (needed for ${provider} models)`);
}

/** Chat Completions fields shared by OpenAI, Azure and OpenAI-compatible hosts. */
function openAiFields(model: string, endpoint: Endpoint, common: CommonFields) {
  return {
    model,
    apiKey: endpoint.apiKey,
    maxTokens: common.maxTokens,
    maxRetries: common.maxRetries,
    // Settings go in the fields: bindTools and withStructuredOutput build new clients from them.
    timeout: common.timeoutMs,
    onFailedAttempt: common.onFailedAttempt,
    useResponsesApi: false,
    cache: common.cache,
    callbacks: common.callbacks,
    disableStreaming: common.disableStreaming,
    configuration: { ...(endpoint.baseURL ? { baseURL: endpoint.baseURL } : {}), fetch: common.fetch },
  };
}

/**
 * A host that speaks OpenAI's Chat Completions at its own address, with its own key variable;
 * `<NAME>_BASE_URL` points it elsewhere (a proxy, a test server).
 */
function openAiCompatible(name: string, keyVariable: string, defaultBaseURL: string | undefined, keyOptional = false): Provider {
  const baseVariable = `${name.toUpperCase()}_BASE_URL`;
  return {
    package: "@langchain/openai",
    endpoint(env) {
      const baseURL = defaultBaseURL ? (variable(env, baseVariable) ?? defaultBaseURL) : required(env, name, baseVariable);
      const apiKey = keyOptional ? (variable(env, keyVariable) ?? "not-needed") : required(env, name, keyVariable);
      return { apiKey, baseURL, shown: baseURL };
    },
    build: (module, model, endpoint, common) => new module.ChatOpenAI(openAiFields(model, endpoint, common)),
  };
}

/**
 * Every provider Fanout can build a chat model for: LangChain's own integrations, one thin
 * entry each. `provider:model` names one; its package is loaded only when a model uses it.
 */
export const PROVIDERS: Record<string, Provider> = {
  openai: {
    package: "@langchain/openai",
    endpoint(env) {
      const baseURL = variable(env, "OPENAI_BASE_URL");
      // A compatible local server (Ollama, vLLM, llama.cpp) usually needs no key.
      const apiKey = variable(env, "OPENAI_API_KEY") ?? (baseURL ? "not-needed" : undefined);
      if (!apiKey) throw new ConfigurationError("OPENAI_API_KEY is not set (needed for openai models); set it or point OPENAI_BASE_URL at a compatible server");
      return { apiKey, baseURL, shown: baseURL ?? "https://api.openai.com/v1" };
    },
    build: (module, model, endpoint, common) => new module.ChatOpenAI(openAiFields(model, endpoint, common)),
  },
  azure_openai: {
    package: "@langchain/openai",
    endpoint(env) {
      const apiKey = required(env, "azure_openai", "AZURE_OPENAI_API_KEY");
      const instance = variable(env, "AZURE_OPENAI_API_INSTANCE_NAME");
      const endpoint = instance ? `https://${instance}.openai.azure.com` : required(env, "azure_openai", "AZURE_OPENAI_API_INSTANCE_NAME", "AZURE_OPENAI_ENDPOINT");
      const apiVersion = required(env, "azure_openai", "AZURE_OPENAI_API_VERSION");
      return { apiKey, shown: endpoint, extra: { endpoint, apiVersion } };
    },
    // The model is the deployment's name.
    build: (module, model, endpoint, common) =>
      new module.AzureChatOpenAI({
        ...openAiFields(model, { ...endpoint, baseURL: undefined }, common),
        azureOpenAIApiKey: endpoint.apiKey,
        azureOpenAIEndpoint: endpoint.extra!.endpoint,
        azureOpenAIApiDeploymentName: model,
        azureOpenAIApiVersion: endpoint.extra!.apiVersion,
      }),
  },
  anthropic: {
    package: "@langchain/anthropic",
    endpoint(env) {
      const baseURL = variable(env, "ANTHROPIC_BASE_URL");
      return { apiKey: required(env, "anthropic", "ANTHROPIC_API_KEY"), baseURL, shown: baseURL ?? "https://api.anthropic.com" };
    },
    build: (module, model, endpoint, common) =>
      new module.ChatAnthropic({
        model,
        apiKey: endpoint.apiKey,
        anthropicApiUrl: endpoint.baseURL,
        maxTokens: common.maxTokens,
        maxRetries: common.maxRetries,
        onFailedAttempt: common.onFailedAttempt,
        cache: common.cache,
        callbacks: common.callbacks,
        disableStreaming: common.disableStreaming,
        clientOptions: { timeout: common.timeoutMs, fetch: common.fetch },
      }),
  },
  "google-genai": {
    package: "@langchain/google-genai",
    endpoint(env) {
      const baseURL = variable(env, "GOOGLE_GENAI_BASE_URL");
      return { apiKey: required(env, "google-genai", "GOOGLE_API_KEY", "GEMINI_API_KEY"), baseURL, shown: baseURL ?? "https://generativelanguage.googleapis.com" };
    },
    build: (module, model, endpoint, common) =>
      new module.ChatGoogleGenerativeAI({
        model,
        apiKey: endpoint.apiKey,
        baseUrl: endpoint.baseURL,
        maxOutputTokens: common.maxTokens,
        // Its client takes no fetch, so Fanout's retry layer cannot reach it.
        maxRetries: common.clientRetries,
        onFailedAttempt: common.onFailedAttempt,
        cache: common.cache,
        callbacks: common.callbacks,
        disableStreaming: common.disableStreaming,
      }),
  },
  ollama: {
    package: "@langchain/ollama",
    endpoint(env) {
      const host = variable(env, "OLLAMA_BASE_URL") ?? variable(env, "OLLAMA_HOST") ?? "http://127.0.0.1:11434";
      const baseURL = /^https?:\/\//.test(host) ? host : `http://${host}`;
      return { baseURL, shown: baseURL };
    },
    build: (module, model, endpoint, common) =>
      new module.ChatOllama({
        model,
        baseUrl: endpoint.baseURL,
        numPredict: common.maxTokens,
        maxRetries: common.maxRetries,
        onFailedAttempt: common.onFailedAttempt,
        cache: common.cache,
        callbacks: common.callbacks,
        disableStreaming: common.disableStreaming,
        // The Ollama client has no timeout and no retry decision of its own: both are applied to its requests here.
        fetch: boundedFetch(common),
      }),
  },
  bedrock: {
    package: "@langchain/aws",
    endpoint(env) {
      // Credentials come from AWS's usual chain (variables, profile, instance role), so only the region is checked.
      const region = required(env, "bedrock", "AWS_REGION", "AWS_DEFAULT_REGION");
      return { shown: `https://bedrock-runtime.${region}.amazonaws.com`, extra: { region } };
    },
    build: (module, model, endpoint, common) =>
      new module.ChatBedrockConverse({
        model,
        region: endpoint.extra!.region,
        maxTokens: common.maxTokens,
        // Its client takes no fetch, so Fanout's retry layer cannot reach it.
        maxRetries: common.clientRetries,
        onFailedAttempt: common.onFailedAttempt,
        cache: common.cache,
        callbacks: common.callbacks,
        disableStreaming: common.disableStreaming,
      }),
  },
  openrouter: openAiCompatible("openrouter", "OPENROUTER_API_KEY", "https://openrouter.ai/api/v1"),
  groq: openAiCompatible("groq", "GROQ_API_KEY", "https://api.groq.com/openai/v1"),
  deepseek: openAiCompatible("deepseek", "DEEPSEEK_API_KEY", "https://api.deepseek.com/v1"),
  vllm: openAiCompatible("vllm", "VLLM_API_KEY", undefined, true),
};

/**
 * Fanout's fetch (lane, breaker, retries) that also gives up after the request timeout, and whose failures pass the same decision
 * as other clients' (onFailedAttempt): a server that is not there, or silent, is named.
 */
function boundedFetch(common: CommonFields): typeof fetch {
  return async (input, init) => {
    const deadline = AbortSignal.timeout(common.timeoutMs);
    const signal = init?.signal ? AbortSignal.any([init.signal, deadline]) : deadline;
    try {
      return await common.fetch(input, { ...init, signal });
    } catch (error) {
      if (init?.signal?.aborted) throw error;
      const failure = deadline.aborted
        ? Object.assign(new Error(`request timed out after ${common.timeoutMs / 1000} s`, { cause: error }), { name: "TimeoutError" })
        : error;
      await common.onFailedAttempt(failure);
      throw failure;
    }
  };
}

const loaded = new Map<string, ProviderModule>();

/**
 * Loads the packages of the providers these models use, once. A package that is not installed
 * is a configuration error naming it, so a run that cannot build its models never starts.
 */
export async function loadProviderPackages(providers: Iterable<string>): Promise<void> {
  for (const name of new Set(providers)) {
    const pkg = PROVIDERS[name]?.package;
    if (!pkg || loaded.has(pkg)) continue;
    try {
      loaded.set(pkg, (await importPackage(pkg)) as ProviderModule);
    } catch (error) {
      const missing = (error as { code?: string }).code === "ERR_MODULE_NOT_FOUND" && String((error as Error).message).includes(pkg);
      if (!missing) throw error;
      throw new ConfigurationError(`${name} models need the package ${pkg}, which is not installed; install it with: npm install ${pkg}`);
    }
  }
}

/** A package already imported by whoever registers it, in place of loading it (the OpenAI classes, with local token counts). */
export function registerProviderModule(pkg: string, module: ProviderModule): void {
  loaded.set(pkg, module);
}

/** A provider's package, loaded by loadProviderPackages. */
export function providerModule(name: string): ProviderModule {
  const pkg = PROVIDERS[name].package;
  const module = loaded.get(pkg);
  if (!module) throw new Error(`the ${pkg} package was not loaded before its model was built (call loadProviderPackages first)`);
  return module;
}
