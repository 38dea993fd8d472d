import type { MiddlewareHandler } from "hono";
import { ConfigurationError, readConfiguration } from "../config.js";
import { declaredLimitSettings, limitsDifferingFrom } from "../limits/settings.js";
import { questionProblem } from "../question.js";

/** Routes whose body carries a run's settings, checked before anything is stored. */
export const RUN_CREATING_ROUTES = [
  "/threads/:thread_id/runs",
  "/threads/:thread_id/runs/stream",
  "/threads/:thread_id/runs/wait",
  "/runs",
  "/runs/stream",
  "/runs/wait",
];

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
 * A run with a bad setting, an empty or over-long question, or process-wide limits
 * other than the process's own, is refused with 422 and the reason, before a thread
 * or run is stored. With `assistants`, a run
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
    } catch (error) {
      if (error instanceof ConfigurationError) return c.json({ error: "ConfigurationError", message: error.message }, 422);
      throw error;
    }
    const question = lastUserText(body);
    const problem = question === undefined ? undefined : questionProblem(question);
    if (problem) return c.json({ error: "BadQuestion", message: problem }, 422);
    return next();
  };
}

/** Why a run may not set the process's limits, and what they are. */
function processLimitsMessage(keys: ReturnType<typeof limitsDifferingFrom>): string {
  const settings = declaredLimitSettings();
  const shown = keys.map((key) => `${key} (the server's: ${String(settings[key])}, from FANOUT_${key.toUpperCase()} or the default)`).join(", ");
  return `${shown}: these limits are the server's, shared by every run in it, and set when it starts; a run cannot change them`;
}
