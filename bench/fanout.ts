/**
 * Parallel research units and parallel page summaries, end to end through the real graph,
 * against the stand-in model at a fixed per-call latency.
 *
 *   npm run bench -- fanout [--quick]
 *
 * Both lanes are compared with the same work done one at a time, so the speedup is what
 * Fanout's fan-out buys, not a difference in the amount of work.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseConfiguration } from "../src/config.js";
import { createLocalBackend } from "../src/search/localBackend.js";
import { createSearchTool } from "../src/search/tool.js";
import type { Behaviour, StandIn, StandInStats } from "../test/standin/server.js";
import { CORPUS, runGraph, useStandIn } from "../test/support/harness.js";
import { idleMs } from "./support/requests.js";
import { median, spread, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";

const LATENCY_MS = 200;
const UNIT_COUNTS = [1, 2, 4, 8];
const PAGES = 8;

/** One topic per fixture document, so every unit finds something of its own. */
const TOPICS = [
  "How tidal power stations generate electricity",
  "How to keep a sourdough starter healthy",
  "What the honeybee waggle dance communicates",
  "How espresso extraction works",
  "How composting turns waste into soil",
  "Principles of common chess openings",
  "Routine bicycle maintenance steps",
  "History of the printing press",
];

/**
 * The supervisor asks for `perRound` units a turn until every topic is covered, then
 * calls ResearchComplete. perRound = N is the fan-out; perRound = 1 is the same work in series.
 */
function scriptedSupervisor(topics: string[], perRound: number): Behaviour {
  return (request) => {
    if (request.role !== "supervisor") return undefined;
    const rounds = request.messages.filter((m) => m.role === "assistant" && m.toolCalls.length > 0).length;
    const next = topics.slice(rounds * perRound, (rounds + 1) * perRound);
    if (next.length === 0) return { toolCalls: [{ name: "ResearchComplete", args: {} }] };
    return { toolCalls: next.map((topic) => ({ name: "ConductResearch", args: { research_topic: topic } })) };
  };
}

type Sample = { ms: number; idleMs: number; stats: StandInStats };

async function timeRun(standin: StandIn, units: number, perRound: number): Promise<Sample> {
  standin.reset();
  standin.configure({ behaviour: scriptedSupervisor(TOPICS.slice(0, units), perRound) });
  const started = Date.now();
  const record = await runGraph("How do everyday technologies and crafts work?", {
    max_concurrent_research_units: units,
    max_researcher_iterations: units + 2,
  });
  const ended = Date.now();
  const notes = (record.values.notes as unknown[] | undefined)?.length ?? 0;
  if (notes !== units) throw new Error(`expected ${units} research notes, got ${notes}`);
  return { ms: ended - started, idleMs: idleMs(standin.requests(), started, ended), stats: standin.stats() };
}

/** Wall time, idle time, and the last run's call counts ("29 (1 summary) / 8"). */
function cells(samples: Sample[]): string[] {
  const { total, peakInFlight, byRole } = samples.at(-1)!.stats;
  const summaries = byRole.summary ? ` (${byRole.summary} summar${byRole.summary === 1 ? "y" : "ies"})` : "";
  return [spread(samples.map((x) => x.ms)), spread(samples.map((x) => x.idleMs)), `${total}${summaries} / ${peakInFlight}`];
}

async function researchUnits(standin: StandIn, repeats: number): Promise<string> {
  await timeRun(standin, 2, 2); // loads modules and warms the JIT outside the timings
  const rows: string[][] = [];
  for (const units of UNIT_COUNTS) {
    const parallel: Sample[] = [];
    const serial: Sample[] = [];
    // Interleaved, so drift in machine load hits both columns alike.
    for (let r = 0; r < repeats; r += 1) {
      parallel.push(await timeRun(standin, units, units));
      serial.push(await timeRun(standin, units, 1));
    }
    const speedup = median(serial.map((x) => x.ms)) / median(parallel.map((x) => x.ms));
    rows.push([String(units), ...cells(parallel), ...cells(serial), `${speedup.toFixed(2)}×`]);
  }
  return table(
    ["units N", "fan-out: wall time", "no call in flight", "calls / peak in flight", "one per turn: wall time", "no call in flight", "calls / peak in flight", "speedup"],
    rows,
  );
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
    const samples = new Map<number, SearchSample[]>([[1, []], [PAGES, []]]);
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
  const standin = await useStandIn({ latencyMs: LATENCY_MS });
  try {
    const units = await researchUnits(standin, repeats);
    const pages = await summaries(standin, options.quick ? 2 : 5);
    return [
      "## Fan-out: parallel research units and summaries",
      "",
      `The real graph (in process, MemorySaver, LangGraph's default durability \`async\`) on the stand-in model at ${LATENCY_MS} ms per call, searching the fixture corpus (\`${path.relative(process.cwd(), CORPUS)}\`).`,
      "The stand-in's supervisor is scripted: either it asks for all N units in its first turn (fan-out, `max_concurrent_research_units` = N),",
      "or it asks for one unit per turn for N turns (the same units, one after another). Both end with ResearchComplete, then the report.",
      `Times are the median (min–max) of ${repeats} run${repeats === 1 ? "" : "s"}; calls and peak are from the last run.`,
      "\"No call in flight\" is the part of the wall time when the stand-in was serving no model call: Fanout's own work on the critical path",
      "(graph steps, checkpoints, search, HTTP) plus the in-process stand-in's. A summary call is made when a search hit is over 2,000 characters.",
      "",
      units,
      "",
      `### Summaries inside one search call`,
      "",
      `One \`local_search\` call over a temp corpus of ${PAGES} pages of ~4,000 characters; each hit carries more than 2,000 characters,`,
      `so each is summarised by the summarisation model (${LATENCY_MS} ms per call), bounded by \`max_concurrent_summaries\`.`,
      "",
      pages,
    ].join("\n");
  } finally {
    await standin.close();
  }
}
