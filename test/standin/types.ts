/**
 * Stand-in OpenAI-compatible server: shared types.
 * A TEST TOOL and demo prop; its answers are canned text, never research.
 */

/** What the stand-in thinks a request is, judged only from tools and schemas offered. */
/** Ways of imitating a weak or local model (see quirks.ts). */
export type Quirk = (typeof import("./quirks.js").QUIRKS)[number];

export type Role = "clarify" | "brief" | "summary" | "citation_check" | "structured" | "supervisor" | "researcher" | "writer" | "other" | "embeddings" | "models";

export type JsonSchema = { [key: string]: unknown };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as sent on the wire. */
  arguments: string;
}

/** A chat message with content flattened to text; developer counts as system, function as tool. */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  toolCalls: ToolCall[];
  toolCallId?: string;
}

export interface ToolDef {
  name: string;
  description: string;
  parameters: JsonSchema;
}

export type ToolChoice = "auto" | "none" | "required" | { name: string };

/** A structured-output request: a json_schema response_format, json_object mode, or a forced tool. */
export interface StructuredTarget {
  name: string;
  schema: JsonSchema;
  via: "response_format" | "json_object" | "tool_choice" | "text";
}

/** A chat request as the stand-in (and a `behaviour` hook) sees it. */
export interface ParsedRequest {
  /** Order of arrival since start or the last reset (1-based). */
  seq: number;
  role: Role;
  model: string;
  /** Trimmed text of the first user message: identifies the conversation's research topic. */
  topic: string;
  messages: ChatMessage[];
  tools: ToolDef[];
  toolNames: string[];
  toolChoice: ToolChoice;
  structured?: StructuredTarget;
  stream: boolean;
  includeUsage: boolean;
}

export interface ScriptedToolCall {
  name: string;
  args: object;
}

/** A scripted answer: content and/or tool calls. */
export interface ScriptedMessage {
  content?: string;
  toolCalls?: ScriptedToolCall[];
}

/** A scripted failure: the request gets this HTTP status and an OpenAI-style error body. */
export interface ScriptedFailure {
  status: number;
  message?: string;
  /** Appends the API key the request was sent with to the message, as some careless services do. */
  echoKey?: boolean;
  /** Sent as `retry-after-ms` (and `retry-after`, in whole seconds). */
  retryAfterMs?: number;
}

/** Hold the request open this long (ends early if the client goes away), then answer by default roles. */
export interface ScriptedHang {
  hangMs: number;
}

export type ScriptedReply = ScriptedMessage | ScriptedFailure | ScriptedHang;

/** Test hook: return a reply to script it, or undefined to fall back to the default roles. */
export type Behaviour = (request: ParsedRequest) => ScriptedReply | undefined | Promise<ScriptedReply | undefined>;

export interface FaultOptions {
  /** Probability (0..1) that a model request gets a 429. */
  rate429?: number;
  /** Probability (0..1) that a model request gets a 500. */
  rate500?: number;
  /** Seed of the PRNG that draws faults and jitter. */
  seed?: number;
  /** Answer a drawn fault at once, before the latency, as a gateway does (default: after it). The same draws either way. */
  atOnce?: boolean;
}

export interface TokenOptions {
  /** Usage is estimated as ceil(chars / charsPerToken); default 4. */
  charsPerToken?: number;
}

/** Everything that can change while the server runs. */
export interface StandInConfig {
  latencyMs?: number;
  jitterMs?: number;
  faults?: FaultOptions;
  /** ConductResearch calls the supervisor makes in its first round (default 3). */
  units?: number;
  /** Search rounds a researcher makes before answering (default 1). */
  searchRounds?: number;
  behaviour?: Behaviour;
  tokens?: TokenOptions;
  /** Weak-model imitations to switch on (default none). */
  quirks?: Quirk[];
  /** A chat request whose prompt is over this many tokens gets a 400 "context length exceeded" (0: no limit). */
  contextTokens?: number;
  /**
   * A hidden concurrency limit, as a provider's gateway has: a model request arriving while this
   * many are already in flight gets an immediate 429 (0 = no limit).
   */
  maxInFlight?: number;
}

export interface StandInOptions extends StandInConfig {
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

/** The settings in force, with defaults filled in. */
export interface ResolvedConfig {
  latencyMs: number;
  jitterMs: number;
  faults: { rate429: number; rate500: number; seed: number; atOnce: boolean };
  units: number;
  searchRounds: number;
  behaviour?: Behaviour;
  tokens: { charsPerToken: number };
  quirks: Quirk[];
  contextTokens: number;
  maxInFlight: number;
}

/** chat: OpenAI's Chat Completions; anthropic: Anthropic's Messages API; ollama: Ollama's /api/chat. */
export type Route = "chat" | "anthropic" | "ollama" | "embeddings" | "models";

export interface LoggedRequest {
  seq: number;
  /** Arrival time, ms since epoch. */
  time: number;
  route: Route;
  role: Role | "invalid";
  model: string;
  topic: string;
  toolNames: string[];
  schemaName?: string;
  /** The prompt's size as usage counts it (chat requests). */
  promptTokens?: number;
  stream: boolean;
  /** HTTP status sent; 0 while in flight, 499 if the client went away first. */
  status: number;
  durationMs: number;
}

export interface StandInStats {
  total: number;
  byRole: Record<string, number>;
  byStatus: Record<string, number>;
  inFlight: number;
  peakInFlight: number;
  peakInFlightByRole: Record<string, number>;
  embeddings: number;
  streamed: number;
  tokens: { prompt: number; completion: number };
  /** Requests to the fake Tavily endpoint (not counted in total). */
  tavily: number;
}

/** One result of the fake Tavily search, in Tavily's wire shape. */
export interface TavilyResult {
  url: string;
  title: string;
  content: string;
  score: number;
  raw_content: string | null;
}

/** A search the fake Tavily endpoint answered (or failed on purpose). */
export interface TavilyCall {
  query: string;
  maxResults: number;
  rawContent: boolean | "markdown" | "text";
  apiKey: string;
  status: number;
  /** URLs of the results sent back, in order. */
  urls: string[];
}

export interface TavilyControl {
  /** Every later search for exactly this query gets `status` (default 500), until reset. */
  failQuery(query: string, status?: number): void;
  /** Every later search gets a 401 whose message echoes the key it was sent, until reset. */
  rejectKeys(): void;
  calls(): TavilyCall[];
}

export interface StandIn {
  /** Base URL ending in /v1, for ChatOpenAI's configuration.baseURL. */
  url: string;
  /** Base URL of the fake Tavily API (…/tavily), for TAVILY_API_BASE_URL. */
  tavilyUrl: string;
  tavily: TavilyControl;
  port: number;
  stats(): StandInStats;
  requests(): LoggedRequest[];
  /** Zeroes counters and the request logs, drops pending failNext and failQuery, reseeds the PRNG. */
  reset(): void;
  /** Merges settings; a key given as undefined (e.g. behaviour) clears it. */
  configure(config: StandInConfig): void;
  /** The next `count` model requests (chat or embeddings) fail with `status`. */
  failNext(count: number, status?: number, message?: string): void;
  close(): Promise<void>;
}
