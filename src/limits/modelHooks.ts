import { limitedFetch } from "./limitedFetch.js";

/**
 * What every chat model client gets where it is created, whichever provider built it: a fetch
 * that goes through the provider's lane, breaker and Fanout's one retry layer, and the client's
 * own retries off, so retries never multiply.
 */
export function modelCallHooks(provider: string, retries?: number) {
  return {
    maxRetries: 0,
    fetch: limitedFetch(`model:${provider}`, { retries }),
  };
}
