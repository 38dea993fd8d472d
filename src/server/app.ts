import { readFileSync } from "node:fs";
import path from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createEmbedServer, type ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Registry } from "prom-client";
import { ConfigurationError, readConfiguration } from "../config.js";
import { questionProblem } from "../question.js";
import { describeError } from "../util/errors.js";
import { packageRoot } from "../util/packageRoot.js";
import { assistantIdOf, registerAssistantRoutes } from "./assistants.js";
import { registerRunRoutes } from "./runRoutes.js";
import { Runner } from "./runs.js";

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
  /** Told when a run starts, with a promise of its end, so a shutdown can wait for the runs in flight. */
  onRun?: (ended: Promise<void>) => void;
  /** Aborted when a shutdown cuts off the runs still going (background runs have no connection to close). */
  cutOff?: AbortSignal;
};

/** Routes whose body carries a run's settings, checked before anything is stored. */
const RUN_CREATING_ROUTES = ["/threads/:thread_id/runs", "/threads/:thread_id/runs/stream", "/threads/:thread_id/runs/wait", "/runs", "/runs/stream", "/runs/wait"];

/**
 * The LangGraph HTTP API for the research graph: threads, state and history
 * from `@langchain/langgraph-api`'s embed server, on Fanout's own store, and
 * what the embed server lacks: the assistant routes, runs.wait and background
 * runs, every run executed by the embed server's streaming route under the
 * thread's lease (one runner per thread across processes). Plus health,
 * metrics, a bearer token, a body limit, and settings checked up front.
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
  const embed = createEmbedServer({ graph: { [GRAPH_ID]: options.graph }, threads: options.threads, checkpointer: options.saver });
  registerAssistantRoutes(app, GRAPH_ID, options.graph);
  registerRunRoutes(app, new Runner({ embed, saver: options.saver, threads: options.threads, graphId: GRAPH_ID, onRun: options.onRun, cutOff: options.cutOff }));
  app.route("/", embed);
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
  if (body?.assistant_id !== undefined && body.assistant_id !== GRAPH_ID && body.assistant_id !== assistantIdOf(GRAPH_ID)) {
    return c.json({ error: "NotFound", message: `no graph "${String(body.assistant_id)}"; this server runs "${GRAPH_ID}"` }, 404);
  }
  try {
    readConfiguration({ configurable: body?.config?.configurable ?? {}, context: body?.context });
  } catch (error) {
    if (error instanceof ConfigurationError) return c.json({ error: "ConfigurationError", message: error.message }, 422);
    throw error;
  }
  const question = lastUserText(body);
  const problem = question === undefined ? undefined : questionProblem(question);
  if (problem) return c.json({ error: "BadQuestion", message: problem }, 422);
  return next();
};
