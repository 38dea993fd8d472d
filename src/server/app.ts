import { readFileSync } from "node:fs";
import path from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createEmbedServer, type ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Registry } from "prom-client";
import { acquireThreadLease, runUnderLease, ThreadLeaseHeldError } from "../checkpoint/index.js";
import { ConfigurationError, readConfiguration } from "../config.js";
import { limitSettings, limitsDifferingFrom } from "../limits/settings.js";
import { questionProblem } from "../question.js";
import { describeError } from "../util/errors.js";
import { packageRoot } from "../util/packageRoot.js";

/** The graph id the API serves, as langgraph.json names it; runs pass it as `assistant_id`. */
export const GRAPH_ID = "deep_researcher";

export type ServerOptions = {
  /** The compiled graph, with the run defaults the server wants (durability, drain control). */
  graph: Parameters<typeof createEmbedServer>[0]["graph"][string];
  saver: BaseCheckpointSaver;
  threads: ThreadSaver;
  registry: Registry;
  /** When set, every route but /health needs `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Told when a run's stream starts and ends, so a shutdown can wait for the runs in flight. */
  onRun?: (ended: Promise<void>) => void;
};

/** Routes that start a run on a thread: they take the thread's lease for as long as the run streams. */
const RUN_ROUTES = ["/threads/:thread_id/runs/stream", "/threads/:thread_id/runs/:run_id/stream"];
/** Routes whose body carries a run's settings, checked before anything is stored. */
const RUN_CREATING_ROUTES = ["/threads/:thread_id/runs", "/threads/:thread_id/runs/stream", "/runs/stream"];

/**
 * The LangGraph HTTP API for the research graph: threads, runs, streaming,
 * interrupts and state from `@langchain/langgraph-api`'s embed server, on
 * Fanout's own store, plus health, metrics, a bearer token, a body limit,
 * settings checked up front, and one runner per thread across processes.
 */
export function createServerApp(options: ServerOptions): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof HTTPException) return error.getResponse();
    return c.json({ error: error.name, message: describeError(error) }, 500);
  });
  app.get("/health", (c) => health(c, options.saver));
  if (options.token) app.use("*", bearerAuth({ token: options.token }));
  // The rest of a refused body is never read, so that connection cannot serve another request.
  const tooLarge = (c: Context) => c.json({ error: "PayloadTooLarge", message: `the request body is over ${options.maxBodyBytes} bytes` }, 413, { Connection: "close" });
  app.use("*", bodyLimit({ maxSize: options.maxBodyBytes, onError: tooLarge }));
  app.get("/metrics", async (c) => c.body(await options.registry.metrics(), 200, { "content-type": options.registry.contentType }));
  for (const route of RUN_CREATING_ROUTES) app.post(route, checkRun);
  for (const route of RUN_ROUTES) app.on(["GET", "POST"], route, holdLease(options));
  app.route("/", createEmbedServer({ graph: { [GRAPH_ID]: options.graph }, threads: options.threads, checkpointer: options.saver }));
  return app;
}

let version: string | undefined;
function fanoutVersion(): string {
  version ??= (JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
  return version;
}

/** Up when the store answers a read. */
async function health(c: Context, saver: BaseCheckpointSaver) {
  try {
    await saver.getTuple({ configurable: { thread_id: "fanout-health-check", checkpoint_ns: "" } });
    return c.json({ status: "ok", version: fanoutVersion() });
  } catch (error) {
    return c.json({ status: "unavailable", version: fanoutVersion(), reason: `the store does not answer: ${describeError(error)}` }, 503);
  }
}

type ChatMessage = { role?: unknown; type?: unknown; content?: unknown };
type RunBody = {
  assistant_id?: unknown;
  input?: { messages?: ChatMessage[] } | null;
  config?: { configurable?: Record<string, unknown> };
  context?: Record<string, unknown>;
};

/** The text of the last message the user sent in a run's input, if it has one. */
function lastUserText(body: RunBody): string | undefined {
  const messages = Array.isArray(body?.input?.messages) ? body.input.messages : [];
  const user = [...messages].reverse().find((message) => ["user", "human"].includes(String(message?.role ?? message?.type)));
  return typeof user?.content === "string" ? user.content : undefined;
}

/**
 * A run with a bad setting, or an empty or over-long question, is refused with
 * 422 and the reason, before a thread or run is stored.
 */
const checkRun: MiddlewareHandler = async (c, next) => {
  let body: RunBody;
  try {
    body = (await c.req.json()) as RunBody;
  } catch {
    return c.json({ error: "BadRequest", message: "the request body is not JSON" }, 400);
  }
  if (body?.assistant_id !== undefined && body.assistant_id !== GRAPH_ID) {
    return c.json({ error: "NotFound", message: `no graph "${String(body.assistant_id)}"; this server runs "${GRAPH_ID}"` }, 404);
  }
  try {
    const configuration = readConfiguration({ configurable: body?.config?.configurable ?? {}, context: body?.context });
    const processWide = limitsDifferingFrom(configuration);
    if (processWide.length > 0) return c.json({ error: "ConfigurationError", message: processLimitsMessage(processWide) }, 422);
  } catch (error) {
    if (error instanceof ConfigurationError) return c.json({ error: "ConfigurationError", message: error.message }, 422);
    throw error;
  }
  const question = lastUserText(body);
  const problem = question === undefined ? undefined : questionProblem(question);
  if (problem) return c.json({ error: "BadQuestion", message: problem }, 422);
  return next();
};

/** Why a run may not set the process's limits, and what they are. */
function processLimitsMessage(keys: ReturnType<typeof limitsDifferingFrom>): string {
  const settings = limitSettings();
  const shown = keys.map((key) => `${key} (the server's: ${String(settings[key])}, from FANOUT_${key.toUpperCase()} or the default)`).join(", ");
  return `${shown}: these limits are the server's, shared by every run in it, and set when it starts; a run cannot change them`;
}

/**
 * Takes the thread's lease before its run starts (409 if another process runs
 * it) and gives it back when the run's stream ends, however it ends.
 */
function holdLease(options: ServerOptions): MiddlewareHandler {
  return async (c, next) => {
    const threadId = c.req.param("thread_id")!;
    let lease;
    try {
      lease = await acquireThreadLease(options.saver, threadId);
    } catch (error) {
      if (error instanceof ThreadLeaseHeldError)
        return c.json({ error: "ThreadRunning", message: `thread ${threadId} is running in another process; try again once it has stopped` }, 409);
      throw error;
    }
    let release!: () => void;
    options.onRun?.(new Promise<void>((resolve) => (release = resolve)).then(() => lease.release()));
    try {
      // The run starts inside: its saves are refused once the lease is lost.
      await runUnderLease(lease, next);
    } catch (error) {
      release();
      throw error;
    }
    if (!c.res.body) {
      release();
      return;
    }
    c.res = new Response(whenEnded(c.res.body, release, lease.lost), c.res);
  };
}

/**
 * The same body, calling `ended` once it has been read to the end, failed, or
 * been cancelled. When the lease is lost (its Postgres connection dropped), the
 * run is cancelled as if its client had gone: another process may run the thread now.
 */
function whenEnded(body: ReadableStream<Uint8Array>, ended: () => void, lost: AbortSignal): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream({
    start(controller) {
      lost.addEventListener(
        "abort",
        () => {
          controller.error(lost.reason);
          void reader.cancel(lost.reason).finally(ended);
        },
        { once: true },
      );
    },
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          ended();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        ended();
      }
    },
    async cancel(reason) {
      await reader.cancel(reason);
      ended();
    },
  });
}
