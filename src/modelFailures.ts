import { AsyncCaller, type FailedAttemptHandler } from "@langchain/core/utils/async_caller";
import { CircuitOpen } from "./limits/limitedFetch.js";
import { redactSecrets } from "./secrets.js";
import { unreachableReason } from "./util/network.js";
import { isUnusableReply } from "./util/structured.js";

/**
 * A model call that retrying would not fix: the server cannot be reached, or it did not
 * answer within model_timeout_seconds. The message names the server, never the key.
 */
export class ModelUnavailable extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ModelUnavailable";
  }
}

/** The OpenAI client's own request timeout (LangChain renames it TimeoutError). */
function isRequestTimeout(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return (error.name === "TimeoutError" && /timed out/i.test(error.message)) || error.constructor.name === "APIConnectionTimeoutError";
}

/** The provider's open circuit breaker, when the client wrapped it as a connection error. */
function openCircuitIn(error: unknown, depth = 0): CircuitOpen | undefined {
  if (error instanceof CircuitOpen) return error;
  if (!(error instanceof Error) || depth > 5) return undefined;
  return openCircuitIn(error.cause, depth + 1);
}

/**
 * True when a model call failed because its server is down: it cannot be reached, or its circuit
 * breaker is open after failing again and again. A step can do nothing about that; the run can be
 * resumed once the server is back.
 */
export function modelServerDown(error: unknown): boolean {
  return unreachableReason(error) !== undefined || openCircuitIn(error) !== undefined;
}

/** The failure as ModelUnavailable when retrying is pointless, else undefined. */
export function hopelessFailure(error: unknown, endpoint: string, timeoutSeconds: number): ModelUnavailable | undefined {
  const open = openCircuitIn(error);
  if (open) return new ModelUnavailable(`the model server at ${endpoint} is not answering: ${open.message}`, { cause: error });
  if (isRequestTimeout(error)) {
    return new ModelUnavailable(`the model server at ${endpoint} did not answer within ${timeoutSeconds} s (model_timeout_seconds)`, { cause: error });
  }
  const reason = unreachableReason(error);
  if (reason) return new ModelUnavailable(`cannot reach the model server at ${endpoint} (${reason})`, { cause: error });
  return undefined;
}

/** Exposes LangChain's own retry decision (429s wait, 4xx stop, the rest retry), which it does not export. */
class DefaultRetryDecision extends AsyncCaller {
  get decide(): FailedAttemptHandler | undefined {
    return this.onFailedAttempt;
  }
}

const retryOrThrow = new DefaultRetryDecision({}).decide;

/**
 * What a model's client does with a failed call. Retries happen once, below it, in the fetch
 * that limits/limitedFetch.ts gives every client, so the client's maxRetries is 0 and this only
 * shapes the error: LangChain's own decision, except that it gives up at once on a
 * server that is not there or did not answer in time (the default retries a refused connection
 * for 7-14 s and re-sends a timed-out call), that it leaves replies that do not parse to the
 * caller that asked for structure, and that it takes secrets out of error messages
 * before anyone reads them: some services echo the caller's key in their errors.
 */
export function failFast(endpoint: string, timeoutSeconds: number): FailedAttemptHandler {
  return (error: unknown) => {
    if (error instanceof Error) {
      error.message = redactSecrets(error.message);
      if (error.stack) error.stack = redactSecrets(error.stack);
    }
    const hopeless = hopelessFailure(error, endpoint, timeoutSeconds);
    if (hopeless) throw hopeless;
    // Whoever asked for structured output decides how often to ask again (invokeStructured).
    if (isUnusableReply(error)) throw error;
    return retryOrThrow?.(error);
  };
}
