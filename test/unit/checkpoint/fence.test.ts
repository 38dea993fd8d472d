import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { emptyCheckpoint, type BaseCheckpointSaver } from "@langchain/langgraph";
import pg from "pg";
import { LeaseLostError, openCheckpointer, runUnderLease, type ThreadLease } from "../../../src/checkpoint/index.js";
import { dropSchema } from "../../support/postgres.js";

const METADATA = { source: "input", step: -1, parents: {} } as const;

function leaseOn(threadId: string): ThreadLease & { lose(): void } {
  const lost = new AbortController();
  return { threadId, lost: lost.signal, release: async () => {}, lose: () => lost.abort(new Error("connection closed")) };
}

function save(saver: BaseCheckpointSaver, threadId: string) {
  return saver.put({ configurable: { thread_id: threadId, checkpoint_ns: "" } }, emptyCheckpoint(), METADATA, {});
}

describe("saves are fenced by the run's lease", () => {
  test("a run that lost its lease cannot save to that thread; other threads and saves outside a lease pass", async () => {
    const { saver } = await openCheckpointer({ kind: "memory" });
    const lease = leaseOn("t1");
    await runUnderLease(lease, () => save(saver, "t1"));
    lease.lose();
    // The scope is inherited by whatever the run started before the loss, e.g. a step still running.
    await assert.rejects(
      runUnderLease(lease, async () => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        return save(saver, "t1");
      }),
      (error: unknown) => error instanceof LeaseLostError && /lost the thread's lease/.test(error.message),
    );
    await assert.rejects(
      runUnderLease(lease, () => saver.putWrites({ configurable: { thread_id: "t1", checkpoint_ns: "", checkpoint_id: "x" } }, [["a", 1]], "task")),
      LeaseLostError,
    );
    await runUnderLease(lease, () => save(saver, "t2"));
    await save(saver, "t1");
    assert.equal([...(await collect(saver.list({ configurable: { thread_id: "t1" } })))].length, 2, "the refused save stored nothing");
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe("Postgres saves after a deadlock", { skip: !process.env.POSTGRES_URI && "POSTGRES_URI is not set" }, () => {
  const uri = process.env.POSTGRES_URI!;
  const schema = `fanout_fence_${process.pid}_${Date.now()}`;
  after(() => dropSchema(uri, schema));

  test("a save that Postgres aborts as a deadlock victim is tried again and lands", async () => {
    const store = await openCheckpointer({ postgresUri: uri, schema });
    const other = new pg.Client({ connectionString: uri });
    await other.connect();
    try {
      const blob = (channel: string) =>
        other.query(`INSERT INTO "${schema}".checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob) VALUES ('t', '', $1, '1', 'json', '\\x7b7d')`, [
          channel,
        ]);
      // The other transaction holds b; the save writes a then waits for b; the other then waits for a.
      await other.query("BEGIN");
      await blob("b");
      const checkpoint = { ...emptyCheckpoint(), channel_values: { a: "x", b: "y" }, channel_versions: { a: "1", b: "1" } };
      const saving = store.saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, checkpoint, METADATA, { a: "1", b: "1" });
      await new Promise((resolve) => setTimeout(resolve, 200));
      const otherFinished = blob("a").then(() => other.query("COMMIT"));
      await saving;
      await otherFinished;
      const stored = await store.saver.getTuple({ configurable: { thread_id: "t", checkpoint_ns: "" } });
      assert.equal(stored?.checkpoint.id, checkpoint.id);
    } finally {
      await other.end();
      await store.close();
    }
  });
});
