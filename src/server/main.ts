import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { collectDefaultMetrics } from "prom-client";
import { describeError } from "../util/errors.js";
import { signalEchoFilter } from "../util/signals.js";
import { metricsRegistry } from "./metrics.js";
import { serverWorkersFrom, startWorkerPool } from "./pool.js";
import { DRAIN_GRACE_SECONDS } from "./shutdown.js";

/**
 * `npm start`: the research graph over the LangGraph HTTP API, in one plain
 * Node process on HOST:PORT (default 127.0.0.1:8123), keeping runs in Postgres
 * (POSTGRES_URI) or the embedded store. Several processes may share one
 * Postgres: any of them serves any thread, one at a time. With
 * FANOUT_SERVER_WORKERS=N above 1 the runs execute in N worker threads
 * (src/server/pool.ts) and this thread only forwards requests.
 */
async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const host = env.HOST?.trim() || "127.0.0.1";
  const port = portFrom(env.PORT);
  const graceMs = 1000 * (Number(env.FANOUT_API_DRAIN_SECONDS) || DRAIN_GRACE_SECONDS);
  const workers = serverWorkersFrom(env.FANOUT_SERVER_WORKERS);
  collectDefaultMetrics({ register: metricsRegistry });
  if (workers > 1) {
    await startWorkerPool({ env, host, port, workers, graceMs });
    return;
  }
  // Loaded here: with workers, this thread only forwards requests and never loads the graph.
  const { openServerInstance } = await import("./instance.js");
  const instance = await openServerInstance(env);
  const server = serve({ fetch: instance.app.fetch, hostname: host, port }, (address) => {
    process.stdout.write(`fanout server on http://${host}:${address.port} (store: ${instance.storeName})\n`);
  }) as Server;

  let stopping = false;
  const isEcho = signalEchoFilter();
  /**
   * Stops taking requests, asks every run to stop after its current steps (which
   * are saved), and after the grace period cuts off the steps still running (a
   * hung model call): they are redone when the thread is resumed, on any server.
   */
  const stop = async (signal: string) => {
    if (isEcho()) return; // the same signal delivered twice (npm forwards what the group got)
    if (stopping) process.exit(130); // a second signal: stop now
    stopping = true;
    process.stdout.write(`${signal}: no new requests; stopping the ${instance.running} run(s) in flight after their current steps\n`);
    server.close();
    const drained = await instance.drain(graceMs, () => {
      process.stdout.write(`cutting off the steps still running after ${graceMs / 1000} s\n`);
      server.closeAllConnections();
    });
    server.closeAllConnections();
    process.exit(drained ? 0 : 1);
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
