import { readFileSync } from "node:fs";
import path from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createEmbedServer, type ThreadSaver } from "@langchain/langgraph-api/experimental/embed";
import { Hono, type Context } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import type { Registry } from "prom-client";
import { describeError } from "../util/errors.js";
import { packageRoot } from "../util/packageRoot.js";
import { assistantIdOf, registerAssistantRoutes } from "./assistants.js";
import { checkRun, RUN_CREATING_ROUTES } from "./checkRun.js";
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
  /** The id of the throwaway thread a run without one gets (default a random UUID). */
  newThreadId?: () => string;
  /** What /metrics answers (default `registry.metrics()`; a worker answers for the whole server). */
  metricsText?: () => Promise<string>;
};

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
  const metricsText = options.metricsText ?? (() => options.registry.metrics());
  app.get("/metrics", async (c) => c.body(await metricsText(), 200, { "content-type": options.registry.contentType }));
  for (const route of RUN_CREATING_ROUTES) app.post(route, checkRun([GRAPH_ID, assistantIdOf(GRAPH_ID)]));
  const embed = createEmbedServer({ graph: { [GRAPH_ID]: options.graph }, threads: options.threads, checkpointer: options.saver });
  registerAssistantRoutes(app, GRAPH_ID, options.graph);
  registerRunRoutes(
    app,
    new Runner({
      embed,
      saver: options.saver,
      threads: options.threads,
      graphId: GRAPH_ID,
      onRun: options.onRun,
      cutOff: options.cutOff,
      newThreadId: options.newThreadId,
    }),
  );
  // The embed server's experimental protocol starts runs without the lease, the settings check
  // or the drain: runs are started through the run routes above only.
  app.post("/threads/:thread_id/commands", (c) =>
    c.json({ error: "NotFound", message: "this server starts runs only through /threads/{id}/runs (stream, wait or background)" }, 404),
  );
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
