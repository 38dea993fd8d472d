import pThrottle from "p-throttle";

/** Waits until a call of this weight fits in the budget; resolves at once without a budget. */
export type RateGate = ((weight?: number) => Promise<void>) & { readonly queueSize: number };

/**
 * A budget of `limit` units per `intervalMs` (requests or tokens per minute), through p-throttle:
 * a call waits until its weight fits. A call heavier than the whole budget is charged the whole
 * budget, so it waits for a fresh window rather than forever. `signal` rejects the calls still waiting.
 */
export function rateGate(limit: number, intervalMs = 60_000, signal?: AbortSignal): RateGate {
  const throttled = pThrottle({ limit, interval: intervalMs, signal, weight: (weight: number) => Math.min(Math.max(1, Math.ceil(weight)), limit) })(
    async (_weight: number) => undefined,
  );
  const gate = async (weight = 1) => {
    await throttled(weight);
  };
  return Object.defineProperty(gate, "queueSize", { get: () => throttled.queueSize }) as RateGate;
}

/**
 * Tokens a chat request may cost, for a tokens-per-minute budget: its text at about four
 * characters a token plus the reply it allows (max_tokens), as providers count it.
 */
export function estimatedRequestTokens(body: unknown): number {
  if (typeof body !== "string") return 1;
  let allowed = 0;
  try {
    const parsed = JSON.parse(body) as { max_tokens?: unknown; max_completion_tokens?: unknown };
    const value = parsed.max_completion_tokens ?? parsed.max_tokens;
    if (typeof value === "number") allowed = value;
  } catch {
    // not JSON: the text alone
  }
  return Math.ceil(body.length / 4) + allowed;
}
