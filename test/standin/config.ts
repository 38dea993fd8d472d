/**
 * Stand-in server (a test tool): option defaults, merging, and the zod schema that the
 * admin endpoint POST /_standin/config validates against.
 */
import { z } from "zod";
import { QUIRKS } from "./quirks.js";
import type { ResolvedConfig, StandInConfig } from "./types.js";

export const DEFAULTS: ResolvedConfig = {
  latencyMs: 0,
  jitterMs: 0,
  faults: { rate429: 0, rate500: 0, seed: 1, atOnce: false },
  units: 3,
  searchRounds: 1,
  tokens: { charsPerToken: 4 },
  quirks: [],
  contextTokens: 0,
  maxInFlight: 0,
};

const rate = z.number().min(0).max(1);

/** Everything but `behaviour` (a function cannot cross HTTP), plus failNext. */
export const ConfigPatch = z.strictObject({
  latencyMs: z.number().min(0).optional(),
  jitterMs: z.number().min(0).optional(),
  units: z.number().int().min(0).max(100).optional(),
  searchRounds: z.number().int().min(0).max(50).optional(),
  faults: z.strictObject({ rate429: rate.optional(), rate500: rate.optional(), seed: z.number().int().optional(), atOnce: z.boolean().optional() }).optional(),
  tokens: z.strictObject({ charsPerToken: z.number().positive().optional() }).optional(),
  quirks: z.array(z.enum(QUIRKS)).optional(),
  contextTokens: z.number().int().min(0).optional(),
  maxInFlight: z.number().int().min(0).optional(),
  failNext: z.strictObject({ count: z.number().int().min(1), status: z.number().int().min(400).max(599).default(500), message: z.string().optional() }).optional(),
});
export type ConfigPatch = z.infer<typeof ConfigPatch>;

/** Merges a patch; nested objects merge key by key; a key present as undefined (behaviour) clears it. */
export function mergeConfig(current: ResolvedConfig, patch: StandInConfig): ResolvedConfig {
  const next: ResolvedConfig = {
    ...current,
    faults: { ...current.faults, ...defined(patch.faults ?? {}) },
    tokens: { ...current.tokens, ...defined(patch.tokens ?? {}) },
  };
  if (patch.latencyMs !== undefined) next.latencyMs = patch.latencyMs;
  if (patch.jitterMs !== undefined) next.jitterMs = patch.jitterMs;
  if (patch.units !== undefined) next.units = patch.units;
  if (patch.searchRounds !== undefined) next.searchRounds = patch.searchRounds;
  if (patch.quirks !== undefined) next.quirks = [...patch.quirks];
  if (patch.contextTokens !== undefined) next.contextTokens = patch.contextTokens;
  if (patch.maxInFlight !== undefined) next.maxInFlight = patch.maxInFlight;
  if ("behaviour" in patch) next.behaviour = patch.behaviour;
  return next;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** The settings as JSON (the behaviour hook only as a flag). */
export function publicConfig(config: ResolvedConfig): object {
  const { behaviour, ...rest } = config;
  return { ...rest, behaviour: behaviour !== undefined };
}
