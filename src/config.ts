import { z } from "zod";
import type { RunnableConfig } from "@langchain/core/runnables";
import { looksSecret } from "./secrets.js";

const modelSpec = z.string().regex(/^[a-z][a-z0-9_-]*:.+$/, "a model as provider:model, e.g. openai:gpt-4.1");

const positiveInt = (max: number) => z.coerce.number().int().min(1).max(max);

/** A model's context window in tokens; 0 means the known size for the model's family (src/context/budget.ts). */
const contextTokens = z.coerce.number().int().min(0).max(10_000_000).default(0);

const booleanLike = z.preprocess((value) => {
  if (typeof value !== "string") return value;
  const lowered = value.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(lowered)) return true;
  if (["false", "0", "no", "off"].includes(lowered)) return false;
  return value;
}, z.boolean());

/**
 * The one place where every setting and its default is defined.
 * Keys are snake_case because that is how users set them (Studio, CLI, env);
 * they keep Open Deep Research's names where the same setting exists.
 */
export const ConfigurationSchema = z
  .object({
    allow_clarification: booleanLike.default(true).describe("Ask the user a clarifying question when the request is ambiguous"),
    max_structured_output_retries: positiveInt(10).default(3).describe("Attempts for a model call that must return structured output"),
    max_concurrent_research_units: positiveInt(64).default(5).describe("Research units the supervisor may run at once, per round"),
    max_researcher_iterations: positiveInt(50).default(6).describe("Supervisor rounds that may launch research before the research phase stops"),
    max_react_tool_calls: positiveInt(50).default(10).describe("Tool rounds one researcher may take before it must compress"),
    search_api: z
      .string()
      .refine(isSearchApi)
      .transform((value) => searchProviders(value).join(","))
      .default("tavily")
      .describe("Where researchers search: tavily (web), searxng (web), local (a folder), none; a list such as tavily,searxng is tried in order"),
    local_corpus_path: z.string().default("").describe("Folder of .md/.txt/.html/.pdf files searched when search_api=local"),
    searxng_url: z.string().default("").describe("Base URL of a SearXNG instance with its JSON API on, for search_api=searxng"),
    mcp_servers: z
      .preprocess((value) => (value && typeof value === "object" ? JSON.stringify(value) : value), z.string())
      .default("")
      .describe("MCP servers whose tools researchers get, as JSON (see the README)"),
    embedding_model: z
      .string()
      .regex(/^$|^[a-z][a-z0-9_-]*:.+$/)
      .default("")
      .describe("Embedding model fanout index uses, e.g. openai:text-embedding-3-small; empty: a keyword-only index"),
    fetch_url_enabled: booleanLike.default(true).describe("Offer researchers the fetch_url tool, which reads one web page in full"),
    allow_private_network: booleanLike.default(false).describe("Let fetch_url read loopback, private, link-local and metadata addresses"),
    max_fetch_bytes: positiveInt(100_000_000).default(5_000_000).describe("Largest page fetch_url downloads, in bytes"),
    max_search_results: positiveInt(20).default(5).describe("Results per query"),
    max_content_length: positiveInt(1_000_000).default(50_000).describe("Characters of a page kept before it is summarised"),
    max_concurrent_summaries: positiveInt(32).default(8).describe("Pages summarised at once inside one search call"),
    tool_timeout_seconds: z.coerce.number().positive().max(3600).default(30).describe("Seconds one tool call may take before it becomes an error message"),
    // 300 s is also as long as Node's fetch waits for a reply's headers, so a longer limit could not work.
    model_timeout_seconds: z.coerce.number().positive().max(300).default(300).describe("Seconds one model request may take; a request that times out is not repeated"),
    stream_tokens: booleanLike
      .default(true)
      .describe(
        "Stream model replies token by token to clients that ask for them (stream modes messages, messages-tuple, events); false: each reply arrives whole, saving the per-token work. npm start turns it off for runs whose stream modes show no tokens",
      ),
    verify_citations: z
      .enum(["retrieved", "claims"])
      .default("retrieved")
      .describe(
        "retrieved: every citation names a retrieved source; claims: also asks the summarisation model whether each cited source supports its sentence (one call per cited source)",
      ),
    max_model_concurrency: z.coerce
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe("Model calls in flight per provider across the whole process (0 = unlimited; 1 = one after another)"),
    max_search_concurrency: z.coerce
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(0)
      .describe("Search requests in flight per search provider across the process (0 = unlimited)"),
    max_fetch_concurrency: z.coerce
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(8)
      .describe("Pages fetch_url downloads at once across the process, whatever the host (0 = unlimited)"),
    model_requests_per_minute: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe("Model requests per minute per provider across the process (0 = no limit)"),
    model_tokens_per_minute: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_000_000_000)
      .default(0)
      .describe("Model tokens per minute per provider (prompt at ~4 characters a token plus max_tokens; 0 = no limit)"),
    search_requests_per_minute: z.coerce
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe("Search requests per minute per search provider across the process, retries included (0 = no limit)"),
    adaptive_concurrency: booleanLike.default(true).describe("Narrow a provider's lane on 429s and widen it again on successes"),
    model_retries: z.coerce.number().int().min(0).max(10).default(6).describe("Retries of a model request answered 429/5xx or cut off; never for 400/401/403"),
    search_retries: z.coerce
      .number()
      .int()
      .min(0)
      .max(10)
      .default(2)
      .describe("Retries of a search request answered 429/5xx or cut off, before the next provider in search_api is asked"),
    retry_initial_delay_ms: z.coerce
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(100)
      .describe("Upper bound of the first retry's random wait; it doubles per retry (full jitter), or waits as long as retry-after asks"),
    breaker_threshold: positiveInt(1000).default(8).describe("Failed requests in a row to one provider that open its circuit breaker"),
    breaker_cooldown_seconds: z.coerce
      .number()
      .positive()
      .max(3600)
      .default(30)
      .describe("Seconds an open breaker fails calls at once before one probe call may try again"),
    cache: booleanLike.default(true).describe("Serve identical model calls from the response cache (memory and the run store)"),
    cache_max_bytes: positiveInt(4_000_000_000)
      .default(64 * 1024 * 1024)
      .describe("Bytes of model responses the in-memory cache keeps"),
    search_cache_ttl_seconds: z.coerce
      .number()
      .int()
      .min(0)
      .max(30 * 86_400)
      .default(3600)
      .describe("Seconds a search result is served from the search cache (0 = no search cache)"),
    research_model: modelSpec.default("openai:gpt-4.1").describe("Model for the supervisor and researchers"),
    research_model_max_tokens: positiveInt(200_000).default(10_000).describe("Longest reply of the supervisor and researcher model, in tokens"),
    research_model_context_tokens: contextTokens.describe("Context window of the supervisor and researcher model, in tokens; 0: the known size for its model family"),
    summarization_model: modelSpec.default("openai:gpt-4.1-mini").describe("Model that summarises search results"),
    summarization_model_max_tokens: positiveInt(200_000).default(8_192).describe("Longest reply of the summarisation model, in tokens"),
    summarization_model_context_tokens: contextTokens.describe("Context window of the summarisation model, in tokens; 0: the known size for its model family"),
    compression_model: modelSpec.default("openai:gpt-4.1").describe("Model that compresses a researcher's findings"),
    compression_model_max_tokens: positiveInt(200_000).default(8_192).describe("Longest reply of the compression model, in tokens"),
    compression_model_context_tokens: contextTokens.describe("Context window of the compression model, in tokens; 0: the known size for its model family"),
    final_report_model: modelSpec.default("openai:gpt-4.1").describe("Model that writes the final report"),
    final_report_model_max_tokens: positiveInt(200_000).default(10_000).describe("Longest reply of the report model, in tokens"),
    judge_model: z
      .union([z.literal(""), modelSpec])
      .default("")
      .describe("Model that scores reports in npm run eval (empty: computed scores only)"),
    report_language: z.string().trim().max(40).default("").describe("Language the report is written in, e.g. English; empty: the language of the question"),
    final_report_model_context_tokens: contextTokens.describe("Context window of the report model, in tokens; 0: the known size for its model family"),
  })
  .strict();

export type Configuration = z.infer<typeof ConfigurationSchema>;
export type ConfigurationKey = keyof Configuration;

export const CONFIGURATION_KEYS = Object.keys(ConfigurationSchema.shape) as ConfigurationKey[];

export class ConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigurationError";
  }
}

/** Where search_api may point; a comma-separated list is tried in order. */
export const SEARCH_PROVIDERS = ["tavily", "searxng", "local", "none"] as const;
export type SearchProvider = (typeof SEARCH_PROVIDERS)[number];

/** The providers a search_api value names, in order: "tavily, searxng" → ["tavily", "searxng"]. */
export function searchProviders(searchApi: string): SearchProvider[] {
  return searchApi
    .split(",")
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean) as SearchProvider[];
}

/** One provider, or a list of distinct providers; none only on its own. */
function isSearchApi(value: string): boolean {
  const names = searchProviders(value);
  if (names.length === 0 || new Set(names).size !== names.length) return false;
  if (!names.every((name) => (SEARCH_PROVIDERS as readonly string[]).includes(name))) return false;
  return names.length === 1 || !names.includes("none");
}

/** Accepted values that the JSON schema cannot put in words. */
const ACCEPTED_IN_WORDS: Partial<Record<ConfigurationKey, string>> = {
  search_api: "tavily, searxng, local or none, or a list of distinct providers tried in order, e.g. tavily,searxng (none only on its own)",
  mcp_servers: 'JSON: {"name": {"command", "args"} or {"url"}}',
  embedding_model: "empty, or a model as provider:model",
};

/** What a key accepts, in words, for error messages and --help. */
export function describeAccepted(key: ConfigurationKey): string {
  const inWords = ACCEPTED_IN_WORDS[key];
  if (inWords) return inWords;
  const field = ConfigurationSchema.shape[key];
  const json = z.toJSONSchema(field, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  if (Array.isArray(json.enum)) return `one of ${json.enum.join(", ")}`;
  if (json.type === "boolean") return "true or false";
  if (json.type === "integer" || json.type === "number") {
    const kind = json.type === "integer" ? "a whole number" : "a number";
    if (json.exclusiveMinimum !== undefined) return `${kind} above ${json.exclusiveMinimum}, at most ${max(json)}`;
    return max(json) !== undefined ? `${kind} from ${json.minimum ?? "-∞"} to ${max(json)}` : kind;
  }
  if (key.endsWith("_model")) return "a model as provider:model, e.g. openai:gpt-4.1";
  return "a string";
}

function max(json: Record<string, unknown>): unknown {
  return json.maximum ?? json.exclusiveMaximum;
}

/**
 * Whether `a` is at most `limit` edits from `b`, to tell a mistyped setting from a key someone else
 * put there. Bounded: LangGraph passes a dozen keys of its own with every node's first call, so most
 * pairs are ruled out by their lengths or the first rows, not by a full table.
 */
function withinEditDistance(a: string, b: string, limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    let best = i;
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, current[j]);
    }
    if (best > limit) return false; // every later row is at least this row's minimum
    previous = current;
  }
  return previous[b.length] <= limit;
}

/** The known key an unknown one is a likely typo of, if any. */
export function likelyTypoOf(key: string): ConfigurationKey | undefined {
  const lower = key.toLowerCase();
  return CONFIGURATION_KEYS.find((known) => withinEditDistance(lower, known, 2));
}

function isConfigurationKey(key: string): key is ConfigurationKey {
  return (CONFIGURATION_KEYS as string[]).includes(key);
}

/** Validates raw settings (strings or typed values) and names the first bad key. */
export function parseConfiguration(raw: Record<string, unknown>, source: string | ((key: string) => string) = "configuration"): Configuration {
  const sourceOf = typeof source === "string" ? () => source : source;
  for (const key of Object.keys(raw)) {
    if (!isConfigurationKey(key)) {
      const shownKey = looksSecret(key) ? "(hidden: it looks like a secret)" : `"${key}"`;
      const typo = likelyTypoOf(key);
      const hint = typo ? `did you mean "${typo}"? ` : "";
      throw new ConfigurationError(`unknown ${sourceOf(key)} key ${shownKey}; ${hint}known keys: ${CONFIGURATION_KEYS.join(", ")}`);
    }
  }
  const result = ConfigurationSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = String(issue.path[0]) as ConfigurationKey;
  throw new ConfigurationError(`bad value ${shownValue(raw[key])} for "${key}" (${sourceOf(key)}): expected ${describeAccepted(key)}`);
}

/**
 * A value for an error message. A mistyped setting can carry a key (`--set research_model=sk-…`),
 * and error messages end up in terminals, CI logs and bug reports, so those are never echoed.
 */
export function shownValue(value: unknown): string {
  if (typeof value === "string" && looksSecret(value)) return "(hidden: it looks like a secret)";
  return JSON.stringify(value);
}

/** FANOUT_<KEY> environment variables, e.g. FANOUT_MAX_CONCURRENT_RESEARCH_UNITS=3. */
export function configurationFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("FANOUT_") || value === undefined) continue;
    const key = name.slice("FANOUT_".length).toLowerCase();
    // FANOUT_HOME and friends configure the process, not a run.
    if (PROCESS_SETTINGS.has(name)) continue;
    if (!isConfigurationKey(key)) {
      throw new ConfigurationError(`unknown environment setting ${name}; known keys: ${CONFIGURATION_KEYS.join(", ")}`);
    }
    // Checked here, where the variable's name is known; merged with --set, it would be blamed on --set.
    if (!ConfigurationSchema.shape[key].safeParse(value).success) {
      throw new ConfigurationError(`bad value ${shownValue(value)} for ${name}: expected ${describeAccepted(key)}`);
    }
    settings[key] = value;
  }
  return settings;
}

/** Environment variables with the FANOUT_ prefix that are not run settings. */
export const PROCESS_SETTINGS = new Set([
  "FANOUT_HOME",
  "FANOUT_LOG_LEVEL",
  "FANOUT_PG_SCHEMA",
  "FANOUT_API_TOKEN",
  "FANOUT_API_MAX_BODY_BYTES",
  "FANOUT_API_DRAIN_SECONDS",
  "FANOUT_SERVER_WORKERS",
]);

/** `key=value` pairs from the CLI's repeated --set. */
export function configurationFromPairs(pairs: string[]): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf("=");
    if (at <= 0) throw new ConfigurationError(`--set takes key=value, got ${shownValue(pair)}`);
    settings[pair.slice(0, at).trim()] = pair.slice(at + 1);
  }
  return settings;
}

/**
 * Reads the run's configuration: defaults, then FANOUT_* environment
 * variables, then the run's `configurable` (Studio, CLI), later ones winning.
 * `configurable` also carries the platform's keys, so there an unknown key is
 * an error only when it is a likely typo of a setting; --set and FANOUT_* are
 * strict.
 * Every node calls it, and LangGraph gives each task a fresh config object, so
 * results are memoised by the settings' values (and typo verdicts by key name).
 */
export function readConfiguration(config?: RunnableConfig & { context?: unknown }): Configuration {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  // Studio may send settings as the graph's context instead of configurable.
  const context = (config?.context && typeof config.context === "object" ? config.context : {}) as Record<string, unknown>;
  const fromRun: Record<string, unknown> = {};
  for (const source of [context, configurable]) {
    for (const key in source) {
      const value = source[key];
      if (value === undefined) continue;
      // Anything but a setting or a likely typo of one is the platform's own: thread_id, checkpoint_ns,
      // and the dev server's request headers (user-agent, host, x-…), none of which are ours to judge.
      if (!isConfigurationKey(key) && !isLikelyTypo(key)) continue;
      fromRun[key] = value; // a typo fails below, naming the key
    }
  }
  const key = cacheKey({ ...knownEnvSettings(), ...fromRun });
  const cached = key === undefined ? undefined : parsedBySettings.get(key);
  if (cached) return cached;
  // Only a miss scans the whole environment, which also rejects unknown FANOUT_ variables.
  const configuration = parseConfiguration({ ...configurationFromEnv(), ...fromRun }, (key) =>
    configurable[key] !== undefined ? "configurable" : context[key] !== undefined ? "context" : "environment",
  );
  if (key !== undefined) {
    if (parsedBySettings.size >= CACHE_LIMIT) parsedBySettings.clear();
    parsedBySettings.set(key, configuration);
  }
  return configuration;
}

/** FANOUT_<KEY> names of the settings, looked up one by one: enumerating process.env is slow. */
const ENV_NAMES = CONFIGURATION_KEYS.map((key) => [key, `FANOUT_${key.toUpperCase()}`] as const);

function knownEnvSettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [key, name] of ENV_NAMES) {
    const value = process.env[name];
    if (value !== undefined) settings[key] = value;
  }
  return settings;
}

const CACHE_LIMIT = 256;
const parsedBySettings = new Map<string, Configuration>();
const typoVerdicts = new Map<string, boolean>();

/** likelyTypoOf, remembered per key: the same platform keys arrive with every node call. */
function isLikelyTypo(key: string): boolean {
  let verdict = typoVerdicts.get(key);
  if (verdict === undefined) {
    verdict = likelyTypoOf(key) !== undefined;
    if (typoVerdicts.size >= CACHE_LIMIT) typoVerdicts.clear();
    typoVerdicts.set(key, verdict);
  }
  return verdict;
}

/** The raw settings as a string, or undefined when a value has no faithful JSON form. */
function cacheKey(settings: Record<string, unknown>): string | undefined {
  const entries = Object.entries(settings);
  if (!entries.every(([, value]) => value === null || ["string", "number", "boolean"].includes(typeof value))) return undefined;
  return JSON.stringify(entries);
}
