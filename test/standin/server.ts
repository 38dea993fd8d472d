/**
 * Stand-in OpenAI-compatible server: a TEST TOOL and demo prop, never a claim of research
 * quality. It speaks real HTTP (node:http only) so tests exercise the real @langchain/openai
 * client, and answers by playing the role the request's tools and schemas imply (see roles.ts).
 *
 * Routes: POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models; the same chat as
 * Anthropic's Messages API (POST /v1/messages) and Ollama's (POST /api/chat), see protocols.ts;
 * POST /tavily/search (a fake Tavily search API, see tavily.ts);
 * admin: GET /_standin/stats, GET /_standin/requests, POST /_standin/reset, POST /_standin/config.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ConfigPatch, publicConfig } from "./config.js";
import { Engine } from "./engine.js";
import { HttpError, parseJson, readBody, sendError, sendJson } from "./http.js";
import { describeIssues } from "./request.js";
import type { Route, StandIn, StandInConfig, StandInOptions } from "./types.js";

export type * from "./types.js";

const MODEL_ROUTES: Record<string, Route> = {
  "POST /v1/chat/completions": "chat",
  "POST /v1/messages": "anthropic",
  "POST /api/chat": "ollama",
  "POST /v1/embeddings": "embeddings",
  "GET /v1/models": "models",
};

function routeKey(req: IncomingMessage): string {
  const path = new URL(req.url ?? "/", "http://standin").pathname.replace(/\/+$/, "") || "/";
  return `${req.method ?? "GET"} ${path}`;
}

async function admin(engine: Engine, key: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  switch (key) {
    case "GET /_standin/stats":
      sendJson(res, 200, engine.counters.snapshot());
      return true;
    case "GET /_standin/requests":
      sendJson(res, 200, engine.requests());
      return true;
    case "POST /_standin/reset":
      engine.reset();
      sendJson(res, 200, { ok: true });
      return true;
    case "POST /_standin/config": {
      const text = await readBody(req);
      const parsed = ConfigPatch.safeParse(text.trim() ? parseJson(text) : {});
      if (!parsed.success) throw new HttpError(400, describeIssues(parsed.error), "invalid_config");
      const { failNext, ...patch } = parsed.data;
      engine.configure(patch);
      if (failNext) engine.failNext(failNext.count, failNext.status, failNext.message);
      sendJson(res, 200, { ok: true, config: publicConfig(engine.config) });
      return true;
    }
    default:
      return false;
  }
}

function handler(engine: Engine) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const key = routeKey(req);
    const route = MODEL_ROUTES[key];
    if (route) return engine.run(route, req, res);
    if (key === "POST /tavily/search") return engine.tavily.handle(req, res);
    try {
      if (await admin(engine, key, req, res)) return;
      req.resume();
      sendError(res, 404, `Unknown route: ${key}`, "unknown_route");
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      if (!res.headersSent) sendError(res, status, error instanceof Error ? error.message : String(error), error instanceof HttpError ? error.code : "standin_error");
    }
  };
}

/** Checks numeric options the same way the admin endpoint does, so typos fail loudly. */
function validate(config: StandInConfig): void {
  const { behaviour: _behaviour, ...rest } = config;
  const parsed = ConfigPatch.safeParse(rest);
  if (!parsed.success) throw new Error(`Invalid stand-in options: ${describeIssues(parsed.error)}`);
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const { port = 0, host = "127.0.0.1", ...config } = options;
  validate(config);
  const engine = new Engine();
  engine.configure(config);
  const server = http.createServer(handler(engine));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actualPort}/v1`,
    tavilyUrl: `http://${host}:${actualPort}/tavily`,
    tavily: {
      failQuery: (query, status = 500) => engine.tavily.failQuery(query, status),
      rejectKeys: () => engine.tavily.rejectKeys(),
      calls: () => engine.tavily.calls(),
    },
    port: actualPort,
    stats: () => engine.counters.snapshot(),
    requests: () => engine.requests(),
    reset: () => engine.reset(),
    configure: (patch) => {
      validate(patch);
      engine.configure(patch);
    },
    failNext: (count, status = 500, message) => engine.failNext(count, status, message),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
