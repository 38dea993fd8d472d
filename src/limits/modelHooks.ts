import { limitedFetch } from "./limitedFetch.js";
import { responseCache } from "./cache.js";
import { processUsage } from "./usage.js";

/**
 * What every chat model client gets where it is created, whichever provider built it: a fetch
 * that goes through the provider's lane, breaker and Fanout's one retry layer, and the client's
 * own retries off, so retries never multiply; the response cache; the callback that feeds the metrics.
 */
export function modelCallHooks(provider: string, retries?: number) {
  return {
    maxRetries: 0,
    fetch: limitedFetch(`model:${provider}`, { retries }),
    /** Identical calls answered from memory or the run store (cache=false turns it off). */
    cache: responseCache,
    /** Calls, latency, tokens and cost into the process's metrics. */
    callbacks: [processUsage],
  };
}
