import { ConfigurationSchema, configurationFromEnv, type Configuration } from "../config.js";

/** The settings the process-wide limits (lanes, retries, breakers, caches) follow. */
export type LimitSettings = Pick<
  Configuration,
  | "max_model_concurrency"
  | "max_search_concurrency"
  | "max_fetch_concurrency"
  | "model_requests_per_minute"
  | "model_tokens_per_minute"
  | "search_requests_per_minute"
  | "adaptive_concurrency"
  | "model_retries"
  | "retry_initial_delay_ms"
  | "breaker_threshold"
  | "breaker_cooldown_seconds"
  | "cache"
  | "cache_max_bytes"
  | "search_cache_ttl_seconds"
>;

type Listener = (settings: LimitSettings) => void;

let current: LimitSettings | undefined;
const listeners: Listener[] = [];

/** Defaults with FANOUT_* variables applied; a bad variable is reported by the run, not here. */
function fromEnvironment(): LimitSettings {
  try {
    return ConfigurationSchema.parse(configurationFromEnv());
  } catch {
    return ConfigurationSchema.parse({});
  }
}

export function limitSettings(): LimitSettings {
  current ??= fromEnvironment();
  return current;
}

/**
 * Applies a run's settings to the limits every run in the process shares. Lanes are
 * process-wide, so the run that starts last sets them for all (the CLI runs one run per
 * process; a server applies its own configuration once).
 */
export function configureLimits(configuration: LimitSettings): void {
  current = { ...configuration };
  for (const listener of listeners) listener(current);
}

/** Calls `listener` whenever configureLimits changes the settings. */
export function onLimitSettings(listener: Listener): void {
  listeners.push(listener);
}
