import pg from "pg";
import { WRITES_IDX_MAP } from "@langchain/langgraph-checkpoint";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { registerBackend } from "./backend.js";
import { fasterTypes } from "./postgres-bytea.js";
import { CheckpointConfigError } from "./errors.js";
import { refuseIfLeaseLost } from "./fence.js";
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
    types: fasterTypes,
  });
  // Without a listener an idle client dropped by the server would crash the process.
  pool.on("error", (error) => {
    console.warn(`fanout: Postgres connection to ${target.masked} lost (${error.message}); will reconnect`);
  });
  const saver = new RetryingPostgresSaver(pool, schema);
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

/** Postgres takes at most 65,535 parameters in one statement; a bigger save goes row by row, as PostgresSaver does it. */
const MAX_PARAMETERS = 65_535;

/**
 * PostgresSaver whose saves are each one statement, tried again after a deadlock or serialization
 * failure. PostgresSaver sends BEGIN, one INSERT per channel blob or write, then COMMIT: at 16 units
 * about 1,400 round trips a run, whose driver work was most of Fanout's CPU on Postgres. One
 * multi-row INSERT (the blobs in a WITH clause of the checkpoint's) is as atomic, with the same
 * ON CONFLICT rules; reads are PostgresSaver's own.
 */
export class RetryingPostgresSaver extends PostgresSaver {
  private readonly tables: { checkpoints: string; blobs: string; writes: string };

  constructor(
    private readonly connections: pg.Pool,
    schema: string,
  ) {
    super(connections, undefined, { schema });
    this.tables = { checkpoints: `"${schema}".checkpoints`, blobs: `"${schema}".checkpoint_blobs`, writes: `"${schema}".checkpoint_writes` };
  }

  override put(...args: Parameters<PostgresSaver["put"]>) {
    return retryTransient(args[0].configurable?.thread_id, () => this.putInOneStatement(...args));
  }

  override putWrites(...args: Parameters<PostgresSaver["putWrites"]>) {
    return retryTransient(args[0].configurable?.thread_id, () => this.putWritesInOneStatement(...args));
  }

  private async putInOneStatement(...[config, checkpoint, metadata, newVersions]: Parameters<PostgresSaver["put"]>) {
    if (config.configurable === undefined) throw new Error(`Missing "configurable" field in "config" param`);
    const { thread_id, checkpoint_ns = "", checkpoint_id } = config.configurable;
    const [blobs, storedMetadata] = await Promise.all([this._dumpBlobs(thread_id, checkpoint_ns, checkpoint.channel_values, newVersions), this._dumpMetadata(metadata)]);
    if ((blobs.length + 1) * 6 > MAX_PARAMETERS) return super.put(config, checkpoint, metadata, newVersions);
    const row = [thread_id, checkpoint_ns, checkpoint.id, checkpoint_id, this._dumpCheckpoint(checkpoint), storedMetadata];
    const insertCheckpoint = `INSERT INTO ${this.tables.checkpoints} (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata)
      VALUES ${placeholders(1, 6, blobs.length * 6)}
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id) DO UPDATE SET checkpoint = EXCLUDED.checkpoint, metadata = EXCLUDED.metadata`;
    const insertBlobs = `INSERT INTO ${this.tables.blobs} (thread_id, checkpoint_ns, channel, version, type, blob)
      VALUES ${placeholders(blobs.length, 6)}
      ON CONFLICT (thread_id, checkpoint_ns, channel, version) DO NOTHING`;
    await this.connections.query(blobs.length > 0 ? `WITH blobs AS (${insertBlobs}) ${insertCheckpoint}` : insertCheckpoint, [...blobs.flat(), ...row]);
    return { configurable: { thread_id, checkpoint_ns, checkpoint_id: checkpoint.id } };
  }

  private async putWritesInOneStatement(...[config, writes, taskId]: Parameters<PostgresSaver["putWrites"]>) {
    const { thread_id, checkpoint_ns, checkpoint_id } = config.configurable ?? {};
    // Writes to special channels (errors, interrupts…) replace an earlier one; others keep the first.
    const replace = writes.every(([channel]) => channel in WRITES_IDX_MAP);
    const dumped = await this._dumpWrites(thread_id, checkpoint_ns, checkpoint_id, taskId, writes);
    // One statement may not update a row twice: of writes with the same index, the last is kept, as saving them in turn would.
    const rows = replace ? [...new Map(dumped.map((row) => [row[4], row])).values()] : dumped;
    if (rows.length === 0) return;
    if (rows.length * 8 > MAX_PARAMETERS) return super.putWrites(config, writes, taskId);
    const onConflict = replace ? "DO UPDATE SET channel = EXCLUDED.channel, type = EXCLUDED.type, blob = EXCLUDED.blob" : "DO NOTHING";
    await this.connections.query(
      `INSERT INTO ${this.tables.writes} (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, type, blob)
      VALUES ${placeholders(rows.length, 8)}
      ON CONFLICT (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) ${onConflict}`,
      rows.flat(),
    );
  }
}

/** `($1, $2), ($3, $4)…`: `rows` rows of `width` parameters, numbered after `offset`. */
function placeholders(rows: number, width: number, offset = 0): string {
  return Array.from({ length: rows }, (_, r) => `(${Array.from({ length: width }, (_, c) => `$${offset + r * width + c + 1}`).join(", ")})`).join(", ");
}

/** Tries `save` again after a transient failure, unless the run lost the thread's lease meanwhile. */
async function retryTransient<T>(threadId: unknown, save: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    if (attempt > 1) refuseIfLeaseLost(threadId);
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
