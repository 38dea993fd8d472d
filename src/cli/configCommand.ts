import { CONFIGURATION_KEYS, ConfigurationSchema, configurationFromEnv, configurationFromPairs, parseConfiguration } from "../config.js";
import { isSecretName, looksSecret } from "../secrets.js";
import { parsePostgresUri } from "../checkpoint/postgres-uri.js";
import { logLevel } from "../log.js";
import type { CliIo } from "./io.js";
import { EXIT } from "./io.js";

/** Where a value came from, later ones winning: the schema's default, a FANOUT_* variable, or --set. */
export type Origin = "default" | "env" | "flag";

export type EffectiveSetting = { key: string; value: unknown; origin: Origin; source?: string };

/** Process settings read from the environment, shown beside the run settings. */
const PROCESS_VARIABLES = [
  "FANOUT_HOME",
  "FANOUT_LOG_LEVEL",
  "FANOUT_PG_SCHEMA",
  "POSTGRES_URI",
  "OPENAI_BASE_URL",
  "OPENAI_API_KEY",
  "TAVILY_API_BASE_URL",
  "TAVILY_API_KEY",
];

/** Every run setting's effective value and where it came from. */
export function effectiveSettings(pairs: string[], env: NodeJS.ProcessEnv = process.env): EffectiveSetting[] {
  const fromEnv = configurationFromEnv(env);
  const fromFlags = configurationFromPairs(pairs);
  const configuration = parseConfiguration({ ...fromEnv, ...fromFlags }, "--set");
  return CONFIGURATION_KEYS.map((key) => {
    if (key in fromFlags) return { key, value: configuration[key], origin: "flag", source: "--set" };
    if (key in fromEnv) return { key, value: configuration[key], origin: "env", source: `FANOUT_${key.toUpperCase()}` };
    return { key, value: ConfigurationSchema.shape[key].parse(undefined), origin: "default" };
  });
}

/** An environment value as it may be shown: secrets only as "(set, hidden)", a Postgres URI without its password. */
function shownVariable(name: string, value: string | undefined): string {
  if (value === undefined || value.trim() === "") return "(not set)";
  if (name === "POSTGRES_URI") {
    try {
      return parsePostgresUri(value).masked;
    } catch {
      return "(set, not a valid URI)";
    }
  }
  if (isSecretName(name) || looksSecret(value)) return "(set, hidden)";
  if (name === "FANOUT_LOG_LEVEL") return `${value} (in effect: ${logLevel({ FANOUT_LOG_LEVEL: value })})`;
  return value;
}

/** `fanout config [--set k=v …] [--json]`: the settings a run would use and where each came from. */
export function configCommand(io: CliIo, pairs: string[], json: boolean, env: NodeJS.ProcessEnv = process.env): number {
  const settings = effectiveSettings(pairs, env).map((setting) => ({
    ...setting,
    // A value can only be secret by mistake (a key pasted into a setting); never echo it.
    value: typeof setting.value === "string" && looksSecret(setting.value, env) ? "(hidden: it looks like a secret)" : setting.value,
  }));
  const environment = Object.fromEntries(PROCESS_VARIABLES.map((name) => [name, shownVariable(name, env[name])]));
  if (json) {
    io.stdout.write(`${JSON.stringify({ settings, environment }, null, 2)}\n`);
    return EXIT.ok;
  }
  const width = Math.max(...settings.map((setting) => setting.key.length));
  for (const { key, value, origin, source } of settings) {
    const shown = value === "" ? "(empty)" : String(value);
    io.stdout.write(`${key.padEnd(width)}  ${shown}  (${origin === "default" ? "default" : `${origin}: ${source}`})\n`);
  }
  io.stdout.write("\n");
  for (const [name, value] of Object.entries(environment)) io.stdout.write(`${name.padEnd(width)}  ${value}\n`);
  return EXIT.ok;
}
