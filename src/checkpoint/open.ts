import { MemorySaver } from "@langchain/langgraph";
import { fenceWrites } from "./fence.js";
import { redactingSaver } from "./redact.js";
import { openSqlite } from "./sqlite.js";
import type { CheckpointOptions, OpenedCheckpointer } from "./types.js";

/**
 * Opens the checkpoint store: Postgres when a URI is given, else the SQLite file under `home`.
 * Fails fast with CheckpointConfigError (bad URI, unreachable server, unusable folder).
 * Every store writes through a serializer that redacts secrets from what it saves, and refuses
 * the saves of a run that has lost its thread's lease.
 */
export async function openCheckpointer(options: CheckpointOptions = {}): Promise<OpenedCheckpointer> {
  const opened = await openStore(options);
  fenceWrites(redactingSaver(opened.saver));
  return opened;
}

async function openStore(options: CheckpointOptions): Promise<OpenedCheckpointer> {
  if (options.kind === "memory") {
    return { saver: new MemorySaver(), kind: "memory", location: "memory", close: async () => {} };
  }
  if (options.postgresUri) {
    // pg and the Postgres saver load only when used: the embedded store starts without them.
    const { openPostgres } = await import("./postgres.js");
    return openPostgres(options.postgresUri, options.schema);
  }
  return openSqlite(options.home);
}
