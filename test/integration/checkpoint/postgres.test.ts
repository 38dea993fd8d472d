import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { emptyCheckpoint } from "@langchain/langgraph";
import { CheckpointConfigError } from "../../../src/checkpoint/errors.js";
import { openCheckpointer } from "../../../src/checkpoint/open.js";
import { deleteThread, listThreads, listThreadsViaList } from "../../../src/checkpoint/threads.js";
import { dropSchema, threadConfig, twoStepGraph, uniqueSchema, variantUri, writeThreeThreads } from "./helpers.js";

const uri = process.env.POSTGRES_URI;
const skip = uri ? false : "POSTGRES_URI not set";

describe("postgres checkpointer", { skip }, () => {
  const postgresUri = uri ?? "";
  const schema = uniqueSchema();
  after(async () => {
    if (uri) await dropSchema(postgresUri, schema);
  });

  test("opens, creates the schema and its tables, closes twice", async () => {
    const opened = await openCheckpointer({ postgresUri, schema });
    try {
      assert.equal(opened.kind, "postgres");
      assert.ok(opened.location.includes(`(schema ${schema})`), opened.location);
      const client = new pg.Client({ connectionString: postgresUri });
      await client.connect();
      const { rows } = await client
        .query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1", [schema])
        .finally(() => client.end());
      assert.deepEqual(
        rows.map((r) => r.table_name),
        ["checkpoint_blobs", "checkpoint_migrations", "checkpoint_writes", "checkpoints"],
      );
    } finally {
      await opened.close();
      await opened.close();
    }
  });

  test("a run's state survives close and reopen", async () => {
    const first = await openCheckpointer({ postgresUri, schema });
    await twoStepGraph(first.saver).invoke({ messages: [] }, threadConfig("persist"));
    await first.close();
    const second = await openCheckpointer({ postgresUri, schema });
    try {
      const state = await twoStepGraph(second.saver).getState(threadConfig("persist"));
      assert.deepEqual(
        state.values.messages.map((m: { content: unknown }) => m.content),
        ["plan", "write"],
      );
      assert.equal(state.metadata?.step, 2);
    } finally {
      await second.close();
    }
  });

  test("three processes opening a fresh schema at once do not trip over the migrations", async () => {
    const fresh = uniqueSchema() + "_race";
    try {
      const opened = await Promise.all([1, 2, 3].map(() => openCheckpointer({ postgresUri, schema: fresh })));
      await Promise.all(opened.map((o) => o.close()));
    } finally {
      await dropSchema(postgresUri, fresh);
    }
  });

  test("listThreads (SQL) matches the list() walk; deleteThread removes one thread", async () => {
    const threadsSchema = schema + "_threads";
    const opened = await openCheckpointer({ postgresUri, schema: threadsSchema });
    try {
      await writeThreeThreads(opened.saver);
      const threads = await listThreads(opened.saver);
      assert.deepEqual(
        threads.map((t) => t.thread_id),
        ["nested", "b", "a"],
      );
      assert.deepEqual(threads, await listThreadsViaList(opened.saver));
      assert.equal(threads[2].step, 2);
      assert.ok(threads[2].created_at < threads[2].updated_at);
      assert.deepEqual(await listThreads(opened.saver, { threadId: "b" }), [threads[1]]);
      assert.deepEqual(await listThreads(opened.saver, { threadId: "none" }), []);

      assert.equal(await deleteThread(opened.saver, "a"), true);
      assert.equal(await deleteThread(opened.saver, "a"), false);
      assert.deepEqual(
        (await listThreads(opened.saver)).map((t) => t.thread_id),
        ["nested", "b"],
      );
    } finally {
      await opened.close();
      await dropSchema(postgresUri, threadsSchema);
    }
  });

  test("a checkpoint with its channels, and a task's writes, are each saved in one statement", async () => {
    const opened = await openCheckpointer({ postgresUri, schema });
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      sent.push(
        String(typeof args[0] === "string" ? args[0] : (args[0] as { text?: string }).text)
          .trim()
          .split(/\s+/)[0],
      );
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      const checkpoint = { ...emptyCheckpoint(), channel_values: { a: [1], b: "two", c: { three: 3 } }, channel_versions: { a: 1, b: 1, c: 1 } };
      const saved = await opened.saver.put(
        { configurable: { thread_id: "one-statement", checkpoint_ns: "" } },
        checkpoint,
        { source: "loop", step: 0, parents: {} },
        { a: 1, b: 1, c: 1 },
      );
      const afterPut = sent.length;
      await opened.saver.putWrites(
        saved,
        [
          ["a", [4]],
          ["b", "five"],
          ["c", { six: 6 }],
        ],
        "task-1",
      );
      assert.deepEqual([afterPut, sent.length - afterPut], [1, 1], `statements sent: ${sent.join(", ")}`);
      const tuple = await opened.saver.getTuple(saved);
      assert.deepEqual(tuple?.checkpoint.channel_values, { a: [1], b: "two", c: { three: 3 } });
      assert.deepEqual(
        tuple?.pendingWrites?.map(([, channel, value]) => [channel, value]),
        [
          ["a", [4]],
          ["b", "five"],
          ["c", { six: 6 }],
        ],
      );
    } finally {
      pg.Client.prototype.query = query;
      await opened.close();
    }
  });

  for (const [name, change, reason, mentions] of [
    ["wrong database", { database: `no_such_db_${process.pid}` }, "no-database", `no_such_db_${process.pid}`],
    ["unknown role", { user: `no_such_role_${process.pid}` }, "auth-failed", `no_such_role_${process.pid}`],
  ] as const) {
    test(`${name}: CheckpointConfigError within 5 s, host named, password masked`, async () => {
      const bad = variantUri(postgresUri, { ...change, password: "s3cret" });
      const started = Date.now();
      await assert.rejects(openCheckpointer({ postgresUri: bad, schema }), (error: unknown) => {
        assert.ok(error instanceof CheckpointConfigError, String(error));
        assert.equal(error.reason, reason, error.message);
        assert.ok(error.message.includes(mentions), error.message);
        assert.ok(error.message.includes(`${new URL(bad).hostname}:`), error.message);
        assert.ok(error.message.includes(":***@"), error.message);
        assert.ok(!error.message.includes("s3cret"), error.message);
        return true;
      });
      assert.ok(Date.now() - started < 5_000);
    });
  }
});
