import {
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  retry,
  type CircuitBreakerPolicy,
  type IRetryBackoffContext,
} from "cockatiel";
import { log } from "../log.js";
import { Lane } from "./lane.js";
import { estimatedRequestTokens, rateGate, type RateGate } from "./rateGate.js";
import { breakerState, requestSeconds, requestsTotal, retriesTotal } from "./metrics.js";
import { limitSettings, onLimitSettings, watchLanes, type LimitSettings } from "./settings.js";
import { MAX_RETRY_AFTER_MS, backoffMs, isProviderFault, isRetryableError, isRetryableStatus, outcomeOf, retryAfterMs } from "./faults.js";

/**
 * Calls to a provider whose circuit breaker is open: it failed `breaker_threshold` times in a
 * row, so calls fail at once until the cool-down ends and one probe call decides.
 */
export class CircuitOpen extends Error {
  constructor(
    readonly lane: string,
    cooldownSeconds: number,
  ) {
    super(
      `${lane} is failing: its circuit breaker opened after repeated failures; calls are refused for ${cooldownSeconds} s (breaker_cooldown_seconds), then one probe decides`,
    );
    this.name = "CircuitOpen";
  }
}

/** The lane, circuit breaker, rate budgets and the settings they were made with, for one named lane. */
type LaneKit = {
  lane: Lane;
  breaker: CircuitBreakerPolicy;
  breakerSettings: string;
  requests?: RateGate;
  tokens?: RateGate;
  rateSettings: string;
  /** Requests between their first attempt and their answer, retry waits included. */
  active: number;
};

const kits = new Map<string, LaneKit>();

/** Aborted by resetLanes, so calls still waiting for a per-minute budget end instead of waiting out the minute. */
let budgetsAlive = new AbortController();

/** The name of the lane every fetch_url download goes through, whatever the host. */
export const FETCH_LANE = "fetch";

/** A lane's cap from its kind; model and search lanes adapt to 429s, the fetch lane (many hosts) does not. */
function laneLimits(name: string, settings: LimitSettings) {
  if (name === FETCH_LANE) return { maxInFlight: settings.max_fetch_concurrency, adaptive: false };
  const maxInFlight = name.startsWith("model:") ? settings.max_model_concurrency : settings.max_search_concurrency;
  return { maxInFlight, adaptive: settings.adaptive_concurrency };
}

function makeBreaker(name: string, settings: LimitSettings): CircuitBreakerPolicy {
  const breaker = circuitBreaker(
    handleWhen(isProviderFault).orWhenResult((response) => (response as Response).status >= 500),
    {
      halfOpenAfter: settings.breaker_cooldown_seconds * 1000,
      breaker: new ConsecutiveBreaker(settings.breaker_threshold),
    },
  );
  const states: Record<CircuitState, number> = { [CircuitState.Closed]: 0, [CircuitState.Open]: 1, [CircuitState.HalfOpen]: 2, [CircuitState.Isolated]: 1 };
  breakerState.set({ lane: name }, 0);
  breaker.onStateChange((state) => {
    breakerState.set({ lane: name }, states[state]);
    log.warn({ lane: name, state: CircuitState[state] }, `circuit breaker of ${name} is now ${CircuitState[state].toLowerCase()}`);
  });
  return breaker;
}

const breakerKey = (settings: LimitSettings) => `${settings.breaker_threshold}/${settings.breaker_cooldown_seconds}`;

/** Per-minute budgets: requests and tokens for model lanes, requests for search lanes. */
function rateGates(name: string, settings: LimitSettings): Pick<LaneKit, "requests" | "tokens" | "rateSettings"> {
  const model = name.startsWith("model:");
  const rpm = model ? settings.model_requests_per_minute : name.startsWith("search:") ? settings.search_requests_per_minute : 0;
  const tpm = model ? settings.model_tokens_per_minute : 0;
  const { signal } = budgetsAlive;
  return { requests: rpm > 0 ? rateGate(rpm, 60_000, signal) : undefined, tokens: tpm > 0 ? rateGate(tpm, 60_000, signal) : undefined, rateSettings: `${rpm}/${tpm}` };
}

/** The process-wide kit of a named lane, made on first use. */
export function laneKit(name: string): LaneKit {
  let kit = kits.get(name);
  if (!kit) {
    const settings = limitSettings();
    kit = {
      lane: new Lane(name, laneLimits(name, settings)),
      breaker: makeBreaker(name, settings),
      breakerSettings: breakerKey(settings),
      ...rateGates(name, settings),
      active: 0,
    };
    kits.set(name, kit);
  }
  return kit;
}

/** The lane of that name (made on first use), e.g. for its width in tests and benchmarks. */
export function laneNamed(name: string): Lane {
  return laneKit(name).lane;
}

onLimitSettings((settings) => {
  for (const [name, kit] of kits) {
    kit.lane.configure(laneLimits(name, settings));
    if (kit.breakerSettings !== breakerKey(settings)) Object.assign(kit, { breaker: makeBreaker(name, settings), breakerSettings: breakerKey(settings) });
    if (kit.rateSettings !== rateGates(name, settings).rateSettings) Object.assign(kit, rateGates(name, settings));
  }
});

watchLanes(() => {
  for (const [name, kit] of kits) {
    if (kit.active > 0 || kit.lane.inFlight > 0 || kit.lane.queued > 0) return name;
  }
  return undefined;
});

/** Forgets every lane and breaker, and ends the calls waiting for a per-minute budget (tests: a fresh process's state). */
export function resetLanes(): void {
  budgetsAlive.abort();
  budgetsAlive = new AbortController();
  kits.clear();
}

/** Replies that must not be repeated although their status allows it (quota used up, retry-after too long). */
const final = new WeakSet<Response>();

async function markFinal(response: Response): Promise<void> {
  const asked = retryAfterMs(response);
  if (asked !== undefined && asked > MAX_RETRY_AFTER_MS) final.add(response);
  else if (
    response.status === 429 &&
    /insufficient_quota/.test(
      await response
        .clone()
        .text()
        .catch(() => ""),
    )
  )
    final.add(response);
}

function retryReason(reason: { error: unknown } | { value: unknown }): string {
  return "value" in reason ? String((reason.value as Response).status) : "cut off";
}

export type LimitedFetchOptions = {
  /** Retries of one request; default search_retries on a search lane, else model_retries. */
  retries?: number;
  /** The fetch that sends (default the global one). */
  fetch?: typeof fetch;
};

/**
 * A fetch that sends every request through Fanout's one retry layer, its provider's circuit
 * breaker, the per-minute budgets (model and search lanes) and the named lane. The retry layer: exponential
 * backoff with full jitter, at least as long as `retry-after` asks, for 429, 408, 5xx and
 * connections cut off; never for other 4xx, a server that cannot be reached, a timeout or an abort. Give it to a provider's client (whose own
 * retries must be off) so every outside call is limited the same way, whoever built the client.
 */
export function limitedFetch(laneName: string, options: LimitedFetchOptions = {}): typeof fetch {
  const send = options.fetch ?? globalThis.fetch;
  return async (input, init) => {
    const settings = limitSettings();
    const kit = laneKit(laneName);
    // A streamed body cannot be sent twice.
    const repeatable = init?.body === undefined || init.body === null || typeof init.body === "string";
    const retries = repeatable ? (options.retries ?? (laneName.startsWith("search:") ? settings.search_retries : settings.model_retries)) : 0;
    const policy = retry(
      handleWhen(isRetryableError).orWhenResult((response) => isRetryableStatus((response as Response).status) && !final.has(response as Response)),
      {
        maxAttempts: retries,
        backoff: new DelegateBackoff((context: IRetryBackoffContext<unknown>) => {
          const asked = "value" in context.result ? retryAfterMs(context.result.value as Response) : undefined;
          return backoffMs(context.attempt, settings.retry_initial_delay_ms, asked);
        }),
      },
    );
    policy.onRetry((reason) => {
      retriesTotal.inc({ lane: laneName, reason: retryReason(reason) });
      log.debug({ lane: laneName, reason: retryReason(reason), delayMs: reason.delay, attempt: reason.attempt }, `retrying a request to ${laneName}`);
      if ("value" in reason) void (reason.value as Response).body?.cancel().catch(() => undefined);
    });
    kit.active += 1;
    try {
      const throughBudgets = async () => {
        // Spent per request sent, retries included, before it waits for a lane slot (so a wait for budget holds no slot).
        await kit.requests?.();
        await kit.tokens?.(estimatedRequestTokens(init?.body));
        return attempt(kit.lane, laneName, () => send(input, init));
      };
      return await policy.execute(() => kit.breaker.execute(throughBudgets), init?.signal ?? undefined);
    } catch (error) {
      if (isBrokenCircuitError(error)) throw new CircuitOpen(laneName, settings.breaker_cooldown_seconds);
      throw error;
    } finally {
      kit.active -= 1;
    }
  };
}

/** One request, in the lane, timed and counted; the lane hears how it went. */
async function attempt(lane: Lane, laneName: string, sendOnce: () => Promise<Response>): Promise<Response> {
  return lane.run(async (ticket) => {
    const stopTimer = requestSeconds.startTimer({ lane: laneName });
    try {
      const response = await sendOnce();
      stopTimer();
      requestsTotal.inc({ lane: laneName, outcome: outcomeOf(response) });
      lane.feedback(ticket, response.status === 429 ? "rate_limited" : response.ok ? "ok" : "failed");
      if (!response.ok) await markFinal(response);
      return response;
    } catch (error) {
      requestsTotal.inc({ lane: laneName, outcome: outcomeOf({ error }) });
      lane.feedback(ticket, "failed");
      throw error;
    }
  });
}

/**
 * Runs one fetch_url download (redirects and body included) in the process-wide `fetch` lane,
 * capped by max_fetch_concurrency whatever the host, timed and counted like the other lanes.
 * No retries and no breaker: one site failing says nothing about the next.
 */
export async function inFetchLane<T>(download: () => Promise<T>): Promise<T> {
  return laneNamed(FETCH_LANE).run(async () => {
    const stopTimer = requestSeconds.startTimer({ lane: FETCH_LANE });
    try {
      const page = await download();
      requestsTotal.inc({ lane: FETCH_LANE, outcome: "ok" });
      return page;
    } catch (error) {
      requestsTotal.inc({ lane: FETCH_LANE, outcome: outcomeOf({ error }) });
      throw error;
    } finally {
      stopTimer();
    }
  });
}
