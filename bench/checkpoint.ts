/**
 * Cost of checkpointing per graph step, per saver and durability mode.
 *
 *   npm run bench -- checkpoint [--quick]       # Postgres: POSTGRES_URI, else the local test server
 *   BENCH_RUNS=3 BENCH_REPEATS=5 BENCH_STEPS=50 npm run bench -- checkpoint
 *
 * The graph loops one node BENCH_STEPS times; each step appends a ~2 KB AIMessage, so state
 * grows to ~100 KB like a long researcher conversation. Returns markdown tables.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { AIMessage } from "@langchain/core/messages";
import { randomUUID } from "node:crypto";
import { END, MessagesValue, START, StateGraph, StateSchema, type BaseCheckpointSaver } from "@langchain/langgraph";
import pg from "pg";
import { dropSchema, reachablePostgres, redact } from "./support/postgres.js";
import { median, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";
import type { SqliteDb } from "../src/checkpoint/backend.js";
import { listThreads, listThreadsViaList } from "../src/checkpoint/threads.js";
import { openCheckpointer } from "../src/checkpoint/open.js";
import { SQLITE_SYNCHRONOUS } from "../src/checkpoint/sqlite.js";
import type { OpenedCheckpointer } from "../src/checkpoint/types.js";

const STEPS = Number(process.env.BENCH_STEPS ?? 50);
const NODE_DELAY_MS = 10; // stands in for a model call, to show what "async" hides

/** ~2 KB of pseudo-random words: repetitive filler would flatter Postgres' TOAST compression. */
function message(seed: number): string {
  let x = (seed * 2654435761) >>> 0;
  const words: string[] = [];
  let length = 0;
  while (length < 2048) {
    x = (x * 1103515245 + 12345) >>> 0;
    const word = (x >>> 8).toString(36).slice(0, 3 + (x % 7));
    words.push(word);
    length += word.length + 1;
  }
  return words.join(" ").slice(0, 2048);
}

type Durability = "sync" | "async" | "exit";

const State = new StateSchema({ messages: MessagesValue });

function loopGraph(saver: BaseCheckpointSaver | undefined, delayMs: number) {
  let n = 0;
  return new StateGraph(State)
    .addNode("step", async () => {
      if (delayMs) await sleep(delayMs);
      n += 1;
      return { messages: [new AIMessage({ id: `m-${n}`, content: message(n) })] };
    })
    .addEdge(START, "step")
    .addConditionalEdges("step", (s: { messages: unknown[] }) => (s.messages.length >= STEPS ? END : "step"))
    .compile(saver ? { checkpointer: saver } : {});
}

/** Wall time per step over `runs` fresh threads of one graph. */
async function batchMsPerStep(graph: ReturnType<typeof loopGraph>, durability: Durability, tag: string, runs: number): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < runs; i += 1) {
    await graph.invoke({ messages: [] }, { configurable: { thread_id: `${tag}-${i}` }, durability, recursionLimit: STEPS * 2 + 10 });
  }
  return (performance.now() - started) / (runs * STEPS);
}

interface Variant {
  label: string;
  durability: Durability;
  delayMs: number;
  runs: number;
}

/** How much to measure: each cell is the median of `repeats` batches of `runs` runs. */
interface Plan {
  runs: number;
  repeats: number;
  variants: Variant[];
}

function plan(quick: boolean): Plan {
  const runs = Number(process.env.BENCH_RUNS ?? (quick ? 1 : 3));
  const repeats = Number(process.env.BENCH_REPEATS ?? (quick ? 2 : 4));
  const variants: Variant[] = [
    { label: "sync ms/step", durability: "sync", delayMs: 0, runs },
    { label: "async ms/step", durability: "async", delayMs: 0, runs },
    { label: "exit ms/step", durability: "exit", delayMs: 0, runs },
    { label: `sync, ${NODE_DELAY_MS} ms node`, durability: "sync", delayMs: NODE_DELAY_MS, runs: 1 },
    { label: `async, ${NODE_DELAY_MS} ms node`, durability: "async", delayMs: NODE_DELAY_MS, runs: 1 },
  ];
  return { runs, repeats, variants };
}

/** Threads written per store by benchSteps: one warm-up per variant plus every batch. */
const threadsPerStore = (p: Plan) => p.variants.reduce((sum, v) => sum + 1 + p.repeats * v.runs, 0);

interface Subject {
  name: string;
  open(): Promise<OpenedCheckpointer | undefined>;
  bytesUsed?(opened: OpenedCheckpointer): Promise<number>;
}

function subjects(home: string, postgresUri: string | undefined, schema: string): Subject[] {
  const sqlite = (sync: "NORMAL" | "FULL"): Subject => ({
    name: `SqliteSaver (synchronous=${sync})`,
    open: async () => {
      const opened = await openCheckpointer({ home: join(home, sync) });
      (opened.saver as unknown as { db: SqliteDb }).db.pragma(`synchronous = ${sync}`);
      return opened;
    },
    bytesUsed: async (o) => fileBytes(o.location) + fileBytes(`${o.location}-wal`),
  });
  const list: Subject[] = [
    { name: "none (no checkpointer)", open: async () => undefined },
    { name: "MemorySaver", open: () => openCheckpointer({ kind: "memory" }) },
    sqlite("NORMAL"),
    sqlite("FULL"),
  ];
  if (postgresUri) {
    list.push({
      name: "PostgresSaver (local server)",
      open: () => openCheckpointer({ postgresUri, schema }),
      bytesUsed: () => schemaBytes(postgresUri, schema),
    });
  }
  return list;
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function schemaBytes(uri: string, schema: string): Promise<number> {
  const client = new pg.Client({ connectionString: uri });
  await client.connect();
  try {
    const { rows } = await client.query<{ bytes: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) AS bytes FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    );
    return Number(rows[0]?.bytes ?? 0);
  } finally {
    await client.end();
  }
}

const fmt = (ms: number) => ms.toFixed(2);

/** Batches are interleaved (repeat → saver → variant) so load from other processes hits all cells alike. */
async function benchSteps(list: Subject[], p: Plan): Promise<string> {
  const opened = await Promise.all(list.map((subject) => subject.open()));
  const graphs = opened.map((o) => p.variants.map((v) => loopGraph(o?.saver, v.delayMs)));
  const samples = list.map(() => p.variants.map((): number[] => []));
  for (let si = 0; si < list.length; si += 1) {
    for (let vi = 0; vi < p.variants.length; vi += 1) await batchMsPerStep(graphs[si][vi], p.variants[vi].durability, `warm-${vi}`, 1);
  }
  for (let r = 0; r < p.repeats; r += 1) {
    for (let si = 0; si < list.length; si += 1) {
      for (let vi = 0; vi < p.variants.length; vi += 1) {
        const v = p.variants[vi];
        samples[si][vi].push(await batchMsPerStep(graphs[si][vi], v.durability, `r${r}-v${vi}`, v.runs));
      }
    }
  }
  const rows: string[][] = [];
  for (let si = 0; si < list.length; si += 1) {
    const o = opened[si];
    const bytes = o && list[si].bytesUsed ? await list[si].bytesUsed!(o) : 0;
    const perRun = bytes ? `${(bytes / threadsPerStore(p) / 1024).toFixed(0)} KB` : "-";
    rows.push([list[si].name, ...samples[si].map((xs) => fmt(median(xs))), perRun]);
    await o?.close();
  }
  return [
    `### Per-step cost: ${STEPS}-step loop, ~2 KB message appended per step (median of ${p.repeats} interleaved batches of ${p.runs} run${p.runs === 1 ? "" : "s"})`,
    "",
    table(["saver", ...p.variants.map((v) => v.label), "stored per run"], rows),
  ].join("\n");
}

/** The saver alone: put() of a checkpoint holding ~100 KB of messages, as step 50 of a run would. */
async function benchPuts(list: Subject[], p: Plan): Promise<string> {
  const N = 100;
  const messages = Array.from({ length: STEPS }, (_, i) => new AIMessage({ id: `m-${i}`, content: message(i) }));
  const opened = (await Promise.all(list.map(async (subject) => ({ subject, o: await subject.open() })))).filter((x) => x.o);
  const big = opened.map((): number[] => []);
  const small = opened.map((): number[] => []);
  /** N puts on one thread; with `writes`, each put is followed by a putWrites, as a step does. */
  async function timePuts(saver: BaseCheckpointSaver, threadId: string, values: unknown, writes: boolean): Promise<number> {
    let config = { configurable: { thread_id: threadId, checkpoint_ns: "" } } as Parameters<BaseCheckpointSaver["put"]>[0];
    const started = performance.now();
    for (let i = 0; i < N; i += 1) {
      const checkpoint = {
        v: 4,
        id: randomUUID(),
        ts: new Date().toISOString(),
        channel_values: { messages: values },
        channel_versions: { messages: i + 1 },
        versions_seen: {},
      };
      config = await saver.put(config, checkpoint, { source: "loop", step: i, parents: {} }, { messages: i + 1 });
      if (writes) await saver.putWrites(config, [["messages", values]], "task");
    }
    const ms = (performance.now() - started) / N;
    await saver.deleteThread(threadId);
    return ms;
  }
  for (let r = 0; r < p.repeats; r += 1) {
    for (let k = 0; k < opened.length; k += 1) {
      big[k].push(await timePuts(opened[k].o!.saver, `big-${r}`, messages, false));
      small[k].push(await timePuts(opened[k].o!.saver, `small-${r}`, [messages[0]], true));
    }
  }
  const rows: string[][] = [];
  for (let k = 0; k < opened.length; k += 1) {
    rows.push([opened[k].subject.name, fmt(median(big[k])), fmt(median(small[k]))]);
    await opened[k].o!.close();
  }
  return [
    `### Raw saver calls (median of ${p.repeats} × ${N})`,
    "",
    table(["saver", `put() of ~${STEPS * 2} KB state, ms`, "put() + putWrites() of 2 KB, ms"], rows),
  ].join("\n");
}

async function benchListing(list: Subject[], p: Plan): Promise<string> {
  const rows: string[][] = [];
  for (const subject of list.filter((s) => s.bytesUsed)) {
    const opened = (await subject.open())!;
    let started = performance.now();
    const threads = await listThreads(opened.saver);
    const sqlMs = performance.now() - started;
    started = performance.now();
    await listThreadsViaList(opened.saver);
    const walkMs = performance.now() - started;
    rows.push([subject.name, String(threads.length), sqlMs.toFixed(1), walkMs.toFixed(1)]);
    await opened.close();
  }
  return [
    `### listThreads: SQL path vs saver.list() walk (same stores, ${threadsPerStore(p)} threads of ${STEPS} steps)`,
    "",
    table(["saver", "threads", "listThreads (SQL) ms", "listThreadsViaList ms"], rows),
  ].join("\n");
}

export async function run(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  const p = plan(options.quick);
  const home = mkdtempSync(join(tmpdir(), "fanout-bench-"));
  const postgres = await reachablePostgres();
  const schema = `fanout_bench_${process.pid}`;
  const postgresNote = postgres.uri ? `PostgreSQL at \`${redact(postgres.uri)}\` (same machine, schema dropped afterwards)` : `PostgreSQL skipped: ${postgres.reason}`;
  try {
    const list = subjects(home, postgres.uri, schema);
    const warm = loopGraph(undefined, 0);
    for (let i = 0; i < 3; i += 1) await batchMsPerStep(warm, "sync", "jit-warmup", 3); // let V8 settle first
    const puts = await benchPuts(list, p);
    const steps = await benchSteps(list, p);
    const listing = await benchListing(list, p);
    return [
      "## Checkpoint cost per step",
      "",
      `A one-node LangGraph loop of ${STEPS} steps, each appending a ~2 KB message, under each saver and durability mode:`,
      "`sync` waits for each checkpoint before the next step (what the CLI uses), `async` writes it alongside the next step,",
      `\`exit\` only at the end. The "${NODE_DELAY_MS} ms node" columns give each step ${NODE_DELAY_MS} ms of simulated model time, which \`async\` can hide writes behind.`,
      `SQLite is the embedded store (a WAL file under a temp folder; the CLI opens it with synchronous=${SQLITE_SYNCHRONOUS}). ${postgresNote}.`,
      "",
      steps,
      "",
      puts,
      "",
      listing,
    ].join("\n");
  } finally {
    rmSync(home, { recursive: true, force: true });
    if (postgres.uri) await dropSchema(postgres.uri, schema).catch(() => undefined);
  }
}
