import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import {
  DeltaValue,
  END,
  MessagesDeltaValue,
  Send,
  START,
  StateGraph,
  StateSchema,
  emptyCheckpoint,
  type BaseCheckpointSaver,
  type CheckpointTuple,
} from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { z } from "zod";
import { LeanSqliteSaver } from "../../../src/checkpoint/sqlite-saver.js";

/** A fresh database file, removed after `body`. */
async function withStore(body: (file: string) => Promise<void>): Promise<void> {
  const folder = mkdtempSync(join(tmpdir(), "fanout-sqlite-saver-"));
  try {
    await body(join(folder, "checkpoints.sqlite"));
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** Counts the statements `db` prepares and each statement's executions, by its SQL's first words. */
function countStatements(db: Database.Database) {
  const counts = { prepared: 0, executed: 0, bySql: new Map<string, number>() };
  const prepare = db.prepare.bind(db);
  db.prepare = ((sql: string) => {
    counts.prepared += 1;
    const statement = prepare(sql);
    const key = sql.replace(/\s+/g, " ").trim().split(" ").slice(0, 5).join(" ");
    for (const method of ["run", "get", "all"] as const) {
      const original = statement[method].bind(statement) as (...params: unknown[]) => unknown;
      (statement as unknown as Record<string, unknown>)[method] = (...params: unknown[]) => {
        counts.executed += 1;
        counts.bySql.set(key, (counts.bySql.get(key) ?? 0) + 1);
        return original(...params);
      };
    }
    return statement;
  }) as typeof db.prepare;
  return counts;
}

/** A graph like Fanout's: delta conversations and notes, a fan-out by Send, a plain field. */
const State = new StateSchema({
  messages: MessagesDeltaValue,
  notes: new DeltaValue(
    z.array(z.string()).default(() => []),
    { inputSchema: z.union([z.array(z.string()), z.string()]), reducer: (current: string[], writes: (string[] | string)[]) => current.concat(...writes) },
  ),
  topic: z.string().default(""),
  report: z.string().default(""),
});

function researchGraph(saver: BaseCheckpointSaver, round: string) {
  return new StateGraph(State)
    .addNode("plan", () => ({ messages: [new AIMessage({ content: `plan ${round}`, id: `plan-${round}` })] }))
    .addNode("unit", (state: { topic: string }) => ({ notes: `note on ${state.topic}`, messages: [new AIMessage({ content: `found ${state.topic}` })] }))
    .addNode("write_report", (state: { notes: string[] }) => ({ report: state.notes.join("; ") }))
    .addEdge(START, "plan")
    .addConditionalEdges("plan", () => ["a", "b", "c"].map((topic) => new Send("unit", { topic: `${round}-${topic}` })))
    .addEdge("unit", "write_report")
    .addEdge("write_report", END)
    .compile({ checkpointer: saver });
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** What getTuple returned, with messages as their plain fields (instances differ between loads). */
function comparable(tuple: CheckpointTuple | undefined): unknown {
  return JSON.parse(JSON.stringify(tuple ?? null));
}

describe("LeanSqliteSaver", () => {
  test("a thread saved by SqliteSaver loads the same, and goes on growing", async () => {
    await withStore(async (file) => {
      const config = { configurable: { thread_id: "saved-by-upstream" } };
      const upstreamDb = new Database(file);
      const upstream = new SqliteSaver(upstreamDb);
      await researchGraph(upstream, "one").invoke({ messages: [new HumanMessage("question")] }, { ...config, durability: "sync" });

      const leanDb = new Database(file);
      const lean = new LeanSqliteSaver(leanDb);
      const history = await collect(upstream.list(config));
      assert.ok(history.length >= 4, "the run saved several checkpoints");
      for (const saved of history) {
        assert.deepEqual(comparable(await lean.getTuple(saved.config)), comparable(await upstream.getTuple(saved.config)));
      }
      assert.deepEqual(comparable(await lean.getTuple(config)), comparable(await upstream.getTuple(config)));

      const state = await researchGraph(lean, "two").getState(config);
      assert.deepEqual(state.values.notes.toSorted(), ["note on one-a", "note on one-b", "note on one-c"]);
      assert.equal(state.values.messages.length, 5);

      await researchGraph(lean, "two").invoke({ messages: [new HumanMessage("and more")] }, { ...config, durability: "sync" });
      const grown = await researchGraph(upstream, "two").getState(config);
      assert.equal(grown.values.notes.length, 6, "SqliteSaver reads what LeanSqliteSaver added");
      assert.equal(grown.values.messages.length, 10);
      assert.match(grown.values.report, /note on two-a/);
      upstreamDb.close();
      leanDb.close();
    });
  });

  test("stores the same rows, byte for byte, as SqliteSaver", async () => {
    const tables = async (saver: BaseCheckpointSaver, db: Database.Database) => {
      const checkpoint = emptyCheckpoint();
      checkpoint.id = "1ef00000-0000-6000-8000-000000000001";
      checkpoint.ts = "2026-01-01T00:00:00.000Z";
      checkpoint.channel_values = { messages: [new AIMessage({ content: "stored é €", id: "m1" })], topic: "t" };
      checkpoint.channel_versions = { messages: 2, topic: 1 };
      checkpoint.versions_seen = { plan: { topic: 1 } };
      const saved = await saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, checkpoint, { source: "loop", step: 1, parents: {} }, {});
      await saver.putWrites(
        saved,
        [
          ["messages", new AIMessage({ content: "w", id: "m2" })],
          ["topic", "next"],
          ["raw", new Uint8Array([0, 255, 7])],
        ],
        "task-b",
      );
      await saver.putWrites(saved, [["__error__", { message: "first", name: "Error" }]], "task-a");
      await saver.putWrites(saved, [["__error__", { message: "replaced", name: "Error" }]], "task-a");
      await saver.putWrites(saved, [["topic", "ignored: first write kept"]], "task-b");
      return ["checkpoints", "writes"].map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4, 5`).all());
    };
    const upstreamDb = new Database(":memory:");
    const leanDb = new Database(":memory:");
    assert.deepEqual(await tables(new LeanSqliteSaver(leanDb), leanDb), await tables(new SqliteSaver(upstreamDb), upstreamDb));
    // Raw bytes come back as stored (SqliteSaver's reads cast them to text, which mangles bytes that are not UTF-8).
    const tuple = await new LeanSqliteSaver(leanDb).getTuple({ configurable: { thread_id: "t", checkpoint_ns: "" } });
    assert.deepEqual(
      tuple?.pendingWrites?.map(([task, channel, value]) => [task, channel, value instanceof Uint8Array ? [...value] : value]),
      [
        ["task-a", "__error__", { message: "replaced", name: "Error" }],
        ["task-b", "messages", new AIMessage({ content: "w", id: "m2" })],
        ["task-b", "topic", "next"],
        ["task-b", "raw", [0, 255, 7]],
      ],
    );
  });

  test("prepares its statements once; a step's writes are one statement, a read two", async () => {
    const db = new Database(":memory:");
    const counts = countStatements(db);
    const saver = new LeanSqliteSaver(db);
    saver.setup();
    const preparedInSetup = counts.prepared;
    let config = { configurable: { thread_id: "t", checkpoint_ns: "" } } as Parameters<BaseCheckpointSaver["put"]>[0];
    for (let step = 0; step < 20; step += 1) {
      const checkpoint = { ...emptyCheckpoint(), id: `1ef00000-0000-6000-8000-${String(step).padStart(12, "0")}` };
      config = await saver.put(config, checkpoint, { source: "loop", step, parents: {} });
      const writes = Array.from({ length: 4 }, (_, i) => [`channel-${i}`, `value ${step}.${i}`] as [string, unknown]);
      await saver.putWrites(config, writes, `task-${step}`);
    }
    const tuple = await saver.getTuple({ configurable: { thread_id: "t", checkpoint_ns: "" } });
    assert.equal(tuple?.pendingWrites?.length, 4);

    // One INSERT statement prepared for four-row writes, none for the checkpoints or reads (prepared in setup).
    assert.equal(counts.prepared - preparedInSetup, 1);
    assert.deepEqual(Object.fromEntries(counts.bySql), {
      "INSERT OR REPLACE INTO checkpoints": 20,
      "INSERT OR IGNORE INTO writes": 20,
      "SELECT checkpoint_id, parent_checkpoint_id, type, checkpoint,": 1,
      "SELECT task_id, channel, type, value": 1,
    });
    assert.equal((db.prepare("SELECT count(*) AS n FROM writes").get() as { n: number }).n, 80);
  });

  test("a save of more writes than one INSERT takes lands whole, in order", async () => {
    const db = new Database(":memory:");
    const saver = new LeanSqliteSaver(db);
    const config = await saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, emptyCheckpoint(), { source: "loop", step: 0, parents: {} });
    const writes = Array.from({ length: 150 }, (_, i) => ["notes", `note ${i}`] as [string, unknown]);
    await saver.putWrites(config, writes, "task");
    const tuple = await saver.getTuple(config);
    assert.deepEqual(
      tuple?.pendingWrites?.map(([, , value]) => value),
      writes.map(([, value]) => value),
    );
  });

  test("saves made in one turn of the event loop are committed together, each resolving once it is on disk", async () => {
    await withStore(async (file) => {
      const saver = new LeanSqliteSaver(new Database(file));
      const root = { configurable: { thread_id: "t", checkpoint_ns: "" } };
      const config = await saver.put(root, emptyCheckpoint(), { source: "loop", step: 0, parents: {} });
      const before = saver.commits;
      // Sixteen units' steps finishing together: one commit, not sixteen.
      await Promise.all(Array.from({ length: 16 }, (_, unit) => saver.putWrites(config, [["notes", `note ${unit}`]], `task-${unit}`)));
      assert.equal(saver.commits - before, 1);
      // Resolved means committed: another connection (another process) sees every row.
      const other = new Database(file, { readonly: true });
      try {
        assert.equal((other.prepare("SELECT count(*) AS n FROM writes").get() as { n: number }).n, 16);
      } finally {
        other.close();
      }
      // Saves in separate turns are separate commits.
      for (let unit = 0; unit < 3; unit += 1) await saver.putWrites(config, [["notes", `late ${unit}`]], `late-${unit}`);
      assert.equal(saver.commits - before, 4);
      saver.db.close();
    });
  });

  test("a read commits what is queued first, so this process reads its own saves", async () => {
    const saver = new LeanSqliteSaver(new Database(":memory:"));
    const config = await saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, emptyCheckpoint(), { source: "loop", step: 0, parents: {} });
    const committed = saver.commits;
    const saved = saver.putWrites(config, [["notes", "queued"]], "task");
    for (let i = 0; i < 10; i += 1) await Promise.resolve(); // serialised and queued; its commit waits for the end of this turn
    assert.equal(saver.commits, committed, "not committed yet");
    const tuple = await saver.getTuple(config);
    assert.deepEqual(tuple?.pendingWrites, [["task", "notes", "queued"]]);
    await saved;
    const listed = await collect(saver.list({ configurable: { thread_id: "t" } }));
    assert.equal(listed.length, 1);
  });

  test("a commit that fails fails every save in it, and saves nothing of it", async () => {
    const db = new Database(":memory:");
    const saver = new LeanSqliteSaver(db);
    const config = await saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, emptyCheckpoint(), { source: "loop", step: 0, parents: {} });
    db.pragma("query_only = ON"); // every write now fails, as on a read-only or full disk
    const results = await Promise.allSettled([saver.putWrites(config, [["notes", "a"]], "task-a"), saver.putWrites(config, [["notes", "b"]], "task-b")]);
    assert.deepEqual(
      results.map((result) => result.status),
      ["rejected", "rejected"],
    );
    assert.match(String((results[0] as PromiseRejectedResult).reason), /readonly|read-only|query_only/i);
    db.pragma("query_only = OFF");
    assert.equal((db.prepare("SELECT count(*) AS n FROM writes").get() as { n: number }).n, 0);
    await saver.putWrites(config, [["notes", "c"]], "task-c");
    assert.equal((db.prepare("SELECT count(*) AS n FROM writes").get() as { n: number }).n, 1, "the saver goes on after a failed commit");
  });

  test("a view made with Object.create(saver) (the CLI's) shares the saver's queue: it reads queued saves, and a failed commit stays failed", async () => {
    const db = new Database(":memory:");
    const saver = new LeanSqliteSaver(db);
    const view = Object.create(saver) as LeanSqliteSaver;
    const config = await saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, emptyCheckpoint(), { source: "loop", step: 0, parents: {} });
    /** Queues a save (serialised, not committed); its promise comes wrapped, so awaiting this does not await the commit. */
    const queue = async (task: string) => {
      const committed = saver.commits;
      const saved = saver.putWrites(config, [["notes", task]], task);
      for (let i = 0; i < 10; i += 1) await Promise.resolve();
      assert.equal(saver.commits, committed, `${task} is queued, not committed`);
      return { saved };
    };
    const { saved: first } = await queue("first");
    assert.deepEqual((await view.getTuple(config))?.pendingWrites, [["first", "notes", "first"]]);
    await first;
    const { saved: second } = await queue("second");
    assert.deepEqual(
      (await view.getTuple(config))?.pendingWrites?.map(([task]) => task),
      ["first", "second"],
      "the view's second read commits too",
    );
    await second;
    db.pragma("query_only = ON");
    const failing = (await queue("failing")).saved.catch((error: unknown) => error);
    await view.getTuple(config); // commits through the view: fails
    db.pragma("query_only = OFF");
    assert.ok((await failing) instanceof Error, "the save failed");
    await new Promise((resolve) => setImmediate(resolve)); // the saver's own commit, if the save were still queued there
    assert.equal((db.prepare("SELECT count(*) AS n FROM writes WHERE task_id = 'failing'").get() as { n: number }).n, 0, "a failed save does not land later");
    assert.equal((db.prepare("SELECT count(*) AS n FROM writes").get() as { n: number }).n, 2);
  });
});
