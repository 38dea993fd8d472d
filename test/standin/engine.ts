/**
 * Stand-in server (a test tool): the state behind the HTTP routes (settings, counters, request
 * log) and a chat completion's lifecycle: parse → log → latency → behaviour hook → default role → respond.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { completionBody } from "./completion.js";
import { DEFAULTS, mergeConfig } from "./config.js";
import { HttpError, parseJson, pause, readBody, sendError, sendJson } from "./http.js";
import { ChatBody, describeIssues, parseChat } from "./request.js";
import { defaultReply, type Reply } from "./roles.js";
import type { LoggedRequest, ParsedRequest, ResolvedConfig, ScriptedReply, StandInConfig } from "./types.js";
import { Counters } from "./stats.js";
import { FakeTavily } from "./tavily.js";

const LOG_LIMIT = 10_000;

/** Stops work when the client hangs up, so in-flight counts and hangs end with the connection. */
function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  return controller.signal;
}

export class Engine {
  config: ResolvedConfig = DEFAULTS;
  readonly counters = new Counters();
  readonly tavily = new FakeTavily(this.counters);
  private log: LoggedRequest[] = [];
  private seq = 0;

  configure(patch: StandInConfig): void {
    this.config = mergeConfig(this.config, patch);
  }

  reset(): void {
    this.counters.reset();
    this.log = [];
    this.seq = 0;
    this.tavily.reset();
  }

  requests(): LoggedRequest[] {
    return this.log.map((entry) => ({ ...entry, toolNames: [...entry.toolNames] }));
  }

  /** Answers one chat completion request, keeping counters and the log right however it ends. */
  async chat(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const signal = clientGone(res);
    const entry = this.logEntry();
    this.counters.enter();
    let status = 500;
    try {
      status = await this.answer(req, res, signal, entry);
      if (signal.aborted) status = 499;
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof Error ? error.message : String(error);
      if (!res.headersSent) sendError(res, status, message, error instanceof HttpError ? error.code : "standin_error");
    } finally {
      entry.status = status;
      entry.durationMs = Date.now() - entry.time;
      this.counters.leave(entry.role === "invalid" ? undefined : entry.role);
    }
  }

  private logEntry(): LoggedRequest {
    this.seq += 1;
    const entry: LoggedRequest = { seq: this.seq, time: Date.now(), role: "invalid", model: "", topic: "", toolNames: [], status: 0, durationMs: 0 };
    this.log.push(entry);
    if (this.log.length > LOG_LIMIT) this.log.shift();
    return entry;
  }

  /** Returns the HTTP status sent. */
  private async answer(req: IncomingMessage, res: ServerResponse, signal: AbortSignal, entry: LoggedRequest): Promise<number> {
    const parsed = ChatBody.safeParse(parseJson(await readBody(req)));
    if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error), "invalid_request");
    const request = parseChat(parsed.data, entry.seq);
    Object.assign(entry, {
      role: request.role,
      model: request.model,
      topic: request.topic,
      toolNames: request.toolNames,
      ...(request.structured ? { schemaName: request.structured.name } : {}),
    });
    this.counters.enterRole(request.role);
    const { latencyMs, jitterMs } = this.config;
    await pause(latencyMs + Math.round(Math.random() * jitterMs), signal);
    if (signal.aborted) return 499;
    const reply = await this.replyFor(request, signal);
    if (signal.aborted) return 499;
    if ("status" in reply) {
      sendError(res, reply.status, reply.message ?? `Scripted failure ${reply.status}.`, "standin_scripted");
      return reply.status;
    }
    sendJson(res, 200, completionBody(request, reply));
    return 200;
  }

  /** The behaviour hook's reply if it gives one (after its hang, if any), else the default role's. */
  private async replyFor(request: ParsedRequest, signal: AbortSignal): Promise<Reply | { status: number; message?: string }> {
    let scripted: ScriptedReply | undefined = await this.config.behaviour?.(request);
    if (scripted && "hangMs" in scripted) {
      await pause(scripted.hangMs, signal);
      scripted = undefined;
    }
    if (scripted && "status" in scripted) return scripted;
    if (scripted) {
      const toolCalls = (scripted.toolCalls ?? []).map((call) => ({ name: call.name, args: { ...call.args } as Record<string, unknown> }));
      return { content: scripted.content ?? (toolCalls.length > 0 ? null : ""), toolCalls };
    }
    return defaultReply(request, this.config);
  }
}
