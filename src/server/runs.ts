import { randomUUID } from "node:crypto";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import { EventSourceParserStream, type EventSourceMessage } from "eventsource-parser/stream";
import type { Hono } from "hono";
import { acquireThreadLease, runUnderLease, ThreadLeaseHeldError, type ThreadLease } from "../checkpoint/index.js";
import { log } from "../log.js";
import { describeError } from "../util/errors.js";

/** A run's status, as the LangGraph API names them. */
export type RunStatus = "pending" | "running" | "success" | "error" | "interrupted";

/** A run as the LangGraph API shows it. */
export type ApiRun = {
  run_id: string;
  thread_id: string;
  assistant_id: string;
  status: RunStatus;
  metadata: Record<string, unknown>;
  multitask_strategy: string;
  created_at: string;
  updated_at: string;
};

/** The body of a run-creating request, as far as the runner reads it. */
export type RunRequest = {
  assistant_id: string;
  stream_mode?: string | string[];
  metadata?: Record<string, unknown>;
  multitask_strategy?: string;
  on_disconnect?: "cancel" | "continue";
  [key: string]: unknown;
};

/** Why a run was not started: the status and body to answer with. */
export type Refusal = { status: number; body: { error: string; message: string } };

/**
 * How many finished runs each process remembers for runs.get / runs.join. Each keeps its final
 * state (report, sources, notes: up to a few hundred KB), so the number stays small; the
 * thread's state, on any instance, has the same values for longer.
 */
const FINISHED_RUNS_KEPT = 100;

/**
 * One run on this process: the thread's lease for its whole length, its events for whoever
 * streams or joins it, and a way to cancel it.
 */
export class ServerRun {
  readonly record: ApiRun;
  readonly done: Promise<void>;
  /** Events so far, while it runs, so a client that joins late sees the whole run. */
  private events: EventSourceMessage[] = [];
  private readonly followers = new Set<() => void>();
  private lastValues: unknown = null;
  private lastValuesEvent: EventSourceMessage | undefined;
  private error: unknown;
  private finished = false;

  constructor(
    record: ApiRun,
    body: ReadableStream<Uint8Array>,
    readonly cancelController: AbortController,
    ended: () => Promise<void>,
    /** The thread's state values, for a run that streamed none itself. */
    threadValues: () => Promise<unknown>,
  ) {
    this.record = record;
    this.done = this.pump(body, threadValues).finally(async () => {
      this.finished = true;
      // Readers already following keep the whole list; one that joins later gets the outcome.
      this.events = this.events.filter((event) => event === this.lastValuesEvent || event.event === "error");
      this.wake();
      await ended();
    });
  }

  get running(): boolean {
    return !this.finished;
  }

  /** Asks the run to stop (its saved steps stay: the thread resumes from them). */
  cancel(reason: string): void {
    this.cancelController.abort(new Error(reason));
  }

  /** What runs.wait and runs.join answer: the last state values, or the error the run ended with. */
  result(): unknown {
    if (this.error !== undefined) return { __error__: this.error };
    return this.lastValues;
  }

  /** The run's events from its start (while it runs), then live ones, until it ends or `signal` aborts. */
  async *follow(signal?: AbortSignal): AsyncGenerator<EventSourceMessage> {
    let sent = 0;
    // The list this reader started on: the run appends to it, and replaces it only when it ends.
    const events = this.events;
    while (!signal?.aborted) {
      while (sent < events.length) yield events[sent++];
      if (this.finished) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.followers.delete(wake);
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.followers.add(wake);
        signal?.addEventListener("abort", wake, { once: true });
      });
    }
  }

  private async pump(body: ReadableStream<Uint8Array>, threadValues: () => Promise<unknown>): Promise<void> {
    this.record.status = "running";
    try {
      const messages = body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).pipeThrough(new EventSourceParserStream());
      for await (const message of messages) {
        if (message.event === "values") {
          this.lastValues = JSON.parse(message.data) as unknown;
          this.lastValuesEvent = message;
        }
        if (message.event === "error") this.error = JSON.parse(message.data) as unknown;
        this.events.push(message);
        this.wake();
      }
    } catch (error) {
      if (!this.cancelController.signal.aborted) this.error = { error: "RunFailed", message: describeError(error) };
    }
    if (this.lastValues === null && this.error === undefined) this.lastValues = await threadValues().catch(() => null);
    this.record.status = this.cancelController.signal.aborted
      ? "interrupted"
      : this.error !== undefined
        ? "error"
        : hasInterrupt(this.lastValues)
          ? "interrupted"
          : "success";
    this.record.updated_at = new Date().toISOString();
  }

  private wake(): void {
    for (const wake of [...this.followers]) wake();
  }
}

/** Stream modes whose events carry a model reply's tokens as they come. */
const TOKEN_STREAM_MODES = new Set(["messages", "messages-tuple", "events"]);

/**
 * The request with stream_tokens off when none of its stream modes shows tokens and the run did
 * not set it: the embed server runs every graph through streamEvents, whose handler asks every
 * model to stream, and the per-token events then cost CPU for nobody (a 4-unit run on the
 * stand-in: ~200 of 290 replies streamed). A run that asks for tokens keeps them.
 */
export function withoutUnseenTokens(request: RunRequest): RunRequest {
  const modes = request.stream_mode === undefined ? [] : [request.stream_mode].flat();
  if (modes.some((mode) => TOKEN_STREAM_MODES.has(mode))) return request;
  const config = (request.config ?? {}) as { configurable?: Record<string, unknown> };
  const context = (request.context ?? {}) as Record<string, unknown>;
  if (config.configurable?.stream_tokens !== undefined || context.stream_tokens !== undefined) return request;
  return { ...request, config: { ...config, configurable: { ...config.configurable, stream_tokens: false } } };
}

function hasInterrupt(values: unknown): boolean {
  return typeof values === "object" && values !== null && Array.isArray((values as { __interrupt__?: unknown }).__interrupt__);
}

export type RunnerOptions = {
  /** The embed server whose streaming route executes each run (called in process). */
  embed: Hono;
  saver: BaseCheckpointSaver;
  threads: ThreadSaver;
  /** The graph id the embed server knows the graph by. */
  graphId: string;
  /** Told when a run starts, with a promise of its end, so a shutdown can wait for it. */
  onRun?: (ended: Promise<void>) => void;
  /** Aborted when a shutdown cuts off the runs still going. */
  cutOff?: AbortSignal;
  /** The id of the throwaway thread a run without one gets (default a random UUID). */
  newThreadId?: () => string;
};

/**
 * Every run on this process, streamed, waited for or in the background, goes through here:
 * it takes the thread's lease (or is refused), runs through the embed server's streaming route
 * with a signal of its own, and gives the lease back when the run ends, however it ends.
 */
export class Runner {
  private readonly runs = new Map<string, ServerRun>();

  constructor(private readonly options: RunnerOptions) {}

  /**
   * Starts a run on `threadId` (a new thread, removed again when the run ends, when it is
   * undefined). The run is refused with 409 while the thread runs anywhere.
   */
  async start(threadId: string | undefined, request: RunRequest): Promise<ServerRun | Refusal> {
    const temporary = threadId === undefined;
    const thread = threadId ?? (this.options.newThreadId ?? randomUUID)();
    let lease: ThreadLease;
    try {
      lease = await acquireThreadLease(this.options.saver, thread);
    } catch (error) {
      if (!(error instanceof ThreadLeaseHeldError)) throw error;
      return { status: 409, body: { error: "ThreadRunning", message: `thread ${thread} is running in another process or request; try again once it has stopped` } };
    }
    const cancel = new AbortController();
    const stop = () => cancel.abort(new Error("the server is shutting down"));
    this.options.cutOff?.addEventListener("abort", stop, { once: true });
    lease.lost.addEventListener("abort", () => cancel.abort(lease.lost.reason), { once: true });
    // A shutdown waits for the run from the moment it holds the lease, also while it starts.
    let runEnded!: () => void;
    this.options.onRun?.(new Promise<void>((resolve) => (runEnded = resolve)));
    /** Gives the lease back and removes a throwaway thread; never throws (nothing awaits it but a drain). */
    const ended = async () => {
      this.options.cutOff?.removeEventListener("abort", stop);
      await lease.release();
      if (temporary) {
        await this.options.threads.delete(thread).catch((error: unknown) => {
          log.warn({ thread, error: describeError(error) }, "could not remove a finished run's throwaway thread");
        });
      }
      runEnded();
    };
    let response: Response;
    try {
      if (temporary) await this.options.threads.set(thread, { kind: "put", metadata: { graph_id: this.options.graphId, assistant_id: request.assistant_id } });
      const body = JSON.stringify({ ...withoutUnseenTokens(request), assistant_id: this.options.graphId });
      const call = new Request(`http://embed/threads/${thread}/runs/stream`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json" },
        signal: cancel.signal,
      });
      // Started under the lease: every save of the run is refused once the lease is lost.
      response = await runUnderLease(lease, async () => await this.options.embed.fetch(call));
    } catch (error) {
      await ended();
      throw error;
    }
    if (!response.ok || !response.body) {
      await ended();
      const text = await response.text();
      return { status: response.status, body: { error: "RunRefused", message: text } };
    }
    const runId = response.headers.get("content-location")?.split("/").at(-1) ?? randomUUID();
    const now = new Date().toISOString();
    const record: ApiRun = {
      run_id: runId,
      thread_id: thread,
      assistant_id: request.assistant_id,
      status: "pending",
      metadata: request.metadata ?? {},
      multitask_strategy: request.multitask_strategy ?? "reject",
      created_at: now,
      updated_at: now,
    };
    const run = new ServerRun(record, response.body, cancel, ended, () => this.threadValues(thread));
    this.runs.set(runId, run);
    void run.done.finally(() => this.forgetOldRuns());
    return run;
  }

  /** A run this process started on the thread, running or among the last finished. */
  get(threadId: string, runId: string): ServerRun | undefined {
    const run = this.runs.get(runId);
    return run?.record.thread_id === threadId ? run : undefined;
  }

  /** This process's runs of a thread, newest first. */
  list(threadId: string): ServerRun[] {
    return [...this.runs.values()].filter((run) => run.record.thread_id === threadId).reverse();
  }

  private async threadValues(threadId: string): Promise<unknown> {
    const state = await this.options.embed.fetch(new Request(`http://embed/threads/${threadId}/state`));
    return ((await state.json()) as { values?: unknown }).values ?? null;
  }

  private forgetOldRuns(): void {
    const finished = [...this.runs.values()].filter((run) => !run.running);
    for (const run of finished.slice(0, Math.max(0, finished.length - FINISHED_RUNS_KEPT))) this.runs.delete(run.record.run_id);
  }
}
