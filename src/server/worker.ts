import { randomUUID } from "node:crypto";
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { describeError } from "../util/errors.js";
import { openServerInstance } from "./instance.js";
import { servedRegistry } from "./metrics.js";
import type { FromWorker, ToWorker, ExchangeToWorker, ExchangeFromWorker } from "./pool.js";
import { workerOfThread } from "./routing.js";

/**
 * One of the server's workers (FANOUT_SERVER_WORKERS above 1): what a single-threaded server
 * builds (its own store connection, graph, runner and app), answering the requests the main
 * thread forwards, each over a MessagePort of its own.
 */
const { index, workers } = workerData as { index: number; workers: number };
const main = parentPort!;
const post = (message: FromWorker) => main.postMessage(message);

/** How long a drained worker waits for the answers still being sent before it ends. */
const LAST_WORDS_MS = 2_000;
/** Requests being answered now. */
const inFlight = new Set<Promise<void>>();
const askedMetrics = new Map<number, (text: string) => void>();
let nextAsk = 0;

const instance = await openServerInstance(process.env, {
  limitShare: { workers, index },
  onRunCount: (count) => post({ type: "runs", count }),
  // A run without a thread gets one this worker owns, so its runs.get / join / cancel come back here.
  newThreadId: () => {
    for (;;) {
      const id = randomUUID();
      if (workerOfThread(id, workers) === index) return id;
    }
  },
  // /metrics answers for the whole server: the main thread gathers every worker's registry.
  metricsText: () =>
    new Promise<string>((resolve) => {
      const id = nextAsk++;
      askedMetrics.set(id, resolve);
      post({ type: "metrics-asked", id });
    }),
});

main.on("message", (message: ToWorker) => {
  switch (message.type) {
    case "request": {
      const answering = answer(message.port, message);
      inFlight.add(answering);
      void answering.finally(() => inFlight.delete(answering));
      break;
    }
    case "metrics-json":
      void servedRegistry()
        .getMetricsAsJSON()
        .then((json) => post({ type: "metrics-json", id: message.id, json }));
      break;
    case "metrics-text":
      askedMetrics.get(message.id)?.(message.text);
      askedMetrics.delete(message.id);
      break;
    case "drain":
      void instance
        .drain(message.graceMs, () => post({ type: "cut-off" }))
        // The drained runs' last events are still on their way to the main thread: let them go first.
        .then(async (drained) => {
          await Promise.race([Promise.allSettled([...inFlight]), new Promise((resolve) => setTimeout(resolve, LAST_WORDS_MS))]);
          process.exit(drained ? 0 : 1); // in a worker: ends this thread only
        })
        .catch(() => process.exit(1));
      break;
  }
});
post({ type: "ready", storeName: instance.storeName });

/** Answers one forwarded request: its head, then its body chunk by chunk as the app writes it. */
async function answer(port: MessagePort, head: Extract<ToWorker, { type: "request" }>): Promise<void> {
  const send = (message: ExchangeFromWorker) => port.postMessage(message);
  const gone = new AbortController();
  let bodyIn: ReadableStreamDefaultController<Uint8Array> | undefined;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const body = head.hasBody
    ? new ReadableStream<Uint8Array>({
        start: (controller) => {
          bodyIn = controller;
        },
      })
    : undefined;
  port.on("message", (message: ExchangeToWorker) => {
    if (message.type === "body") bodyIn?.enqueue(message.chunk);
    else if (message.type === "body-end") bodyIn?.close();
    else {
      // The client went away: as with a direct connection, the request's signal aborts and its stream is cancelled.
      gone.abort();
      bodyIn?.error(new Error("the client went away"));
      void reader?.cancel().catch(() => undefined);
    }
  });
  try {
    const request = new Request(`http://fanout${head.url}`, { method: head.method, headers: head.headers, body, signal: gone.signal, duplex: "half" } as RequestInit);
    const response = await instance.app.fetch(request);
    send({ type: "head", status: response.status, headers: [...response.headers] });
    if (response.body) {
      reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        send({ type: "chunk", chunk: value });
      }
    }
    send({ type: "end" });
  } catch (error) {
    send({ type: "error", message: describeError(error) });
  } finally {
    port.close();
  }
}
