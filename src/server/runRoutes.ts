import type { Context, Hono } from "hono";
import { stream, streamSSE } from "hono/streaming";
import type { Refusal, RunRequest, Runner, ServerRun } from "./runs.js";

/** How often a waiting request sends a blank line, so proxies keep a long wait open (JSON ignores it). */
const KEEP_ALIVE_MS = 10_000;

/**
 * The LangGraph API's run routes, all on one Runner: streamed runs, runs.wait, background
 * runs (runs.create, then runs.join / runs.joinStream / runs.get / runs.cancel), with or
 * without a thread. Settings and the token are checked before these are reached.
 */
export function registerRunRoutes(app: Hono, runner: Runner): void {
  app.post("/threads/:thread_id/runs/stream", async (c) => streamed(c, await body(c), (request) => runner.start(c.req.param("thread_id"), request)));
  app.post("/runs/stream", async (c) => streamed(c, await body(c), (request) => runner.start(undefined, request)));
  app.post("/threads/:thread_id/runs/wait", async (c) => waited(c, await runner.start(c.req.param("thread_id"), valuesOnly(await body(c)))));
  app.post("/runs/wait", async (c) => waited(c, await runner.start(undefined, valuesOnly(await body(c)))));
  app.post("/threads/:thread_id/runs", async (c) => created(c, await runner.start(c.req.param("thread_id"), await body(c))));
  app.post("/runs", async (c) => created(c, await runner.start(undefined, await body(c))));

  app.get("/threads/:thread_id/runs", (c) => c.json(runner.list(c.req.param("thread_id")).map((run) => run.record)));
  app.get("/threads/:thread_id/runs/:run_id", (c) => withRun(c, runner, (run) => c.json(run.record)));
  app.get("/threads/:thread_id/runs/:run_id/join", (c) => withRun(c, runner, (run) => waitFor(c, run)));
  app.get("/threads/:thread_id/runs/:run_id/stream", (c) =>
    withRun(c, runner, (run) => follow(c, run, ["1", "true"].includes(c.req.query("cancel_on_disconnect") ?? ""))),
  );
  app.post("/threads/:thread_id/runs/:run_id/cancel", (c) =>
    withRun(c, runner, async (run) => {
      if ((c.req.query("action") ?? "interrupt") !== "interrupt") {
        return c.json({ error: "Unsupported", message: 'only action "interrupt" is supported: the run stops and its saved steps stay' }, 422);
      }
      run.cancel("cancelled by request");
      if (["1", "true"].includes(c.req.query("wait") ?? "")) {
        await run.done;
        return c.body(null, 204);
      }
      return c.body(null, 202);
    }),
  );
}

async function body(c: Context): Promise<RunRequest> {
  return (await c.req.json()) as RunRequest;
}

/** runs.wait answers with the last state values, so only they are streamed inside. */
function valuesOnly(request: RunRequest): RunRequest {
  return { ...request, stream_mode: ["values"] };
}

function refused(c: Context, refusal: Refusal) {
  return c.json(refusal.body, refusal.status as 404);
}

function location(c: Context, run: ServerRun): void {
  c.header("Content-Location", `/threads/${run.record.thread_id}/runs/${run.record.run_id}`);
}

function withRun(c: Context, runner: Runner, answer: (run: ServerRun) => Response | Promise<Response>) {
  const run = runner.get(c.req.param("thread_id")!, c.req.param("run_id")!);
  if (!run) return c.json({ error: "NotFound", message: `no run ${c.req.param("run_id")} of thread ${c.req.param("thread_id")} on this server` }, 404);
  return answer(run);
}

/** runs.stream: the run's events; a client that goes away cancels it unless it asked for on_disconnect "continue". */
async function streamed(c: Context, request: RunRequest, start: (request: RunRequest) => Promise<ServerRun | Refusal>) {
  const started = await start(request);
  if (!("record" in started)) return refused(c, started);
  return follow(c, started, request.on_disconnect !== "continue");
}

function created(c: Context, started: ServerRun | Refusal) {
  if (!("record" in started)) return refused(c, started);
  location(c, started);
  return c.json(started.record);
}

function waited(c: Context, started: ServerRun | Refusal) {
  if (!("record" in started)) return refused(c, started);
  location(c, started);
  return waitFor(c, started);
}

/** The run's result once it ends, with blank lines meanwhile. */
function waitFor(c: Context, run: ServerRun) {
  c.header("content-type", "application/json");
  return stream(c, async (out) => {
    const timer = setInterval(() => void out.write("\n"), KEEP_ALIVE_MS);
    try {
      await run.done;
    } finally {
      clearInterval(timer);
    }
    await out.write(JSON.stringify(run.result()));
  });
}

/** The run's events as server-sent events; `cancelOnDisconnect` stops the run if this client goes away. */
function follow(c: Context, run: ServerRun, cancelOnDisconnect: boolean) {
  location(c, run);
  const gone = new AbortController();
  return streamSSE(c, async (out) => {
    const leave = () => {
      gone.abort();
      if (cancelOnDisconnect && run.running) run.cancel("its client went away");
    };
    out.onAbort(leave);
    c.req.raw.signal.addEventListener("abort", leave, { once: true });
    for await (const message of run.follow(gone.signal)) {
      await out.writeSSE({ event: message.event, data: message.data, id: message.id });
    }
  });
}
