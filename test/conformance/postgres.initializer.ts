import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { CheckpointSaverTestInitializer } from "@langchain/langgraph-checkpoint-validation";
import { dropSchema } from "../support/postgres.js";
import { openCheckpointer } from "../../src/checkpoint/open.js";
import type { OpenedCheckpointer } from "../../src/checkpoint/types.js";

const live = new Map<BaseCheckpointSaver, { opened: OpenedCheckpointer; schema: string }>();
let counter = 0;

function uri(): string {
  const value = process.env.POSTGRES_URI;
  if (!value) throw new Error("POSTGRES_URI not set");
  return value;
}

/** Each checkpointer gets its own schema (the suite needs isolated storage), dropped afterwards. */
const initializer: CheckpointSaverTestInitializer<BaseCheckpointSaver> = {
  checkpointerName: "@langchain/langgraph-checkpoint-postgres",
  async createCheckpointer() {
    counter += 1;
    const schema = `fanout_conformance_${process.pid}_${counter}`;
    const opened = await openCheckpointer({ postgresUri: uri(), schema });
    live.set(opened.saver, { opened, schema });
    return opened.saver;
  },
  async destroyCheckpointer(saver) {
    const entry = live.get(saver);
    live.delete(saver);
    if (!entry) return;
    await entry.opened.close();
    await dropSchema(uri(), entry.schema);
  },
};

export default initializer;
