import type { Server } from "node:http";
import { RunControl } from "@langchain/langgraph";
import { serve } from "@hono/node-server";
import { collectDefaultMetrics } from "prom-client";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { checkpointOptionsFromEnv, openCheckpointer } from "../checkpoint/index.js";
import { configureLimitsFromEnv } from "../limits/settings.js";
import { describeError } from "../util/errors.js";
import { createServerApp, type ServerOptions } from "./app.js";
import { metricsRegistry } from "./metrics.js";
import { openThreadStore } from "./threadStore.js";

/** How long a shutdown waits, by default, for the steps in flight to finish and be saved before it cuts them off. */
const DRAIN_GRACE_SECONDS = 30;
/** How long the runs cut off then may take to wind down before the process exits regardless. */
const CUT_OFF_MS = 5_000;
const DEFAULT_MAX_BODY_BYTES = 1_048_576;

/**
 * `npm start`: the research graph over the LangGraph HTTP API, in one plain
 * Node process on HOST:PORT (default 127.0.0.1:8123), keeping runs in Postgres
 * (POSTGRES_URI) or the embedded store. Several processes may share one
 * Postgres: any of them serves any thread, one at a time.
 */
async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = portFrom(env.PORT);
  // Lanes, budgets, breakers and caches are the process's, shared by every run: set once, here.
  configureLimitsFromEnv(env);
  const store = await openCheckpointer(checkpointOptionsFromEnv(env));
  // One control for every run: a shutdown asks each to stop after the steps in flight.
  const control = new RunControl();
  const graph = buildDeepResearcher({ checkpointer: store.saver }).withConfig({
    durability: "sync",
    recursionLimit: 1_000,
    control,
  } as never) as unknown as ServerOptions["graph"];
  collectDefaultMetrics({ register: metricsRegistry });
  const runs = new Set<Promise<void>>();
  const cutOff = new AbortController();
  const app = createServerApp({
    graph,
    saver: store.saver,
    threads: await openThreadStore(store.saver),
    registry: metricsRegistry,
    token: env.FANOUT_API_TOKEN?.trim() || undefined,
    maxBodyBytes: Number(env.FANOUT_API_MAX_BODY_BYTES) || DEFAULT_MAX_BODY_BYTES,
    onRun: (ended) => {
      runs.add(ended);
      void ended.finally(() => runs.delete(ended));
    },
    cutOff: cutOff.signal,
  });
  const server = serve({ fetch: app.fetch, hostname: host, port }, (address) => {
    process.stdout.write(`fanout server on http://${host}:${address.port} (store: ${store.kind} ${store.location})\n`);
  }) as Server;

  const graceMs = 1000 * (Number(env.FANOUT_API_DRAIN_SECONDS) || DRAIN_GRACE_SECONDS);
  let stopping = false;
  /**
   * Stops taking requests, asks every run to stop after its current steps (which
   * are saved), and after the grace period cuts off the steps still running (a
   * hung model call): they are redone when the thread is resumed, on any server.
   */
  const stop = async (signal: string) => {
    if (stopping) process.exit(130); // a second signal: stop now
    stopping = true;
    process.stdout.write(`${signal}: no new requests; stopping the ${runs.size} run(s) in flight after their current steps\n`);
    server.close();
    control.requestDrain("shutdown");
    const cuttingOff = setTimeout(() => {
      process.stdout.write(`cutting off the steps still running after ${graceMs / 1000} s\n`);
      cutOff.abort(); // every run has a signal of its own, background runs included
      server.closeAllConnections();
      setTimeout(() => process.exit(1), CUT_OFF_MS).unref();
    }, graceMs);
    cuttingOff.unref();
    await Promise.allSettled([...runs]);
    clearTimeout(cuttingOff);
    server.closeAllConnections();
    await store.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

function portFrom(text: string | undefined): number {
  if (!text?.trim()) return 8123;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`PORT must be a port number, got "${text}"`);
  return port;
}

main().catch((error: unknown) => {
  process.stderr.write(`fanout server: ${describeError(error)}\n`);
  process.exit(2);
});
