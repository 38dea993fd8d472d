import type { BaseCheckpointSaver } from "@langchain/langgraph";

export type CheckpointerKind = "postgres" | "sqlite" | "memory";

/** What `openCheckpointer` takes; see `checkpointOptionsFromEnv` for the env mapping. */
export interface CheckpointOptions {
  /** postgres:// URI; when set, checkpoints go to Postgres. */
  postgresUri?: string;
  /** Folder for the embedded SQLite file (default ~/.fanout). */
  home?: string;
  /** Postgres schema holding the checkpoint tables (default "public"). */
  schema?: string;
  /** Force the in-memory saver (unit tests only). */
  kind?: "memory";
}

export interface OpenedCheckpointer {
  saver: BaseCheckpointSaver;
  kind: CheckpointerKind;
  /** Where checkpoints live, safe to print: masked URI or file path. */
  location: string;
  /** Releases the pool or file handle; safe to call twice. */
  close(): Promise<void>;
}
