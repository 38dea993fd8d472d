import type { CheckpointOptions } from "./types.js";

/** Maps POSTGRES_URI, FANOUT_HOME and FANOUT_PG_SCHEMA to options; blank values count as unset. */
export function checkpointOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): CheckpointOptions {
  const options: CheckpointOptions = {};
  const postgresUri = nonBlank(env.POSTGRES_URI);
  const home = nonBlank(env.FANOUT_HOME);
  const schema = nonBlank(env.FANOUT_PG_SCHEMA);
  if (postgresUri) options.postgresUri = postgresUri;
  if (home) options.home = home;
  if (schema) options.schema = schema;
  return options;
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
