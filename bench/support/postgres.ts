import pg from "pg";
import { parsePostgresUri } from "../../src/checkpoint/postgres-uri.js";

/** The local test server the project's docs name; POSTGRES_URI overrides it. */
export const DEFAULT_POSTGRES_URI = "postgres://postgres@127.0.0.1:5432/test";

/** `uri` when the server answered; otherwise `reason` says why not. */
export type PostgresTarget = { uri?: string; reason?: string };

/** A Postgres URI that answered a query just now, or why there is none (benches then skip it). */
export async function reachablePostgres(): Promise<PostgresTarget> {
  const uri = process.env.POSTGRES_URI?.trim() || DEFAULT_POSTGRES_URI;
  const client = new pg.Client({ connectionString: uri, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { uri };
  } catch (error) {
    return { uri: undefined, reason: `Postgres at ${redact(uri)} unreachable (${error instanceof Error ? error.message : String(error)})` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URI without its password, for notes in the docs. */
export function redact(uri: string): string {
  return parsePostgresUri(uri).masked;
}

export { dropSchema } from "../../test/support/postgres.js";
