import type { BaseCheckpointSaver } from "@langchain/langgraph";

/**
 * Same shape as CheckpointSaverTestInitializer from @langchain/langgraph-checkpoint-validation,
 * declared here so these files typecheck whether or not that package is installed.
 */
export interface CheckpointerTestInitializer {
  /** The suite skips known-unsupported cases by this name, so use the upstream package name. */
  checkpointerName: string;
  beforeAll?(): void | Promise<void>;
  beforeAllTimeout?: number;
  afterAll?(): void | Promise<void>;
  createCheckpointer(): BaseCheckpointSaver | Promise<BaseCheckpointSaver>;
  destroyCheckpointer?(checkpointer: BaseCheckpointSaver): void | Promise<void>;
}
