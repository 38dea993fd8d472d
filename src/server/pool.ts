import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from "prom-client";
import { limitSettingsFromEnv, limitShare } from "../limits/settings.js";
import { metricsRegistry } from "./metrics.js";
import { routeOf, startsRun, workerOfThread } from "./routing.js";
import { signalEchoFilter } from "../util/signals.js";
import { CUT_OFF_MS } from "./shutdown.js";

/** One metric of a registry, as getMetricsAsJSON gives it. */
type MetricJson = MetricObjectWithValues<MetricValue<string>>;

/** Messages the main thread sends a worker. */
export type ToWorker =
  | { type: "request"; port: MessagePort; method: string; url: string; headers: [string, string][]; hasBody: boolean }
  | { type: "metrics-json"; id: number }
  | { type: "metrics-text"; id: number; text: string }
  | { type: "drain"; graceMs: number };

/** Messages a worker sends the main thread. */
export type FromWorker =
  | { type: "ready"; storeName: string }
  | { type: "runs"; count: number }
  | { type: "metrics-asked"; id: number }
  | { type: "metrics-json"; id: number; json: MetricJson[] }
  | { type: "cut-off" };

/** One request's traffic to its worker, on the request's own port. */
export type ExchangeToWorker = { type: "body"; chunk: Uint8Array } | { type: "body-end" } | { type: "abort" };
/** The answer, on the same port: the head, then the body chunk by chunk. */
export type ExchangeFromWorker =
  { type: "head"; status: number; headers: [string, string][] } | { type: "chunk"; chunk: Uint8Array } | { type: "end" } | { type: "error"; message: string };

/** Headers of one connection, not of the request: the main thread's connection keeps them. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection", "te", "trailer"]);
const MAX_WORKERS = 64;
/** How long /metrics waits for a worker's registry. */
const METRICS_WAIT_MS = 5_000;

/** FANOUT_SERVER_WORKERS: how many worker threads run the server's runs (1, the default: none, all in the main thread). */
export function serverWorkersFrom(text: string | undefined): number {
  if (!text?.trim()) return 1;
  const workers = Number(text);
  if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
    throw new Error(`FANOUT_SERVER_WORKERS must be a whole number from 1 to ${MAX_WORKERS}, got "${text}"`);
  }
  return workers;
}

export type PoolOptions = { env: NodeJS.ProcessEnv; host: string; port: number; workers: number; graceMs: number };

/** A request forwarded to a worker and not yet answered in full. */
type Exchange = { fail(message: string): void };

type WorkerHandle = {
  index: number;
  worker: Worker;
  /** Runs in flight in the worker, as it last said. */
  runs: number;
  /** Run-creating requests sent to it that it has not answered yet. */
  starting: number;
  pending: Set<Exchange>;
  exited: Promise<number>;
  alive: boolean;
};

/** The worker's module: worker.js beside this file (worker.ts when run from source, through tsx). */
function spawnWorker(index: number, workers: number): Worker {
  const workerData = { index, workers };
  if (!import.meta.url.endsWith(".ts")) return new Worker(new URL("./worker.js", import.meta.url), { workerData });
  // Node 20 loads a worker's entry before --import hooks run in it: register tsx first.
  const entry = JSON.stringify(new URL("./worker.ts", import.meta.url).href);
  return new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, workerData });
}

/**
 * FANOUT_SERVER_WORKERS=N above 1: N worker threads, each with what a single-threaded server
 * builds (store connection, graph, runner, app), and this thread holding the listener and
 * forwarding each request to one of them (src/server/routing.ts), its answer streamed back
 * chunk by chunk. A worker that dies fails its requests (502), and the server drains the
 * others and exits 1, for its supervisor to start it afresh.
 */
export async function startWorkerPool(options: PoolOptions): Promise<void> {
  const { workers, graceMs } = options;
  // A limit narrower than the workers is refused here, by name, before any worker starts.
  limitShare(limitSettingsFromEnv(options.env), workers);
  const handles: WorkerHandle[] = [];
  let stopping = false;
  /** Every worker is ready: from now on a worker's death drains the others (stop). */
  let started = false;
  let cutOffTold = false;

  const start = (index: number) =>
    new Promise<string>((resolve, reject) => {
      const worker = spawnWorker(index, workers);
      const handle: WorkerHandle = {
        index,
        worker,
        runs: 0,
        starting: 0,
        pending: new Set(),
        alive: true,
        exited: new Promise((exited) => worker.once("exit", exited)),
      };
      handles[index] = handle;
      // A worker that ends before it is ready, with or without an error event, fails the start.
      const notReady = (code: number) => reject(new Error(`worker ${index} of the server exited (code ${code}) before it was ready`));
      worker.once("error", reject);
      worker.once("exit", notReady);
      worker.on("message", (message: FromWorker) => {
        if (message.type === "ready") {
          worker.off("error", reject);
          worker.off("exit", notReady);
          resolve(message.storeName);
        } else if (message.type === "runs") handle.runs = message.count;
        else if (message.type === "metrics-asked")
          void allMetrics().then((text) => worker.postMessage({ type: "metrics-text", id: message.id, text } satisfies ToWorker));
        else if (message.type === "cut-off") cutOff();
        else if (message.type === "metrics-json") metricsReplies.get(message.id)?.(message.json);
      });
      worker.on("error", (error) => process.stderr.write(`fanout server: worker ${index}: ${error.stack ?? String(error)}\n`));
      void handle.exited.then((code) => {
        handle.alive = false;
        for (const exchange of handle.pending)
          exchange.fail(`worker ${index} of the server stopped (exit code ${code}) before it answered; a run it had started stops, its saved steps stay`);
        handle.pending.clear();
        // Before the pool has started, the start itself fails (notReady above) and says why.
        if (!stopping && started) {
          process.stderr.write(`fanout server: worker ${index} stopped unexpectedly (exit code ${code}); draining the other workers, then exiting 1\n`);
          void stop(`worker ${index} died`, 1);
        }
      });
    });

  // The first opens (and if need be creates) the store alone; the others then open it together.
  const storeName = await start(0);
  await Promise.all(Array.from({ length: workers - 1 }, (_, i) => start(i + 1)));
  started = true;

  let nextMetricsId = 0;
  const metricsReplies = new Map<number, (json: MetricJson[]) => void>();
  /** Every worker's registries and this thread's default one (the process's memory, CPU), in one text: counters summed. */
  const allMetrics = async (): Promise<string> => {
    const fromWorkers = handles
      .filter((handle) => handle.alive)
      .map(
        (handle) =>
          new Promise<MetricJson[]>((resolve) => {
            const id = nextMetricsId++;
            // A worker that exits or drains before it answers must not hang /metrics: its part is left out.
            const timer = setTimeout(() => metricsReplies.get(id)?.([]), METRICS_WAIT_MS);
            metricsReplies.set(id, (json) => (clearTimeout(timer), metricsReplies.delete(id), resolve(json)));
            handle.worker.postMessage({ type: "metrics-json", id } satisfies ToWorker);
          }),
      );
    const all = await Promise.all([metricsRegistry.getMetricsAsJSON(), ...fromWorkers]);
    return AggregatorRegistry.aggregate(all).metrics();
  };

  const leastBusy = (): WorkerHandle =>
    handles
      .filter((handle) => handle.alive)
      .reduce((best, handle) => (handle.runs + handle.starting < best.runs + best.starting ? handle : best), handles.find((h) => h.alive) ?? handles[0]);

  const server = createServer((req, res) => {
    const method = req.method ?? "GET";
    const url = req.url ?? "/";
    const pathname = url.split("?")[0];
    const route = routeOf(method, pathname);
    const handle = route.kind === "thread" ? handles[workerOfThread(route.threadId, workers)] : route.kind === "new-run" ? leastBusy() : handles[0];
    forward(handle, req, res, startsRun(method, pathname));
  });
  server.listen(options.port, options.host, () => {
    const address = server.address() as { port: number };
    process.stdout.write(`fanout server on http://${options.host}:${address.port} (store: ${storeName}; ${workers} workers)\n`);
  });

  const cutOff = () => {
    if (cutOffTold) return;
    cutOffTold = true;
    process.stdout.write(`cutting off the steps still running after ${graceMs / 1000} s\n`);
    server.closeAllConnections();
  };

  /** As a single-threaded server stops: no new requests, every worker drains (requestDrain, grace, cut-off), then exit. */
  const stop = async (reason: string, exitCode = 0) => {
    if (stopping) {
      if (exitCode === 0) process.exit(130); // a second signal: stop now
      return;
    }
    stopping = true;
    const running = handles.reduce((sum, handle) => sum + (handle.alive ? handle.runs : 0), 0);
    process.stdout.write(`${reason}: no new requests; stopping the ${running} run(s) in flight after their current steps\n`);
    server.close();
    for (const handle of handles) if (handle.alive) handle.worker.postMessage({ type: "drain", graceMs } satisfies ToWorker);
    // Past the grace, the cut-off and a drained worker's last answers (src/server/worker.ts), stop regardless.
    setTimeout(() => process.exit(1), graceMs + CUT_OFF_MS + 3_000).unref();
    const codes = await Promise.all(handles.map((handle) => handle.exited));
    server.closeAllConnections();
    process.exit(exitCode === 0 && codes.every((code) => code === 0) ? 0 : 1);
  };
  // The same signal delivered twice (npm forwards what the process group got) is one request.
  const isEcho = signalEchoFilter();
  process.on("SIGTERM", () => void (isEcho() || stop("SIGTERM")));
  process.on("SIGINT", () => void (isEcho() || stop("SIGINT")));
}

/** Sends one request to `handle`'s worker over a port of its own and streams the answer back as it comes. */
function forward(handle: WorkerHandle, req: IncomingMessage, res: ServerResponse, createsRun: boolean): void {
  if (!handle.alive) {
    answerJson(res, 502, { error: "WorkerUnavailable", message: `worker ${handle.index} of the server has stopped; the server is restarting` });
    req.resume();
    return;
  }
  const { port1: port, port2 } = new MessageChannel();
  const send = (message: ExchangeToWorker) => port.postMessage(message);
  let answered = false;
  let headSent = false;
  const exchange: Exchange = {
    fail(message) {
      if (answered) return;
      finish();
      if (headSent) res.destroy(new Error(message));
      else answerJson(res, 502, { error: "WorkerDied", message });
    },
  };
  const finish = () => {
    if (answered) return;
    answered = true;
    if (createsRun && !headSent) handle.starting -= 1;
    handle.pending.delete(exchange);
    port.close();
  };
  handle.pending.add(exchange);
  if (createsRun) handle.starting += 1;

  const headers: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!HOP_BY_HOP.has(req.rawHeaders[i].toLowerCase())) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
  }
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  handle.worker.postMessage({ type: "request", port: port2, method: req.method ?? "GET", url: req.url ?? "/", headers, hasBody } satisfies ToWorker, [port2]);
  if (hasBody) {
    req.on("data", (chunk: Buffer) => !answered && send({ type: "body", chunk }));
    req.on("end", () => !answered && send({ type: "body-end" }));
  } else req.resume();

  port.on("message", (message: ExchangeFromWorker) => {
    switch (message.type) {
      case "head":
        if (createsRun) handle.starting -= 1;
        headSent = true;
        for (const [name, value] of message.headers) res.appendHeader(name, value);
        res.setHeader("x-fanout-worker", String(handle.index));
        res.writeHead(message.status);
        res.flushHeaders();
        break;
      case "chunk":
        res.write(message.chunk);
        break;
      case "end":
        finish();
        res.end();
        break;
      case "error":
        exchange.fail(`worker ${handle.index} could not answer: ${message.message}`);
        break;
    }
  });
  // A write after the client went away fails here; the close below has told the worker.
  res.on("error", () => undefined);
  // Closed before the answer ended: the client went away, and the worker's request aborts (a streamed run cancels).
  res.on("close", () => {
    if (answered) return;
    send({ type: "abort" });
    finish();
  });
}

function answerJson(res: ServerResponse, status: number, body: { error: string; message: string }): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}
