import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteDb } from "../../../src/checkpoint/backend.js";
import { CheckpointConfigError } from "../../../src/checkpoint/errors.js";
import { openCheckpointer } from "../../../src/checkpoint/open.js";
import { deleteThread, listThreads, listThreadsViaList } from "../../../src/checkpoint/threads.js";
import { threadConfig, twoStepGraph, writeThreeThreads } from "./helpers.js";

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "fanout-ckpt-"));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe("sqlite checkpointer", () => {
  test("creates <home>/checkpoints.sqlite in a 0700 folder, WAL, synchronous NORMAL", async () => {
    const home = join(root, "nested", "home");
    const opened = await openCheckpointer({ home });
    try {
      assert.equal(opened.kind, "sqlite");
      assert.equal(opened.location, join(home, "checkpoints.sqlite"));
      assert.equal(statSync(home).mode & 0o777, 0o700);
      assert.equal(statSync(opened.location).mode & 0o777, 0o600);
      const db = (opened.saver as unknown as { db: SqliteDb }).db;
      assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
      assert.equal(db.pragma("synchronous", { simple: true }), 1); // 1 = NORMAL: see SQLITE_SYNCHRONOUS
    } finally {
      await opened.close();
      await opened.close();
    }
  });

  test("a run's state survives close and reopen", async () => {
    const home = join(root, "persist");
    const first = await openCheckpointer({ home });
    await twoStepGraph(first.saver).invoke({ messages: [] }, threadConfig("run-1"));
    await first.close();

    const second = await openCheckpointer({ home });
    try {
      const state = await twoStepGraph(second.saver).getState(threadConfig("run-1"));
      assert.deepEqual(
        state.values.messages.map((m: { content: unknown }) => m.content),
        ["plan", "write"],
      );
      assert.deepEqual(state.next, []);
      assert.equal(state.metadata?.step, 2);
    } finally {
      await second.close();
    }
  });

  test("listThreads (SQL) matches the list() walk; subgraph namespaces are not threads", async () => {
    const opened = await openCheckpointer({ home: join(root, "threads") });
    try {
      await writeThreeThreads(opened.saver);
      const threads = await listThreads(opened.saver);
      assert.deepEqual(
        threads.map((t) => t.thread_id),
        ["nested", "b", "a"],
      );
      assert.deepEqual(threads, await listThreadsViaList(opened.saver));
      const a = threads[2];
      assert.equal(a.step, 2);
      assert.equal(a.metadata.source, "loop");
      assert.ok(a.created_at < a.updated_at, `${a.created_at} < ${a.updated_at}`);
      assert.equal((await listThreads(opened.saver, { limit: 2 })).length, 2);
      assert.deepEqual(await listThreads(opened.saver, { threadId: "b" }), [threads[1]]);
      assert.deepEqual(await listThreads(opened.saver, { threadId: "none" }), []);

      // One thread's listing and deletion read no other thread's stored values: with "a" unreadable,
      // "b" still lists, and "a" can still be deleted.
      const db = (opened.saver as unknown as { db: SqliteDb }).db;
      db.prepare("UPDATE checkpoints SET metadata = 'not json', checkpoint = 'not json' WHERE thread_id = 'a'").run();
      await assert.rejects(listThreads(opened.saver));
      assert.deepEqual(await listThreads(opened.saver, { threadId: "b" }), [threads[1]]);
      assert.equal(await deleteThread(opened.saver, "a"), true);

      assert.equal(await deleteThread(opened.saver, "nested"), true);
      assert.equal(await deleteThread(opened.saver, "nested"), false);
      assert.deepEqual(
        (await listThreads(opened.saver)).map((t) => t.thread_id),
        ["b"],
      );
      assert.equal(await opened.saver.getTuple(threadConfig("nested")), undefined);
    } finally {
      await opened.close();
    }
  });

  test("an empty store lists no threads", async () => {
    const opened = await openCheckpointer({ home: join(root, "empty") });
    try {
      assert.deepEqual(await listThreads(opened.saver), []);
    } finally {
      await opened.close();
    }
  });

  test("FANOUT_HOME pointing at a file is a CheckpointConfigError", async () => {
    const file = join(root, "not-a-folder");
    writeFileSync(file, "x");
    await assert.rejects(openCheckpointer({ home: file }), (error: unknown) => {
      return error instanceof CheckpointConfigError && error.reason === "file-error" && error.message.includes(file);
    });
  });

  test("a file that is not SQLite is a CheckpointConfigError, not a crash mid-run", async () => {
    const home = join(root, "corrupt");
    const opened = await openCheckpointer({ home });
    await opened.close();
    writeFileSync(opened.location, "this is not a database ".repeat(200));
    rmSync(`${opened.location}-wal`, { force: true });
    rmSync(`${opened.location}-shm`, { force: true });
    await assert.rejects(openCheckpointer({ home }), (error: unknown) => {
      return error instanceof CheckpointConfigError && error.reason === "damaged" && /not a database/.test(error.message);
    });
  });
});
