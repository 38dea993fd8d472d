/**
 * What Fanout costs on top of the model calls: CPU per call at zero model latency, per store,
 * against the naive baseline; and how a run's stored checkpoint bytes grow with its steps.
 *
 *   npm run bench -- overhead [--quick]
 */
import { mkdtempSync, rmSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { SQLITE_FILE } from "../src/checkpoint/sqlite.js";
import { runCliInProcess } from "./support/inProcessCli.js";
import { dropSchema, reachablePostgres, redact } from "./support/postgres.js";
import { openCheckpointer } from "../src/checkpoint/open.js";
import { durableGraphRun, expectedCalls, runLane, timed, type Timed } from "./support/runs.js";
import { skeletonRun } from "./support/skeleton.js";
import { startRemoteStandIn, type RemoteStandIn } from "./support/standinProcess.js";
import { median, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";

const UNIT_COUNTS = [8, 16];
const SEARCH_ROUNDS = [1, 2, 4, 8];

type Store = { name: string; env: Record<string, string | undefined> };

/** Sets `env` for the body (the CLI reads its store from the environment), then restores it. */
async function withEnv<T>(env: Record<string, string | undefined>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  };
  apply(env);
  try {
    return await body();
  } finally {
    apply(saved);
  }
}

const perCall = (samples: Timed[]) => median(samples.map((s) => s.cpuMs / s.calls));
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function cpuPerCall(standin: RemoteStandIn, stores: Store[], repeats: number): Promise<string> {
  await standin.configure({ latencyMs: 0, searchRounds: 1 });
  const rows: string[][] = [];
  for (const units of UNIT_COUNTS) {
    await standin.configure({ units });
    const lanes = new Map<string, Timed[]>([["baseline", []], ...stores.map((s) => [s.name, []] as [string, Timed[]])]);
    // Three runs each first: the JIT optimises hot paths over several runs, and steady state is what a long-lived process sees.
    for (let w = 0; w < 3; w += 1) {
      await runLane("baseline", units, "warm");
      for (const store of stores) await withEnv(store.env, () => runCliInProcess(`warm-${units}-${w}-${Date.now()}`, units));
    }
    for (let r = 0; r < repeats; r += 1) {
      lanes.get("baseline")!.push(await timed(standin, () => runLane("baseline", units, "")));
      for (const store of stores)
        lanes
          .get(store.name)!
          .push(await withEnv(store.env, () => timed(standin, () => runCliInProcess(`cpu-${units}-${r}-${Date.now()}`, units).then(() => undefined))));
    }
    for (const [lane, samples] of lanes) {
      if (samples.some((s) => s.calls !== expectedCalls(units)))
        throw new Error(`${lane}, ${units} units: unexpected call count ${samples.map((s) => s.calls).join(", ")}`);
    }
    const base = perCall(lanes.get("baseline")!);
    const all = [...lanes.values()].flat();
    rows.push([
      String(units),
      String(expectedCalls(units)),
      ms(base),
      ...stores.flatMap((store) => {
        const fanout = perCall(lanes.get(store.name)!);
        return [ms(fanout), `${(fanout / base).toFixed(2)}×`, ms(fanout - base)];
      }),
      `${Math.min(...all.map((s) => s.load)).toFixed(1)}–${Math.max(...all.map((s) => s.load)).toFixed(1)}`,
    ]);
  }
  return table(
    ["units", "model calls", "baseline CPU per call", ...stores.flatMap((s) => [`Fanout, ${s.name}`, "Fanout ÷ baseline", "Fanout − baseline"]), "load avg (1 min)"],
    rows,
  );
}

/**
 * The CPU per call split by who spends it, at 16 units on the embedded store, lanes interleaved:
 * the baseline's work (client, prompts, tools, search), the skeleton's (LangGraph's steps, the state
 * and its checkpoints, with nodes that do no work), the graph as the CLI streams it on a store opened
 * once, and the CLI's main() (which also opens and closes the store, takes the lease, renders progress).
 */
async function cpuShares(standin: RemoteStandIn, home: string, repeats: number): Promise<string> {
  const units = 16;
  const calls = expectedCalls(units);
  await standin.configure({ latencyMs: 0, searchRounds: 1, units });
  const store = await openCheckpointer({ home: path.join(home, "shares") });
  const lanes: [string, (id: string) => Promise<void>][] = [
    ["baseline", () => runLane("baseline", units, "")],
    ["skeleton", (id) => skeletonRun(units, id, store.saver)],
    ["graph", (id) => durableGraphRun(store.saver, units, id)],
    ["cli", (id) => withEnv({ FANOUT_HOME: home, POSTGRES_URI: undefined }, () => runCliInProcess(id, units).then(() => undefined))],
  ];
  const samples = new Map<string, Timed[]>(lanes.map(([name]) => [name, []]));
  try {
    for (let r = 0; r < repeats + 3; r += 1) {
      for (const [name, body] of lanes) {
        const sample = await timed(standin, () => body(`shares-${name}-${r}-${Date.now()}`));
        const expected = name === "skeleton" ? 0 : calls;
        if (sample.calls !== expected) throw new Error(`${name}: ${sample.calls} model calls, expected ${expected}`);
        if (r >= 3) samples.get(name)!.push(sample); // the first three warm the JIT
      }
    }
  } finally {
    await store.close();
  }
  const cpu = (name: string) => median(samples.get(name)!.map((s) => s.cpuMs)) / calls;
  const [baseline, skeleton, graph, cli] = ["baseline", "skeleton", "graph", "cli"].map(cpu);
  const loads = [...samples.values()].flat().map((s) => s.load);
  const row = (what: string, value: number) => [what, ms(value), `${((100 * value) / cli).toFixed(0)}%`];
  return [
    table(
      ["CPU per model call, 16 units, embedded store", "ms", "share of the CLI's"],
      [
        row("baseline: the model client, prompts, tools and search, as plain async code", baseline),
        row("skeleton: LangGraph's steps, the state and its checkpoints (nodes that do no work; bench/support/skeleton.ts)", skeleton),
        row("Fanout's own node work: the graph on a store opened once − baseline − skeleton", graph - baseline - skeleton),
        row("the CLI around the graph: store open and close, lease, progress − the graph on a store opened once", cli - graph),
        row("the CLI's main(), whole", cli),
      ],
    ),
    "",
    `Median of ${repeats} interleaved runs of each after three to warm up; 1-min load average ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}.`,
  ].join("\n");
}

/** Checkpoint rows and bytes one thread occupies in an embedded store file. */
function threadFootprint(file: string, threadId: string): { checkpoints: number; bytes: number } {
  const db = new Database(file, { readonly: true });
  try {
    const checkpoints = db
      .prepare("SELECT count(*) AS n, COALESCE(SUM(length(checkpoint) + length(metadata)), 0) AS bytes FROM checkpoints WHERE thread_id = ?")
      .get(threadId) as { n: number; bytes: number };
    const writes = db.prepare("SELECT COALESCE(SUM(length(value)), 0) AS bytes FROM writes WHERE thread_id = ?").get(threadId) as { bytes: number };
    return { checkpoints: checkpoints.n, bytes: checkpoints.bytes + writes.bytes };
  } finally {
    db.close();
  }
}

async function checkpointGrowth(standin: RemoteStandIn, home: string): Promise<string> {
  await standin.configure({ latencyMs: 0, units: 1 });
  const rows: string[][] = [];
  let previous: { rounds: number; checkpoints: number; bytes: number } | undefined;
  for (const rounds of SEARCH_ROUNDS) {
    await standin.configure({ searchRounds: rounds });
    const thread = `growth-${rounds}-${Date.now()}`;
    await withEnv({ FANOUT_HOME: home, POSTGRES_URI: undefined }, () => runCliInProcess(thread, 1, ["--set", "max_react_tool_calls=20"]));
    const { checkpoints, bytes } = threadFootprint(path.join(home, SQLITE_FILE), thread);
    const added = previous ? `${((bytes - previous.bytes) / (checkpoints - previous.checkpoints) / 1024).toFixed(1)} KB` : "-";
    rows.push([String(rounds), String(checkpoints), `${(bytes / 1024).toFixed(0)} KB`, `${(bytes / checkpoints / 1024).toFixed(1)} KB`, added]);
    previous = { rounds, checkpoints, bytes };
  }
  return table(["search rounds", "checkpoints", "stored bytes", "bytes per checkpoint", "bytes per added checkpoint"], rows);
}

export async function run(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  const repeats = options.quick ? 1 : 3;
  const home = mkdtempSync(path.join(tmpdir(), "fanout-bench-overhead-"));
  const postgres = await reachablePostgres();
  const schema = `fanout_bench_overhead_${process.pid}`;
  const stores: Store[] = [{ name: "embedded SQLite", env: { FANOUT_HOME: home, POSTGRES_URI: undefined } }];
  if (postgres.uri) stores.push({ name: "PostgreSQL", env: { POSTGRES_URI: postgres.uri, FANOUT_PG_SCHEMA: schema } });
  const note = postgres.uri ? `PostgreSQL is the local server at \`${redact(postgres.uri)}\`.` : `PostgreSQL skipped: ${postgres.reason}.`;
  const standin = await startRemoteStandIn({ latencyMs: 0 });
  try {
    const cpu = await cpuPerCall(standin, stores, repeats);
    const shares = await cpuShares(standin, home, repeats);
    const growth = await checkpointGrowth(standin, home);
    return [
      "## Overhead: CPU per model call, checkpoint growth",
      "",
      "CPU time of a whole run (this process's user + system time) divided by its model calls, with the stand-in answering at once (0 ms),",
      "so the figure is what Fanout itself spends per call: graph steps, checkpoints, HTTP client, search, progress, the CLI's store open and close.",
      "Fanout is the CLI's own `main()` in this process (durability `sync`); the baseline is bench/support/baseline.ts (same calls, `Promise.all`, no checkpointer).",
      `The stand-in runs in a separate process. Median of ${repeats}, the lanes interleaved. ${note}`,
      "",
      cpu,
      "",
      "### Where the CPU per call goes",
      "",
      "The same runs taken apart. The skeleton is Fanout's graph (its state schemas, nodes, Command and Send routing, subgraphs) with nodes that",
      "only return canned updates the size of a real run's, streamed and checkpointed as the CLI does: what the framework costs on its own.",
      "",
      shares,
      "",
      "### Stored bytes per run against its steps",
      "",
      "One research unit whose researcher searches N rounds before it answers (the stand-in's `searchRounds`), on the embedded store.",
      "Conversations are LangGraph delta channels (`MessagesDeltaValue`): a checkpoint stores each step's new messages, not the whole conversation again,",
      "so each added checkpoint costs about the same.",
      "",
      growth,
      "",
      `1-min load average at the end: ${os.loadavg()[0].toFixed(1)}.`,
    ].join("\n");
  } finally {
    await standin.close();
    rmSync(home, { recursive: true, force: true });
    if (postgres.uri) await dropSchema(postgres.uri, schema).catch(() => undefined);
  }
}
