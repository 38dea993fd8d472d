import pg from "pg";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { registerBackend } from "./backend.js";
import { CheckpointConfigError } from "./errors.js";
import { describePgError } from "./postgres-errors.js";
import { parsePostgresUri, type PostgresTarget } from "./postgres-uri.js";
import type { OpenedCheckpointer } from "./types.js";

/** Connecting plus table setup must fail within 5 s, so a typo'd URI never looks like a hang. */
const CONNECT_TIMEOUT_MS = 3_000;
const SETUP_DEADLINE_MS = 4_500;
/** Later reconnects (after a server restart) also give up instead of hanging a run. */
const RUN_CONNECT_TIMEOUT_MS = 10_000;

export const DEFAULT_PG_SCHEMA = "public";

/** Opens PostgresSaver over a pg Pool, creating the schema and tables first. */
export async function openPostgres(uri: string, schema = DEFAULT_PG_SCHEMA): Promise<OpenedCheckpointer> {
  const target = parsePostgresUri(uri);
  checkSchemaName(schema);
  await withDeadline(setUp(uri, schema, target), SETUP_DEADLINE_MS, target);

  const pool = new pg.Pool({
    connectionString: uri,
    connectionTimeoutMillis: RUN_CONNECT_TIMEOUT_MS,
    application_name: "fanout",
    allowExitOnIdle: true,
  });
  // Without a listener an idle client dropped by the server would crash the process.
  pool.on("error", (error) => {
    console.warn(`fanout: Postgres connection to ${target.masked} lost (${error.message}); will reconnect`);
  });
  const saver = new RetryingPostgresSaver(pool, undefined, { schema });
  registerBackend(saver, { kind: "postgres", pool, schema });
  return { saver, kind: "postgres", location: `${target.masked} (schema ${schema})`, close: once(() => pool.end()) };
}

/**
 * Postgres answers two transactions that lock the same rows in opposite orders (two savers writing
 * one thread's blobs: a run winding down and the next one) by aborting one with "deadlock detected"
 * or, under stricter isolation, a serialization failure. The saver rolled that transaction back
 * whole, so it is safe to try again; both codes are transient by the server's own definition.
 */
const TRANSIENT_CODES = new Set(["40P01", "40001"]);
const SAVE_ATTEMPTS = 4;

/** PostgresSaver whose saves are tried again after a deadlock or serialization failure. */
export class RetryingPostgresSaver extends PostgresSaver {
  override put(...args: Parameters<PostgresSaver["put"]>) {
    return retryTransient(() => super.put(...args));
  }

  override putWrites(...args: Parameters<PostgresSaver["putWrites"]>) {
    return retryTransient(() => super.putWrites(...args));
  }
}

async function retryTransient<T>(save: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await save();
    } catch (error) {
      if (attempt >= SAVE_ATTEMPTS || !TRANSIENT_CODES.has(String((error as { code?: unknown }).code))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt + Math.random() * 30));
    }
  }
}

/** The saver quotes the schema into its SQL as "name", so only plain identifiers are allowed. */
function checkSchemaName(schema: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new CheckpointConfigError("bad-schema", `FANOUT_PG_SCHEMA must be a plain identifier (letters, digits, _; at most 63 characters), got "${schema}"`);
  }
}

/**
 * Runs the saver's migrations on a one-connection pool with short timeouts. The advisory lock lives on
 * that single session, so two processes starting at once don't race on CREATE TABLE / migration rows.
 */
async function setUp(uri: string, schema: string, target: PostgresTarget): Promise<void> {
  const pool = new pg.Pool({
    connectionString: uri,
    max: 1,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: SETUP_DEADLINE_MS - 500,
    application_name: "fanout-setup",
  });
  pool.on("error", () => {}); // setup errors surface through the awaited queries
  try {
    await pool.query("SELECT pg_advisory_lock(hashtext($1))", [`fanout.checkpoint-setup.${schema}`]);
    await new PostgresSaver(pool, undefined, { schema }).setup();
  } catch (error) {
    throw describePgError(error, target, CONNECT_TIMEOUT_MS);
  } finally {
    // Ending the session also releases the advisory lock.
    await pool.end().catch(() => {});
  }
}

/** Backstop over the driver timeouts (DNS and TLS stalls are not all covered by them). */
async function withDeadline(work: Promise<void>, ms: number, target: PostgresTarget): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new CheckpointConfigError("timeout", `Cannot open Postgres checkpoints at ${target.masked}: no answer from ${target.host}:${target.port} within ${ms} ms`));
    }, ms);
    timer.unref();
  });
  work.catch(() => {}); // if the deadline wins, the late failure must not become an unhandled rejection
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}
