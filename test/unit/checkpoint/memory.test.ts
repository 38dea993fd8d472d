import { test } from "node:test";
import assert from "node:assert/strict";
import { openCheckpointer } from "../../../src/checkpoint/open.js";
import { deleteThread, listThreads } from "../../../src/checkpoint/threads.js";
import { graphWithSubgraph, threadConfig, twoStepGraph } from "../../integration/checkpoint/helpers.js";

test("memory kind wins over other options and closes cleanly", async () => {
  const opened = await openCheckpointer({ kind: "memory", postgresUri: "postgres://u:p@127.0.0.1:1/d" });
  assert.equal(opened.kind, "memory");
  assert.equal(opened.location, "memory");
  await opened.close();
  await opened.close();
});

test("listThreads / deleteThread through list() on MemorySaver", async () => {
  const { saver } = await openCheckpointer({ kind: "memory" });
  const graph = twoStepGraph(saver);
  await graph.invoke({ messages: [] }, threadConfig("older"));
  await graph.invoke({ messages: [] }, threadConfig("newer"));
  await graphWithSubgraph(saver).invoke({ messages: [] }, threadConfig("nested"));

  const threads = await listThreads(saver);
  assert.deepEqual(
    threads.map((t) => t.thread_id),
    ["nested", "newer", "older"],
  );
  const older = threads[2];
  assert.equal(older.step, 2);
  assert.equal(older.metadata.source, "loop");
  assert.ok(older.created_at < older.updated_at);
  assert.deepEqual(
    (await listThreads(saver, { limit: 1 })).map((t) => t.thread_id),
    ["nested"],
  );

  assert.equal(await deleteThread(saver, "older"), true);
  assert.equal(await deleteThread(saver, "older"), false);
  assert.deepEqual(
    (await listThreads(saver)).map((t) => t.thread_id),
    ["nested", "newer"],
  );
});
