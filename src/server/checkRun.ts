import { coerceMessageLikeToMessage, type BaseMessageLike } from "@langchain/core/messages";
import type { MiddlewareHandler } from "hono";
import { ConfigurationError, readConfiguration } from "../config.js";
import { declaredLimitSettings, limitsDifferingFrom } from "../limits/settings.js";
import { questionProblem } from "../question.js";
import { checkRunReady } from "../readiness.js";
import { messageText } from "../util/messages.js";

/** Routes whose body carries a run's settings, checked before anything is stored. */
export const RUN_CREATING_ROUTES = [
  "/threads/:thread_id/runs",
  "/threads/:thread_id/runs/stream",
  "/threads/:thread_id/runs/wait",
  "/runs",
  "/runs/stream",
  "/runs/wait",
];

type RunBody = {
  assistant_id?: unknown;
  input?: { messages?: unknown[] } | null;
  config?: { configurable?: Record<string, unknown> };
  context?: Record<string, unknown>;
};

/**
 * The text of the last message the user sent in a run's input, read as the graph reads its input
 * (a `{ role, content }` object, a `[role, content]` pair, a plain string, a serialised message);
 * undefined when it has none; null when its messages cannot be read (the graph then says why).
 */
function lastUserText(body: RunBody): string | undefined | null {
  const raw = Array.isArray(body?.input?.messages) ? body.input.messages : [];
  try {
    const messages = raw.map((message) => coerceMessageLikeToMessage(message as BaseMessageLike));
    const user = [...messages].reverse().find((message) => message.getType() === "human");
    return user ? messageText(user) : undefined;
  } catch {
    return null;
  }
}

/** A route that starts a run on a new thread: its input must carry the question. */
function startsNewThread(path: string): boolean {
  return path.startsWith("/runs");
}

/**
 * A run with a bad setting, an empty or over-long question (or none, for a new thread),
 * process-wide limits other than the process's own, or a setting that cannot work here (a
 * missing key, a corpus folder that is not there: checkRunReady) is refused with 422 and the
 * reason, before a thread or run is stored. With `assistants`, a run
 * of any other assistant is refused with 404 (the dev server has assistants of its own).
 */
export function checkRun(assistants?: string[]): MiddlewareHandler {
  return async (c, next) => {
    let body: RunBody;
    try {
      body = (await c.req.json()) as RunBody;
    } catch {
      return c.json({ error: "BadRequest", message: "the request body is not JSON" }, 400);
    }
    if (assistants && body?.assistant_id !== undefined && !assistants.includes(String(body.assistant_id))) {
      return c.json({ error: "NotFound", message: `no graph "${String(body.assistant_id)}"; this server runs "${assistants[0]}"` }, 404);
    }
    try {
      const configuration = readConfiguration({ configurable: body?.config?.configurable ?? {}, context: body?.context });
      const processWide = limitsDifferingFrom(configuration);
      if (processWide.length > 0) return c.json({ error: "ConfigurationError", message: processLimitsMessage(processWide) }, 422);
      // A run on a new thread must bring its question; on a thread, a run may resume without one.
      const text = lastUserText(body);
      const question = text === undefined && startsNewThread(c.req.path) ? "" : text;
      const problem = typeof question === "string" ? questionProblem(question) : undefined;
      if (problem) return c.json({ error: "BadQuestion", message: problem }, 422);
      // As the CLI does before a run: keys, provider packages, search backend, corpus folder.
      await checkRunReady(configuration, { scanCorpus: false });
    } catch (error) {
      if (error instanceof ConfigurationError || (error instanceof Error && error.name === "LocalCorpusError")) {
        return c.json({ error: error.name, message: error.message }, 422);
      }
      throw error;
    }
    return next();
  };
}

/** Why a run may not set the process's limits, and what they are. */
function processLimitsMessage(keys: ReturnType<typeof limitsDifferingFrom>): string {
  const settings = declaredLimitSettings();
  const shown = keys.map((key) => `${key} (the server's: ${String(settings[key])}, from FANOUT_${key.toUpperCase()} or the default)`).join(", ");
  return `${shown}: these limits are the server's, shared by every run in it, and set when it starts; a run cannot change them`;
}
