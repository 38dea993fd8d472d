import { ConfigurationSchema, configurationFromEnv, parseConfiguration, type Configuration } from "../config.js";

/**
 * The process-wide widths and per-minute budgets: a server with several workers gives each its
 * share of them (0, unlimited, stays 0).
 */
export const DIVIDED_LIMIT_KEYS = [
  "max_model_concurrency",
  "max_search_concurrency",
  "max_fetch_concurrency",
  "model_requests_per_minute",
  "model_tokens_per_minute",
  "search_requests_per_minute",
] as const satisfies ReadonlyArray<keyof Configuration>;

/**
 * The settings of the process, not of a run: they shape the lanes, budgets, retries, breakers
 * and caches that every run in the process shares.
 */
export const PROCESS_LIMIT_KEYS = [
  ...DIVIDED_LIMIT_KEYS,
  "adaptive_concurrency",
  "model_retries",
  "search_retries",
  "retry_initial_delay_ms",
  "breaker_threshold",
  "breaker_cooldown_seconds",
  "cache",
  "cache_max_bytes",
  "search_cache_ttl_seconds",
] as const satisfies ReadonlyArray<keyof Configuration>;

/** The settings the process-wide limits (lanes, retries, breakers, caches) follow. */
export type LimitSettings = Pick<Configuration, (typeof PROCESS_LIMIT_KEYS)[number]>;

/**
 * New limits asked for while a lane is carrying calls: changing it then would change the
 * limits of the runs using it mid-flight.
 */
export class LimitsInUse extends Error {
  constructor(lane: string, keys: string[]) {
    super(`the process-wide limits (${keys.join(", ")}) cannot change while ${lane} has calls in flight or waiting: they are set once, when the process starts`);
    this.name = "LimitsInUse";
  }
}

type Listener = (settings: LimitSettings) => void;

/**
 * A width or budget too small to give each of a server's workers at least 1: a worker's 0 would
 * mean unlimited, and 1 each would together exceed the limit.
 */
export class LimitTooNarrow extends Error {
  constructor(keys: string[], settings: LimitSettings, shares: number) {
    const named = keys.map((key) => `${key}=${settings[key as keyof LimitSettings]}`).join(", ");
    super(
      `FANOUT_SERVER_WORKERS=${shares} is more than ${named} allows: each worker needs at least 1 of it; use at most ${Math.min(...keys.map((key) => Number(settings[key as keyof LimitSettings])))} workers or raise the limit`,
    );
    this.name = "LimitTooNarrow";
  }
}

/**
 * Worker `index`'s part (of `shares`) of the limits: each width and budget divided so the parts add
 * up to the whole (the remainder goes one each to the first workers); 0, unlimited, stays 0.
 * Throws LimitTooNarrow when a limit is smaller than the number of workers.
 */
export function limitShare(settings: LimitSettings, shares: number, index = 0): LimitSettings {
  const share = { ...settings };
  if (shares <= 1) return share;
  const narrow = DIVIDED_LIMIT_KEYS.filter((key) => settings[key] > 0 && settings[key] < shares);
  if (narrow.length > 0) throw new LimitTooNarrow(narrow, settings, shares);
  for (const key of DIVIDED_LIMIT_KEYS) {
    const whole = settings[key];
    if (whole > 0) share[key] = Math.floor(whole / shares) + (index < whole % shares ? 1 : 0);
  }
  return share;
}

/** What the lanes follow (the share, in a server's worker). */
let current: LimitSettings | undefined;
/** What the process was configured with, before any division: the limits a run's settings are checked against. */
let declared: LimitSettings | undefined;
const listeners: Listener[] = [];
let busyLane: () => string | undefined = () => undefined;

/** Defaults with FANOUT_* variables applied; a bad variable is reported by the run, not here. */
function fromEnvironment(): LimitSettings {
  try {
    return ConfigurationSchema.parse(configurationFromEnv());
  } catch {
    return ConfigurationSchema.parse({});
  }
}

function pick(configuration: LimitSettings): LimitSettings {
  return Object.fromEntries(PROCESS_LIMIT_KEYS.map((key) => [key, configuration[key]])) as LimitSettings;
}

/** The process's limits: what configureLimits set, else the defaults with FANOUT_* variables applied. */
export function limitSettings(): LimitSettings {
  current ??= fromEnvironment();
  return current;
}

/** The limits the process was configured with: limitSettings() but, in a server's worker, before division. */
export function declaredLimitSettings(): LimitSettings {
  return declared ?? limitSettings();
}

/** The process-wide keys on which `configuration` differs from the process's (declared) limits. */
export function limitsDifferingFrom(configuration: LimitSettings): Array<(typeof PROCESS_LIMIT_KEYS)[number]> {
  const settings = declaredLimitSettings();
  return PROCESS_LIMIT_KEYS.filter((key) => configuration[key] !== settings[key]);
}

/**
 * Sets the process's limits, once, when it starts: the server from its environment, the CLI
 * from its one run's settings (tests and benchmarks, for a fresh process, after resetLanes).
 * Lanes are shared by every run in the process, so a change is refused (LimitsInUse) while
 * any lane carries calls: a run never changes the limits of another run in flight.
 */
export function configureLimits(configuration: LimitSettings, shares = 1, index = 0): void {
  const share = limitShare(pick(configuration), shares, index);
  const settings = limitSettings();
  const changed = PROCESS_LIMIT_KEYS.filter((key) => configuration[key] !== declaredLimitSettings()[key] || share[key] !== settings[key]);
  if (changed.length === 0) return;
  const lane = busyLane();
  if (lane !== undefined) throw new LimitsInUse(lane, changed);
  declared = shares > 1 ? pick(configuration) : undefined;
  current = share;
  for (const listener of listeners) listener(current);
}

/** Forgets configureLimits: the next limitSettings() reads FANOUT_* again (tests: a fresh process's state, with resetLanes). */
export function forgetLimits(): void {
  current = undefined;
  declared = undefined;
}

/**
 * The server's start: its limits from FANOUT_* variables (a bad one stops it here, named);
 * a worker of `shares` takes its share of the widths and budgets (limitShare).
 */
export function configureLimitsFromEnv(env: NodeJS.ProcessEnv = process.env, shares = 1, index = 0): LimitSettings {
  const settings = limitSettingsFromEnv(env);
  configureLimits(settings, shares, index);
  return settings;
}

/** The process-wide limits the FANOUT_* variables ask for (a bad one throws, named). */
export function limitSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): LimitSettings {
  return pick(parseConfiguration(configurationFromEnv(env), "environment"));
}

/** Calls `listener` whenever configureLimits changes the settings. */
export function onLimitSettings(listener: Listener): void {
  listeners.push(listener);
}

/** Tells configureLimits which lane, if any, is carrying calls now. */
export function watchLanes(busy: () => string | undefined): void {
  busyLane = busy;
}
