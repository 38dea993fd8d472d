/**
 * Stand-in server (a test tool): the state behind the HTTP routes (settings, counters,
 * faults, request log) and the model endpoints' request lifecycle:
 * parse → log → latency → fault → behaviour hook → default role → respond.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { usageOf } from "./completion.js";
import { DEFAULTS, mergeConfig } from "./config.js";
import { embeddingsBody } from "./embeddings.js";
import { FaultPlan } from "./faults.js";
import { HttpError, parseJson, pause, readBody, sendJson } from "./http.js";
import { ChatBody, EmbeddingsBody, describeIssues, parseChat } from "./request.js";
import { misread, miswrite, type SpoiledCalls } from "./quirks.js";
import { defaultReply, type Reply } from "./roles.js";
import { anthropicProtocol, ollamaProtocol, openAiProtocol, type WireProtocol } from "./protocols.js";
import type { LoggedRequest, ParsedRequest, ResolvedConfig, Route, ScriptedReply, StandInConfig } from "./types.js";
import { Counters } from "./stats.js";
import { FakeTavily } from "./tavily.js";

const LOG_LIMIT = 10_000;

const FAULT_MESSAGES: Record<number, string> = {
  429: "Rate limit reached for requests (stand-in fault). Please try again in 0ms.",
  500: "The server had an error while processing your request (stand-in fault).",
};

/** Stops work when the client hangs up, so in-flight counts and hangs end with the connection. */
function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

type Outcome = { status: number };

const PROTOCOLS: Record<"chat" | "anthropic" | "ollama", WireProtocol> = { chat: openAiProtocol, anthropic: anthropicProtocol, ollama: ollamaProtocol };

export class Engine {
  config: ResolvedConfig = DEFAULTS;
  readonly counters = new Counters();
  readonly tavily = new FakeTavily(this.counters);
  private faults = new FaultPlan(DEFAULTS.faults.seed);
  private jitter = this.faults.jitterSource();
  private log: LoggedRequest[] = [];
  private spoiled: SpoiledCalls = new Set();
  private seq = 0;

  configure(patch: StandInConfig): void {
    const seedChanged = patch.faults?.seed !== undefined && patch.faults.seed !== this.config.faults.seed;
    this.config = mergeConfig(this.config, patch);
    if (seedChanged) this.reseed();
  }

  failNext(count: number, status: number, message?: string): void {
    this.faults.failNext(count, status, message);
  }

  reset(): void {
    this.counters.reset();
    this.log = [];
    this.seq = 0;
    this.tavily.reset();
    this.spoiled.clear();
    this.reseed();
    // Pending failNext faults go too, as the StandIn interface promises.
    this.faults.reset();
  }

  requests(): LoggedRequest[] {
    return this.log.map((entry) => ({ ...entry, toolNames: [...entry.toolNames] }));
  }

  private reseed(): void {
    this.faults.reseed(this.config.faults.seed);
    this.jitter = this.faults.jitterSource();
  }

  /** Runs one model request, keeping counters and the log right however it ends. */
  async run(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signal = clientGone(res);
    const entry = this.logEntry(route);
    this.counters.enter();
    let role: string | undefined;
    let status = 500;
    try {
      const outcome = await this.dispatch(route, req, res, signal, entry, (known) => {
        role = known;
      });
      status = signal.aborted ? 499 : outcome.status;
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      const protocol = route === "anthropic" || route === "ollama" ? PROTOCOLS[route] : openAiProtocol;
      if (!res.headersSent) protocol.sendError(res, status, message, error instanceof HttpError ? error.code : "standin_error");
    } finally {
      entry.status = status;
      entry.durationMs = Date.now() - entry.time;
      this.counters.leave(role, status);
    }
  }

  private logEntry(route: Route): LoggedRequest {
    this.seq += 1;
    const entry: LoggedRequest = {
      seq: this.seq,
      time: Date.now(),
      route,
      role: "invalid",
      model: "",
      topic: "",
      toolNames: [],
      stream: false,
      status: 0,
      durationMs: 0,
    };
    this.log.push(entry);
    if (this.log.length > LOG_LIMIT) this.log.shift();
    return entry;
  }

  private async dispatch(
    route: Route,
    req: IncomingMessage,
    res: ServerResponse,
    signal: AbortSignal,
    entry: LoggedRequest,
    onRole: (role: string) => void,
  ): Promise<Outcome> {
    if (route === "models") {
      entry.role = "models";
      onRole("models");
      this.counters.enterRole("models");
      sendJson(res, 200, modelList());
      return { status: 200 };
    }
    const raw = parseJson(await readBody(req));
    if (route === "embeddings") return this.embeddings(raw, res, signal, entry, onRole);
    return this.chat(raw, bearerKey(req), res, signal, entry, onRole, PROTOCOLS[route]);
  }

  private async embeddings(raw: unknown, res: ServerResponse, signal: AbortSignal, entry: LoggedRequest, onRole: (role: string) => void): Promise<Outcome> {
    const parsed = EmbeddingsBody.safeParse(raw);
    if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error), "invalid_request");
    Object.assign(entry, { role: "embeddings", model: parsed.data.model });
    onRole("embeddings");
    this.counters.enterRole("embeddings");
    const failed = await this.delayAndFault(res, signal, openAiProtocol);
    if (failed) return failed;
    const { json, promptTokens } = embeddingsBody(parsed.data, this.config.tokens.charsPerToken);
    this.counters.addTokens(promptTokens, 0);
    sendJson(res, 200, json);
    return { status: 200 };
  }

  private async chat(
    raw: unknown,
    apiKey: string,
    res: ServerResponse,
    signal: AbortSignal,
    entry: LoggedRequest,
    onRole: (role: string) => void,
    protocol: WireProtocol,
  ): Promise<Outcome> {
    const parsed = ChatBody.safeParse(protocol.toChatBody(raw));
    if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error), "invalid_request");
    const request = parseChat(parsed.data, entry.seq);
    Object.assign(entry, {
      role: request.role,
      model: request.model,
      topic: request.topic,
      toolNames: request.toolNames,
      stream: request.stream,
      ...(request.structured ? { schemaName: request.structured.name } : {}),
    });
    onRole(request.role);
    this.counters.enterRole(request.role, { stream: request.stream });
    const failed = await this.delayAndFault(res, signal, protocol);
    if (failed) return failed;
    const promptTokens = usageOf(request, { content: "", toolCalls: [] }, this.config.tokens.charsPerToken).prompt_tokens;
    entry.promptTokens = promptTokens;
    const { contextTokens } = this.config;
    if (contextTokens > 0 && promptTokens > contextTokens) {
      protocol.sendError(res, 400, protocol.contextError(contextTokens, promptTokens), "context_length_exceeded");
      return { status: 400 };
    }
    const reply = await this.replyFor(request, apiKey, res, signal, protocol);
    if ("status" in reply) return reply;
    if (signal.aborted) return { status: 499 };
    const usage = usageOf(request, reply, this.config.tokens.charsPerToken);
    this.counters.addTokens(usage.prompt_tokens, usage.completion_tokens);
    protocol.send(res, request, reply, usage);
    return { status: 200 };
  }

  /**
   * The hidden concurrency limit first (answered at once, as a gateway does), then latency (plus
   * seeded jitter), then an injected fault if one is due (or before the latency, with faults.atOnce).
   */
  private async delayAndFault(res: ServerResponse, signal: AbortSignal, protocol: WireProtocol): Promise<Outcome | undefined> {
    const { latencyMs, jitterMs, faults, maxInFlight } = this.config;
    if (maxInFlight > 0 && this.counters.inFlight > maxInFlight) {
      protocol.sendError(res, 429, `Too many requests in flight (stand-in hidden limit of ${maxInFlight}).`, "rate_limit_exceeded");
      return { status: 429 };
    }
    const early = faults.atOnce ? this.faults.next(faults.rate429, faults.rate500) : undefined;
    if (!early) await pause(latencyMs + (jitterMs > 0 ? Math.round(this.jitter() * jitterMs) : 0), signal);
    if (signal.aborted) return { status: 499 };
    const fault = faults.atOnce ? early : this.faults.next(faults.rate429, faults.rate500);
    if (!fault) return undefined;
    protocol.sendError(
      res,
      fault.status,
      fault.message ?? FAULT_MESSAGES[fault.status] ?? `Stand-in fault ${fault.status}.`,
      fault.status === 429 ? "rate_limit_exceeded" : "standin_fault",
    );
    return { status: fault.status };
  }

  /** The behaviour hook's reply if it gives one, else the default role's. */
  private async replyFor(request: ParsedRequest, apiKey: string, res: ServerResponse, signal: AbortSignal, protocol: WireProtocol): Promise<Reply | Outcome> {
    let scripted: ScriptedReply | undefined = await this.config.behaviour?.(request);
    if (scripted && "hangMs" in scripted) {
      await pause(scripted.hangMs, signal);
      scripted = undefined;
    }
    if (scripted && "status" in scripted) {
      const message = scripted.message ?? FAULT_MESSAGES[scripted.status] ?? `Scripted failure ${scripted.status}.`;
      protocol.sendError(res, scripted.status, scripted.echoKey ? `${message} (key sent: ${apiKey})` : message, "standin_scripted", scripted.retryAfterMs);
      return { status: scripted.status };
    }
    if (scripted) {
      const toolCalls = (scripted.toolCalls ?? []).map((call) => ({ name: call.name, args: { ...call.args } as Record<string, unknown> }));
      return { content: scripted.content ?? (toolCalls.length > 0 ? null : ""), toolCalls };
    }
    const { quirks } = this.config;
    const seen = misread(request, quirks);
    return miswrite(seen, defaultReply(seen, this.config), quirks, this.spoiled);
  }
}

/** The key from `Authorization: Bearer …` (OpenAI's client), or `x-api-key` (Anthropic's). */
function bearerKey(req: IncomingMessage): string {
  const header = req.headers["x-api-key"];
  if (typeof header === "string" && header) return header;
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
}

function modelList(): object {
  const ids = ["gpt-4.1", "gpt-4.1-mini", "gpt-4o-mini", "text-embedding-3-small", "standin"];
  return { object: "list", data: ids.map((id) => ({ id, object: "model", created: 0, owned_by: "standin" })) };
}
