import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SqliteDb } from "../../../src/checkpoint/backend.js";
import { openCheckpointer } from "../../../src/checkpoint/open.js";
import { threadConfig } from "./helpers.js";

const CHILD = fileURLToPath(new URL("./fixtures/killed-mid-run.ts", import.meta.url));
const EXITING = fileURLToPath(new URL("./fixtures/exits-with-saves-queued.ts", import.meta.url));
const home = mkdtempSync(join(tmpdir(), "fanout-crash-"));
after(() => rmSync(home, { recursive: true, force: true }));

/**
 * The embedded store runs WAL with synchronous=NORMAL: commits are not fsynced, but each is in
 * the -wal file before the next step starts. A killed process must therefore lose no finished step.
 */
test("a SIGKILLed process loses no step it finished (WAL, synchronous=NORMAL, durability sync)", async () => {
  const child = spawnSync(process.execPath, ["--import", "tsx", CHILD], { env: { ...process.env, FANOUT_HOME: home, KILL_AT: "40" }, encoding: "utf8" });
  assert.equal(child.signal, "SIGKILL", child.stderr);
  assert.ok(statSync(join(home, "checkpoints.sqlite-wal")).size > 0, "the steps were still in the WAL, not yet copied to the database file");

  const opened = await openCheckpointer({ home });
  try {
    assert.equal((opened.saver as unknown as { db: SqliteDb }).db.pragma("synchronous", { simple: true }), 1); // 1 = NORMAL
    const saved = await opened.saver.getTuple(threadConfig("killed"));
    const messages = (saved?.checkpoint.channel_values.messages ?? []) as { content: string }[];
    assert.equal(messages.length, 39, "steps 1-39 finished before the kill in step 40");
    assert.equal(messages.at(-1)?.content, "step 39");
  } finally {
    await opened.close();
  }
});

test("a process that exits with saves queued for the next commit commits them first", async () => {
  const exiting = join(home, "exiting");
  const child = spawnSync(process.execPath, ["--import", "tsx", EXITING], { env: { ...process.env, FANOUT_HOME: exiting }, encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  const opened = await openCheckpointer({ home: exiting });
  try {
    const saved = await opened.saver.getTuple(threadConfig("exiting"));
    assert.deepEqual(saved?.pendingWrites, [["task", "notes", "queued at exit"]]);
  } finally {
    await opened.close();
  }
});
