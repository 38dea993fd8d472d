/**
 * Scaling: Fanout against a naive Promise.all baseline making the same model calls, and against
 * the critical path (the longest chain of model calls at a fixed latency); 32 runs at once in one
 * process; parallel page summaries inside one search.
 *
 *   npm run bench -- fanout [--quick]
 *
 * Fanout runs are the CLI's own main() in this process (embedded SQLite store, durability sync),
 * so there is no process start in them; bench resume times the CLI as a separate process.
 * The two lanes alternate within each repetition, so drift in machine load hits both alike.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os, { tmpdir } from "node:os";
import path from "node:path";
import { openCheckpointer } from "../src/checkpoint/open.js";
import { parseConfiguration } from "../src/config.js";
import { createLocalBackend } from "../src/search/localBackend.js";
import { createSearchTool } from "../src/search/tool.js";
import type { StandIn, StandInStats } from "../test/standin/server.js";
import { useStandIn } from "../test/support/harness.js";
import { naiveResearch } from "./support/baseline.js";
import { QUESTION, criticalPathCalls, durableGraphRun, expectedCalls, researchSettings, runLane, timed, type Lane, type Timed } from "./support/runs.js";
import { startRemoteStandIn, type RemoteStandIn } from "./support/standinProcess.js";
import { mebibytes, median, seconds, spread, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";

const LATENCY_MS = 200;
const UNIT_COUNTS = [1, 4, 8, 16, 32];
const PAGES = 8;
const CONCURRENT_RUNS = 32;
const CONCURRENT_UNITS = 4;

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const loads = (samples: Timed[]) => {
  const values = samples.map((s) => s.load);
  return `${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)}`;
};

function checkCalls(samples: Timed[], expected: number, what: string): void {
  const wrong = samples.find((s) => s.calls !== expected);
  if (wrong) throw new Error(`${what}: ${wrong.calls} model calls, expected ${expected} (a search summary would lengthen the critical path)`);
}

async function scaling(standin: RemoteStandIn, repeats: number): Promise<string> {
  await standin.configure({ units: 2 });
  for (const lane of ["baseline", "fanout"] as Lane[]) await runLane(lane, 2, `warm-${Date.now()}`); // loads modules, warms the JIT
  const criticalMs = criticalPathCalls() * LATENCY_MS;
  const rows: string[][] = [];
  for (const units of UNIT_COUNTS) {
    await standin.configure({ units });
    const lanes: Record<Lane, Timed[]> = { baseline: [], fanout: [] };
    for (let r = 0; r < repeats; r += 1) {
      const order: Lane[] = r % 2 === 0 ? ["baseline", "fanout"] : ["fanout", "baseline"];
      for (const lane of order) lanes[lane].push(await timed(standin, () => runLane(lane, units, `scale-${units}-${r}-${Date.now()}`)));
    }
    checkCalls(lanes.baseline, expectedCalls(units), `baseline, ${units} units`);
    checkCalls(lanes.fanout, expectedCalls(units), `Fanout, ${units} units`);
    const wall = (lane: Lane) => median(lanes[lane].map((s) => s.ms));
    const gap = (lane: Lane) => median(lanes[lane].map((s) => s.fanoutGapMs));
    rows.push([
      String(units),
      String(expectedCalls(units)),
      seconds(criticalMs),
      spread(lanes.baseline.map((s) => s.ms)),
      spread(lanes.fanout.map((s) => s.ms)),
      ratio(wall("fanout"), wall("baseline")),
      ratio(wall("fanout"), criticalMs),
      `${seconds(gap("fanout"))} / ${seconds(gap("baseline"))}`,
      `${seconds(median(lanes.fanout.map((s) => s.cpuMs)))} / ${seconds(median(lanes.baseline.map((s) => s.cpuMs)))}`,
      loads([...lanes.baseline, ...lanes.fanout]),
    ]);
  }
  return table(
    [
      "units",
      "model calls",
      "critical path",
      "baseline wall",
      "Fanout wall",
      "Fanout ÷ baseline",
      "Fanout ÷ critical path",
      "fan-out gap: Fanout / baseline",
      "CPU per run: Fanout / baseline",
      "load avg (1 min)",
    ],
    rows,
  );
}

/** Nearest-rank percentile. */
function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

type Batch = { walls: number[]; cpuMs: number; peakRss: number; calls: number; load: number };

/** `CONCURRENT_RUNS` runs started together; each run's wall time, the batch's CPU and peak RSS. */
async function batch(standin: RemoteStandIn, one: (i: number) => Promise<void>): Promise<Batch> {
  await standin.reset();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  const cpu = process.cpuUsage();
  const walls = await Promise.all(
    Array.from({ length: CONCURRENT_RUNS }, async (_, i) => {
      const started = performance.now();
      await one(i);
      return performance.now() - started;
    }),
  );
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  return { walls, cpuMs: (used.user + used.system) / 1000, peakRss, calls: (await standin.stats()).total, load: os.loadavg()[0] };
}

async function concurrentRuns(standin: RemoteStandIn, repeats: number): Promise<string> {
  const home = mkdtempSync(path.join(tmpdir(), "fanout-bench-concurrent-"));
  const store = await openCheckpointer({ home });
  try {
    await standin.configure({ units: CONCURRENT_UNITS });
    const runners: Record<Lane, (id: string) => Promise<void>> = {
      baseline: () => naiveResearch(QUESTION, researchSettings(CONCURRENT_UNITS)).then(() => undefined),
      fanout: (id) => durableGraphRun(store.saver, CONCURRENT_UNITS, id),
    };
    const lone: Record<Lane, Timed[]> = { baseline: [], fanout: [] };
    const batches: Record<Lane, Batch[]> = { baseline: [], fanout: [] };
    for (let r = 0; r < repeats; r += 1) {
      for (const lane of ["baseline", "fanout"] as Lane[]) {
        lone[lane].push(await timed(standin, () => runners[lane](`lone-${r}-${Date.now()}`)));
        batches[lane].push(await batch(standin, (i) => runners[lane](`batch-${r}-${i}-${Date.now()}`)));
      }
    }
    const expected = expectedCalls(CONCURRENT_UNITS) * CONCURRENT_RUNS;
    const rows = (["baseline", "fanout"] as Lane[]).map((lane) => {
      const bad = batches[lane].find((b) => b.calls !== expected);
      if (bad) throw new Error(`${lane}: ${bad.calls} calls in a batch, expected ${expected}`);
      const loneMs = median(lone[lane].map((s) => s.ms));
      const walls = batches[lane].flatMap((b) => b.walls);
      const p95 = percentile(walls, 95);
      return [
        lane === "fanout" ? "Fanout (graph, embedded store shared by the runs, durability sync)" : "baseline (Promise.all, no checkpointer)",
        seconds(loneMs),
        seconds(percentile(walls, 50)),
        seconds(p95),
        ratio(p95, loneMs),
        mebibytes(Math.max(...batches[lane].map((b) => b.peakRss))),
        seconds(median(batches[lane].map((b) => b.cpuMs / CONCURRENT_RUNS))),
        `${Math.min(...batches[lane].map((b) => b.load)).toFixed(1)}–${Math.max(...batches[lane].map((b) => b.load)).toFixed(1)}`,
      ];
    });
    const p95 = (lane: Lane) =>
      percentile(
        batches[lane].flatMap((b) => b.walls),
        95,
      );
    return [
      table(["", "lone run", `p50 of ${CONCURRENT_RUNS} at once`, "p95", "p95 ÷ lone run", "peak RSS of the process", "CPU per run", "load avg (1 min)"], rows),
      "",
      `p95, Fanout ÷ baseline: ${ratio(p95("fanout"), p95("baseline"))}; critical path of one run: ${seconds(criticalPathCalls() * LATENCY_MS)}.`,
    ].join("\n");
  } finally {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
}

/** Pages long enough to be summarised: every paragraph uses the query word, so a hit carries 3 passages. */
function writeLongCorpus(): string {
  const folder = mkdtempSync(path.join(tmpdir(), "fanout-bench-corpus-"));
  for (let page = 1; page <= PAGES; page += 1) {
    const paragraphs = Array.from({ length: 4 }, (_, p) => {
      const sentence = `Turbine note ${page}.${p}: the turbine blade ${p} in site ${page} was inspected, and its turbine gearbox logged load, vibration and output figures for the quarter. `;
      return sentence.repeat(7).trim();
    });
    writeFileSync(path.join(folder, `turbine-site-${page}.md`), `# Turbine site ${page}\n\n${paragraphs.join("\n\n")}\n`);
  }
  return folder;
}

type SearchSample = { ms: number; stats: StandInStats; pages: number; summarised: number };

async function timeSearch(standin: StandIn, folder: string, concurrency: number): Promise<SearchSample> {
  const configuration = parseConfiguration({
    search_api: "local",
    local_corpus_path: folder,
    max_search_results: PAGES,
    max_concurrent_summaries: concurrency,
  });
  const search = createSearchTool(createLocalBackend(folder), configuration);
  standin.reset();
  const started = performance.now();
  const message = await search.invoke({ type: "tool_call", id: "bench", name: search.name, args: { queries: ["turbine gearbox"] } });
  const ms = performance.now() - started;
  const artifact: unknown = message.artifact;
  const pages = Array.isArray(artifact) ? artifact.length : 0;
  const stats = standin.stats();
  return { ms, stats, pages, summarised: stats.byRole.summary ?? 0 };
}

async function summaries(standin: StandIn, repeats: number): Promise<string> {
  const folder = writeLongCorpus();
  try {
    standin.configure({ behaviour: undefined });
    await timeSearch(standin, folder, PAGES); // builds the corpus index once, outside the timings
    const rows: string[][] = [];
    const samples = new Map<number, SearchSample[]>([
      [1, []],
      [PAGES, []],
    ]);
    for (let r = 0; r < repeats; r += 1) {
      for (const concurrency of samples.keys()) samples.get(concurrency)!.push(await timeSearch(standin, folder, concurrency));
    }
    for (const [concurrency, list] of samples) {
      const last = list.at(-1)!;
      if (last.summarised !== PAGES) throw new Error(`expected ${PAGES} summaries, the stand-in saw ${last.summarised}`);
      rows.push([String(concurrency), `${last.pages} / ${last.summarised}`, String(last.stats.peakInFlightByRole.summary ?? 0), spread(list.map((x) => x.ms))]);
    }
    const speedup = median(samples.get(1)!.map((x) => x.ms)) / median(samples.get(PAGES)!.map((x) => x.ms));
    return `${table(["max_concurrent_summaries", "pages / summaries", "peak summaries in flight", "search tool call"], rows)}\n\nSpeedup from concurrent summaries: ${speedup.toFixed(2)}×.`;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

export async function run(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  const repeats = options.quick ? 1 : 3;
  const home = mkdtempSync(path.join(tmpdir(), "fanout-bench-fanout-"));
  const saved = { FANOUT_HOME: process.env.FANOUT_HOME, POSTGRES_URI: process.env.POSTGRES_URI };
  process.env.FANOUT_HOME = home;
  delete process.env.POSTGRES_URI; // the CLI runs here use the embedded store
  const remote = await startRemoteStandIn({ latencyMs: LATENCY_MS });
  let scale: string;
  let concurrent: string;
  try {
    scale = await scaling(remote, repeats);
    concurrent = await concurrentRuns(remote, options.quick ? 1 : 2);
  } finally {
    await remote.close();
    rmSync(home, { recursive: true, force: true });
    for (const [key, value] of Object.entries(saved))
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
  }
  const standin = await useStandIn({ latencyMs: LATENCY_MS });
  let pages: string;
  try {
    pages = await summaries(standin, options.quick ? 2 : 5);
  } finally {
    await standin.close();
  }
  return [
    "## Fan-out: scaling against a naive baseline and the critical path",
    "",
    `The stand-in answers every model call after ${LATENCY_MS} ms; its supervisor asks for N research units in its first turn, then ends the research.`,
    "A run makes 4 + 3N calls (brief, supervisor twice, report; per unit a search turn, an answer turn and compression), and its critical path is 7 calls.",
    "**Fanout** is the CLI's own `main()` run in this process: the embedded SQLite store, durability `sync`, progress events, the report printed (no process start).",
    "**Baseline** (bench/support/baseline.ts) makes the same model calls with the same client, prompts, tools and search, as plain async code with `Promise.all` and no checkpointer.",
    "The stand-in runs in a separate process, so CPU times are Fanout's (or the baseline's) alone. The two lanes alternate within each repetition;",
    `times are the median (min–max) of ${repeats}. The fan-out gap runs from the end of the supervisor's first turn to the start of the last unit's first call.`,
    "",
    scale,
    "",
    `### ${CONCURRENT_RUNS} runs at once in one process`,
    "",
    `${CONCURRENT_RUNS} runs of ${CONCURRENT_UNITS} units each start together in this process, against the same stand-in (${LATENCY_MS} ms per call); a lone run is timed just before each batch.`,
    "Fanout here is the graph as the CLI streams it, all runs sharing one embedded store. Peak RSS is this whole bench process's, sampled every 20 ms.",
    "",
    concurrent,
    "",
    "### Summaries inside one search call",
    "",
    `One \`local_search\` call over a temp corpus of ${PAGES} pages of ~4,000 characters; each hit carries more than 2,000 characters,`,
    `so each is summarised by the summarisation model (${LATENCY_MS} ms per call), bounded by \`max_concurrent_summaries\`.`,
    "",
    pages,
  ].join("\n");
}
