import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { acquireThreadLease, heldThreadLeases, openCheckpointer, ThreadLeaseHeldError } from "../../../src/checkpoint/index.js";
import type { OpenedCheckpointer } from "../../../src/checkpoint/types.js";
import { backendOf, type SqliteDb } from "../../../src/checkpoint/backend.js";
import { dropSchema } from "../../support/postgres.js";

type Opener = { name: string; open: () => Promise<OpenedCheckpointer>; cleanUp: () => Promise<void> };

function openers(): Opener[] {
  const home = mkdtempSync(path.join(tmpdir(), "fanout-lease-"));
  const list: Opener[] = [
    { name: "memory", open: () => openCheckpointer({ kind: "memory" }), cleanUp: async () => {} },
    { name: "sqlite", open: () => openCheckpointer({ home }), cleanUp: async () => rmSync(home, { recursive: true, force: true }) },
  ];
  const uri = process.env.POSTGRES_URI;
  const schema = `fanout_lease_${process.pid}_${Date.now()}`;
  if (uri) list.push({ name: "postgres", open: () => openCheckpointer({ postgresUri: uri, schema }), cleanUp: () => dropSchema(uri, schema) });
  return list;
}

for (const opener of openers()) {
  describe(`thread leases (${opener.name})`, () => {
    after(() => opener.cleanUp());

    test("one holder at a time; others are refused at once, naming the thread; release frees it", async () => {
      const opened = await opener.open();
      try {
        const first = await acquireThreadLease(opened.saver, "t1");
        await assert.rejects(acquireThreadLease(opened.saver, "t1"), (error: unknown) => {
          assert.ok(error instanceof ThreadLeaseHeldError);
          assert.equal(error.threadId, "t1");
          assert.match(error.message, /^thread t1 is running in another process/);
          return true;
        });
        const other = await acquireThreadLease(opened.saver, "t2");
        assert.deepEqual([...(await heldThreadLeases(opened.saver, ["t1", "t2", "t3"]))].sort(), ["t1", "t2"]);
        await first.release();
        await first.release();
        assert.deepEqual([...(await heldThreadLeases(opened.saver, ["t1", "t2"]))], ["t2"]);
        const again = await acquireThreadLease(opened.saver, "t1");
        assert.equal(again.lost.aborted, false);
        await Promise.all([again.release(), other.release()]);
        assert.deepEqual([...(await heldThreadLeases(opened.saver, ["t1", "t2"]))], []);
      } finally {
        await opened.close();
      }
    });

    const ownStore = opener.name === "memory" && "a MemorySaver is a store of its own";
    test("two stores opened on the same place (two processes, in effect) exclude each other", { skip: ownStore }, async () => {
      const [a, b] = await Promise.all([opener.open(), opener.open()]);
      try {
        const lease = await acquireThreadLease(a.saver, "shared");
        await assert.rejects(acquireThreadLease(b.saver, "shared"), ThreadLeaseHeldError);
        assert.deepEqual([...(await heldThreadLeases(b.saver, ["shared"]))], ["shared"]);
        await lease.release();
        await (await acquireThreadLease(b.saver, "shared")).release();
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });
}

describe("SQLite leases: taking over what a holder left", () => {
  const home = mkdtempSync(path.join(tmpdir(), "fanout-lease-"));
  after(() => rmSync(home, { recursive: true, force: true }));

  const leaseRow = (db: SqliteDb, threadId: string, pid: number, host: string, expiresAt: number) =>
    db
      .prepare("INSERT OR REPLACE INTO fanout_thread_leases (thread_id, owner, pid, host, acquired_at, expires_at) VALUES (?, 'someone', ?, ?, ?, ?)")
      .run(threadId, pid, host, new Date().toISOString(), expiresAt);

  test("a lease of a process gone from this host is taken over at once; another host's waits for its expiry", async () => {
    const opened = await openCheckpointer({ home });
    const backend = backendOf(opened.saver);
    assert.equal(backend?.kind, "sqlite");
    const db = (backend as { db: SqliteDb }).db;
    try {
      await (await acquireThreadLease(opened.saver, "warm-up")).release(); // creates the table
      const gone = spawnSync(process.execPath, ["-e", ""]).pid!;
      const later = Date.now() + 60_000;
      leaseRow(db, "dead-holder", gone, hostname(), later);
      leaseRow(db, "other-host", process.pid, "elsewhere", later);
      leaseRow(db, "expired", process.pid, "elsewhere", Date.now() - 1);
      leaseRow(db, "alive-here", process.ppid, hostname(), later);

      assert.deepEqual([...(await heldThreadLeases(opened.saver, ["dead-holder", "other-host", "expired", "alive-here"]))].sort(), ["alive-here", "other-host"]);
      await (await acquireThreadLease(opened.saver, "dead-holder")).release();
      await (await acquireThreadLease(opened.saver, "expired")).release();
      await assert.rejects(acquireThreadLease(opened.saver, "other-host"), /thread other-host is running in another process \(pid \d+ on elsewhere since /);
      await assert.rejects(acquireThreadLease(opened.saver, "alive-here"), ThreadLeaseHeldError);
    } finally {
      await opened.close();
    }
  });

  test("a leftover of this thread (its release never landed) is taken over at once, even one taken since the process started", async () => {
    const opened = await openCheckpointer({ home });
    const db = (backendOf(opened.saver) as { db: SqliteDb }).db;
    try {
      const lease = await acquireThreadLease(opened.saver, "left-here");
      const { owner } = db.prepare("SELECT owner FROM fanout_thread_leases WHERE thread_id = ?").get("left-here") as { owner: string };
      await lease.release();
      // As if the release's DELETE had failed: the row is back, with this thread's owner and a fresh time.
      db.prepare("INSERT INTO fanout_thread_leases (thread_id, owner, pid, host, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)").run(
        "left-here",
        owner,
        process.pid,
        hostname(),
        new Date().toISOString(),
        Date.now() + 60_000,
      );
      await (await acquireThreadLease(opened.saver, "left-here")).release();
    } finally {
      await opened.close();
    }
  });

  test("the holder renews its lease, and is told when it lost it anyway", async () => {
    const opened = await openCheckpointer({ home });
    const db = (backendOf(opened.saver) as { db: SqliteDb }).db;
    try {
      const lease = await acquireThreadLease(opened.saver, "renewed", { ttlMs: 300, heartbeatMs: 50 });
      await sleep(600);
      assert.deepEqual([...(await heldThreadLeases(opened.saver, ["renewed"]))], ["renewed"], "renewed past its first expiry");
      assert.equal(lease.lost.aborted, false);
      leaseRow(db, "renewed", process.ppid, hostname(), Date.now() + 60_000); // another process took it over
      await sleep(200);
      assert.equal(lease.lost.aborted, true);
      assert.match(String(lease.lost.reason), /lost the lease on thread renewed/);
      await lease.release();
      assert.deepEqual([...(await heldThreadLeases(opened.saver, ["renewed"]))], ["renewed"], "releasing a lost lease leaves the new holder's");
    } finally {
      await opened.close();
    }
  });
});

describe("SQLite leases across the threads of one process (the server's workers)", () => {
  const home = mkdtempSync(path.join(tmpdir(), "fanout-lease-threads-"));
  after(() => rmSync(home, { recursive: true, force: true }));

  /** A worker thread with its own connection to the store, trying to take the thread's lease. */
  const holder = (threadId: string) => {
    // Node 20 loads a worker's entry before --import hooks run in it: register tsx first.
    const entry = JSON.stringify(new URL("./fixtures/leaseWorker.ts", import.meta.url).href);
    const worker = new Worker(`import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${entry}); })`, { eval: true, workerData: { home, threadId } });
    const answer = new Promise<string>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    return { worker, answer };
  };

  test("two workers cannot both hold one thread: same pid, different holders", async () => {
    const first = holder("shared-thread");
    assert.equal(await first.answer, "took it");
    const second = holder("shared-thread");
    assert.match(await second.answer, /^refused: thread shared-thread is running in another process \(pid \d+/);
    await new Promise((resolve) => second.worker.once("exit", resolve));
    const exited = new Promise((resolve) => first.worker.once("exit", resolve));
    first.worker.postMessage("release");
    await exited;
    const third = holder("shared-thread");
    assert.equal(await third.answer, "took it", "released, it can be taken again");
    third.worker.postMessage("release");
    await new Promise((resolve) => third.worker.once("exit", resolve));
  });
});

describe("Postgres leases: the lock lives and dies with its connection", { skip: !process.env.POSTGRES_URI && "POSTGRES_URI is not set" }, () => {
  const uri = process.env.POSTGRES_URI!;
  const schema = `fanout_lease_conn_${process.pid}_${Date.now()}`;
  after(() => dropSchema(uri, schema));

  test("a dropped lease connection frees the thread and tells the holder", async () => {
    const opened = await openCheckpointer({ postgresUri: uri, schema });
    const admin = new pg.Client({ connectionString: uri });
    await admin.connect();
    try {
      const lease = await acquireThreadLease(opened.saver, "dropped");
      const { rowCount } = await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [
        `fanout-lease pid ${process.pid} on ${hostname()}`.slice(0, 63),
      ]);
      assert.equal(rowCount, 1);
      for (let i = 0; i < 50 && !lease.lost.aborted; i += 1) await sleep(20);
      assert.equal(lease.lost.aborted, true);
      assert.match(String(lease.lost.reason), /lost the lease on thread dropped/);
      await (await acquireThreadLease(opened.saver, "dropped")).release();
      await lease.release();
    } finally {
      await admin.end();
      await opened.close();
    }
  });
});
