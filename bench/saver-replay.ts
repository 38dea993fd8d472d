/**
 * CPU of the embedded store's saver alone: records the saver calls of one warm in-process CLI run,
 * then replays them, interleaved, against SqliteSaver and LeanSqliteSaver on fresh files (WAL,
 * synchronous=NORMAL, the redacting serializer), and against lanes that split the cost.
 *
 *   node --import tsx bench/saver-replay.ts [--units 16] [--reps 12]
 *
 * Prints the median CPU per replayed run for each lane and its CPU per saver method.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import Database from "better-sqlite3";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { RedactingSerializer } from "../src/checkpoint/redact.js";
import { SQLITE_SYNCHRONOUS } from "../src/checkpoint/sqlite.js";
import { LeanSqliteSaver } from "../src/checkpoint/sqlite-saver.js";
import { runCliInProcess } from "./support/inProcessCli.js";
import { isolatedBenchHome } from "./support/benchEnv.js";
import { startRemoteStandIn } from "./support/standinProcess.js";
import { median } from "./support/stats.js";

const { values } = parseArgs({ options: { units: { type: "string", default: "16" }, reps: { type: "string", default: "12" } } });
const units = Number(values.units);
const reps = Number(values.reps);
const home = isolatedBenchHome("fanout-saver-replay-");

const METHODS = ["getTuple", "put", "putWrites"] as const;
type Method = (typeof METHODS)[number];
type Call = { method: Method; args: unknown[] };

/** The calls the CLI's saver gets during one run, with their live arguments. */
async function recordOneRun(): Promise<Call[]> {
  const calls: Call[] = [];
  const proto = LeanSqliteSaver.prototype as unknown as Record<Method, (...args: unknown[]) => unknown>;
  const originals = Object.fromEntries(METHODS.map((m) => [m, proto[m]])) as typeof proto;
  const standin = await startRemoteStandIn({ latencyMs: 0, units });
  try {
    await runCliInProcess(`warm-${Date.now()}`, units);
    for (const method of METHODS) {
      proto[method] = function (this: unknown, ...args: unknown[]) {
        calls.push({ method, args });
        return originals[method].apply(this, args);
      };
    }
    await runCliInProcess(`recorded-${Date.now()}`, units);
  } finally {
    Object.assign(proto, originals);
    await standin.close();
  }
  return calls;
}

/** Serialising only: what put and putWrites hand the serializer, with no database. */
function serialiseOnly(db: Database.Database): BaseCheckpointSaver {
  const saver = new LeanSqliteSaver(db);
  return Object.assign(Object.create(saver) as BaseCheckpointSaver, {
    getTuple: async () => undefined,
    put: async (_config: unknown, checkpoint: unknown, metadata: unknown) => {
      await Promise.all([saver.serde.dumpsTyped(checkpoint), saver.serde.dumpsTyped(metadata)]);
    },
    putWrites: async (_config: unknown, writes: [string, unknown][]) => {
      await Promise.all(writes.map(([, value]) => saver.serde.dumpsTyped(value)));
    },
  });
}

const LANES: { name: string; memory?: boolean; make(db: Database.Database): BaseCheckpointSaver }[] = [
  { name: "SqliteSaver", make: (db) => new SqliteSaver(db) },
  { name: "LeanSqliteSaver", make: (db) => new LeanSqliteSaver(db) },
  { name: "LeanSqliteSaver, in memory", memory: true, make: (db) => new LeanSqliteSaver(db) },
  { name: "serialising only", memory: true, make: serialiseOnly },
];

async function replay(calls: Call[], lane: (typeof LANES)[number]) {
  const folder = mkdtempSync(path.join(tmpdir(), "fanout-replay-"));
  const db = new Database(lane.memory ? ":memory:" : path.join(folder, "checkpoints.sqlite"));
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${SQLITE_SYNCHRONOUS}`);
  const saver = lane.make(db);
  saver.serde = new RedactingSerializer(saver.serde, ["sk-replay-not-a-key"]);
  await saver.getTuple({ configurable: { thread_id: "", checkpoint_ns: "" } }); // creates the tables
  const byMethod: Record<Method, number> = { getTuple: 0, put: 0, putWrites: 0 };
  const all = process.cpuUsage();
  for (const { method, args } of calls) {
    const before = process.cpuUsage();
    await (saver[method] as (...a: unknown[]) => Promise<unknown>)(...args);
    const used = process.cpuUsage(before);
    byMethod[method] += (used.user + used.system) / 1000;
  }
  const used = process.cpuUsage(all);
  db.close();
  rmSync(folder, { recursive: true, force: true });
  return { cpuMs: (used.user + used.system) / 1000, byMethod };
}

try {
  const calls = await recordOneRun();
  const counts = METHODS.map((m) => `${calls.filter((c) => c.method === m).length} ${m}`).join(", ");
  console.log(`one ${units}-unit CLI run: ${counts}; ${reps} replays per lane, interleaved, the first dropped`);
  const samples = new Map(LANES.map((lane) => [lane.name, [] as Awaited<ReturnType<typeof replay>>[]]));
  for (let rep = 0; rep <= reps; rep += 1) {
    for (const lane of LANES) {
      const result = await replay(calls, lane);
      if (rep > 0) samples.get(lane.name)!.push(result);
    }
  }
  for (const lane of LANES) {
    const results = samples.get(lane.name)!;
    const perMethod = METHODS.map((m) => `${m} ${median(results.map((r) => r.byMethod[m])).toFixed(1)}`).join(", ");
    console.log(
      `${lane.name.padEnd(28)} ${median(results.map((r) => r.cpuMs))
        .toFixed(1)
        .padStart(6)} ms CPU per run (${perMethod})`,
    );
  }
  console.log(`1-min load average: ${os.loadavg()[0].toFixed(1)}`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
