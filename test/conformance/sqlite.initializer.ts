import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { CheckpointSaverTestInitializer } from "@langchain/langgraph-checkpoint-validation";
import { openCheckpointer } from "../../src/checkpoint/open.js";
import type { OpenedCheckpointer } from "../../src/checkpoint/types.js";

const live = new Map<BaseCheckpointSaver, { opened: OpenedCheckpointer; home: string }>();

/** Each checkpointer gets a fresh FANOUT_HOME, opened exactly as the app opens it. */
const initializer: CheckpointSaverTestInitializer<BaseCheckpointSaver> = {
  checkpointerName: "@langchain/langgraph-checkpoint-sqlite",
  async createCheckpointer() {
    const home = mkdtempSync(join(tmpdir(), "fanout-conformance-"));
    const opened = await openCheckpointer({ home });
    live.set(opened.saver, { opened, home });
    return opened.saver;
  },
  async destroyCheckpointer(saver) {
    const entry = live.get(saver);
    live.delete(saver);
    await entry?.opened.close();
    if (entry) rmSync(entry.home, { recursive: true, force: true });
  },
};

export default initializer;
