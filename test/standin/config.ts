/**
 * Stand-in server (a test tool): option defaults, merging, and the zod schema that options and
 * the admin endpoint POST /_standin/config are checked against.
 */
import { z } from "zod";
import type { ResolvedConfig, StandInConfig } from "./types.js";

export const DEFAULTS: ResolvedConfig = { latencyMs: 0, jitterMs: 0, units: 3, searchRounds: 1 };

/** Everything but `behaviour`, a function, which cannot cross HTTP. */
export const ConfigPatch = z.strictObject({
  latencyMs: z.number().min(0).optional(),
  jitterMs: z.number().min(0).optional(),
  units: z.number().int().min(0).max(100).optional(),
  searchRounds: z.number().int().min(0).max(50).optional(),
});

/** Merges a patch; a key present as undefined (behaviour) clears it, other undefined keys are ignored. */
export function mergeConfig(current: ResolvedConfig, patch: StandInConfig): ResolvedConfig {
  const next: ResolvedConfig = { ...current };
  if (patch.latencyMs !== undefined) next.latencyMs = patch.latencyMs;
  if (patch.jitterMs !== undefined) next.jitterMs = patch.jitterMs;
  if (patch.units !== undefined) next.units = patch.units;
  if (patch.searchRounds !== undefined) next.searchRounds = patch.searchRounds;
  if ("behaviour" in patch) next.behaviour = patch.behaviour;
  return next;
}

/** The settings as JSON (the behaviour hook only as a flag). */
export function publicConfig(config: ResolvedConfig): object {
  const { behaviour, ...rest } = config;
  return { ...rest, behaviour: behaviour !== undefined };
}
