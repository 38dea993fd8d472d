import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The process's metrics, in one prom-client registry: the CLI reads its own run's share
 * through callbacks (usage.ts), and a server can expose the whole registry at /metrics.
 */
export const metricsRegistry = new Registry();

const registers = [metricsRegistry];

/** Requests to an outside service (models, search), by lane and outcome (ok, 429, 5xx, error, …). */
export const requestsTotal = new Counter({
  name: "fanout_requests_total",
  help: "HTTP requests sent through a lane, by lane and outcome",
  labelNames: ["lane", "outcome"] as const,
  registers,
});

export const requestSeconds = new Histogram({
  name: "fanout_request_seconds",
  help: "Time of one request through a lane, from sending to the reply's headers",
  labelNames: ["lane"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers,
});

export const retriesTotal = new Counter({
  name: "fanout_retries_total",
  help: "Requests sent again after a retryable failure, by lane and reason",
  labelNames: ["lane", "reason"] as const,
  registers,
});

export const laneWidth = new Gauge({
  name: "fanout_lane_width",
  help: "Requests a lane lets run at once now (adaptive; -1 = unlimited)",
  labelNames: ["lane"] as const,
  registers,
});

export const laneInFlight = new Gauge({ name: "fanout_lane_in_flight", help: "Requests running in a lane", labelNames: ["lane"] as const, registers });

export const laneQueued = new Gauge({ name: "fanout_lane_queued", help: "Requests waiting for a lane", labelNames: ["lane"] as const, registers });

export const breakerState = new Gauge({
  name: "fanout_breaker_state",
  help: "A lane's circuit breaker: 0 closed, 1 open, 2 half-open (probing)",
  labelNames: ["lane"] as const,
  registers,
});

export const modelCallsTotal = new Counter({
  name: "fanout_model_calls_total",
  help: "Model calls (after retries), by model and outcome: ok, cached or error",
  labelNames: ["model", "outcome"] as const,
  registers,
});

export const modelCallSeconds = new Histogram({
  name: "fanout_model_call_seconds",
  help: "Time of one model call, retries and lane waits included",
  labelNames: ["model"] as const,
  buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  registers,
});

export const modelTokensTotal = new Counter({
  name: "fanout_model_tokens_total",
  help: "Tokens billed by the provider, by model and direction (input, output)",
  labelNames: ["model", "direction"] as const,
  registers,
});

export const modelCostTotal = new Counter({
  name: "fanout_model_cost_usd_total",
  help: "Estimated cost of model calls in US dollars, from list prices (models with a known price only)",
  labelNames: ["model"] as const,
  registers,
});

export const cacheLookupsTotal = new Counter({
  name: "fanout_cache_lookups_total",
  help: "Cache lookups, by cache (model, search) and result (hit, miss)",
  labelNames: ["cache", "result"] as const,
  registers,
});

export const unitsTotal = new Counter({
  name: "fanout_research_units_total",
  help: "Research units, by event (started, finished)",
  labelNames: ["event"] as const,
  registers,
});
