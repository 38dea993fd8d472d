import { parseRetryAfterMs } from "@langchain/core/utils/async_caller";
import { unreachableReason } from "../util/network.js";

/** Longest retry-after Fanout waits for; a provider asking for more is out of capacity, not busy. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** Upper bound of any one backoff wait. */
export const MAX_BACKOFF_MS = 30_000;

/** Socket errors where the server was there but the exchange broke: worth sending again. */
const CUT_OFF_CODES = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);

/** The error's code, or the first code among its causes. */
function codeOf(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 5) return undefined;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (typeof code === "string") return code;
  return codeOf(cause, depth + 1);
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError");
}

/**
 * A request error worth repeating: a connection cut off mid-exchange. Not a server that is not
 * there (refused, unknown host: fail fast and say so) and not a timeout or abort (a timed-out
 * model call is not repeated: model_timeout_seconds bounds the whole call).
 */
export function isRetryableError(error: unknown): boolean {
  if (isAbort(error) || unreachableReason(error)) return false;
  const code = codeOf(error);
  return code !== undefined && CUT_OFF_CODES.has(code);
}

/** A status worth asking again: rate limited, timed out at a gateway, or a server error. Never 400/401/403/404. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 408 || status >= 500;
}

/** A failure that says the provider is unwell (for its breaker): 5xx or not reachable. Not 429: that is the lane's business. */
export function isProviderFault(error: unknown): boolean {
  return !isAbort(error) && (unreachableReason(error) !== undefined || isRetryableError(error));
}

/** How long a reply asks the caller to wait: `retry-after-ms`, else `retry-after` (seconds or a date). */
export function retryAfterMs(response: Response): number | undefined {
  const ms = Number(response.headers.get("retry-after-ms"));
  if (response.headers.has("retry-after-ms") && Number.isFinite(ms) && ms >= 0) return ms;
  return parseRetryAfterMs(response.headers.get("retry-after") ?? undefined);
}

/**
 * Full jitter (a random wait between 0 and the exponential bound), so callers that failed
 * together do not come back together; never shorter than the server asked for.
 */
export function backoffMs(attempt: number, initialDelayMs: number, askedMs = 0, random: () => number = Math.random): number {
  const bound = Math.min(MAX_BACKOFF_MS, initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(askedMs, Math.round(random() * bound));
}

/** The outcome label of a request for metrics. */
export function outcomeOf(result: { status: number } | { error: unknown }): string {
  if ("status" in result) {
    if (result.status < 400) return "ok";
    return result.status >= 500 ? "5xx" : String(result.status);
  }
  if (isAbort(result.error)) return "aborted";
  return unreachableReason(result.error) ? "unreachable" : "error";
}
