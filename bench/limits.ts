/**
 * Speed under limits, end to end through the real graph against the stand-in model:
 * the time penalty of random 429/500 faults, the adaptive lane converging on a hidden
 * concurrency limit, the response cache on a repeated question, and 32 runs sharing one lane.
 *
 *   npm run bench -- limits [--quick]
 */
import { ConfigurationSchema } from "../src/config.js";
import { responseCache } from "../src/limits/cache.js";
import { laneNamed, resetLanes } from "../src/limits/limitedFetch.js";
import { configureLimits } from "../src/limits/settings.js";
import { ModelUsage } from "../src/limits/usage.js";
import type { Behaviour, StandIn } from "../test/standin/server.js";
import { runGraph, useStandIn } from "../test/support/harness.js";
import { median, seconds, spread, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";

const LATENCY_MS = 200;

/** The supervisor asks for `units` units in its first turn, then calls ResearchComplete. */
function oneRound(units: number): Behaviour {
  return (request) => {
    if (request.role !== "supervisor") return undefined;
    const rounds = request.messages.filter((m) => m.role === "assistant" && m.toolCalls.length > 0).length;
    if (rounds > 0) return { toolCalls: [{ name: "ResearchComplete", args: {} }] };
    return { toolCalls: Array.from({ length: units }, (_, i) => ({ name: "ConductResearch", args: { research_topic: `Aspect ${i + 1} of how tides work` } })) };
  };
}

/** Fresh lanes, breakers and memory cache, with these settings over the defaults. */
function limits(settings: Record<string, unknown> = {}): void {
  resetLanes();
  responseCache.clearMemory();
  configureLimits(ConfigurationSchema.parse({ cache: false, ...settings }));
}

type Outcome = { ms: number; units: number; failedUnits: number; calls: number; status429: number; status500: number };

async function research(standin: StandIn, units: number, question = "How do tides work?"): Promise<Outcome> {
  const started = performance.now();
  const record = await runGraph(question, { max_concurrent_research_units: units, max_researcher_iterations: 3 });
  const ms = performance.now() - started;
  const notes = (record.values.notes as string[] | undefined) ?? [];
  const stats = standin.stats();
  return {
    ms,
    units: notes.length,
    failedUnits: notes.filter((note) => /failed|error/i.test(note.slice(0, 200))).length,
    calls: stats.total,
    status429: stats.byStatus["429"] ?? 0,
    status500: stats.byStatus["500"] ?? 0,
  };
}

/** A row of the fault table: the share of model calls failing, and whether the stand-in answers them at once. */
type FaultCase = { rate: number; atOnce: boolean };

const FAULT_CASES: FaultCase[] = [
  { rate: 0, atOnce: false },
  { rate: 0.1, atOnce: false },
  { rate: 0.2, atOnce: false },
  { rate: 0.1, atOnce: true },
  { rate: 0.2, atOnce: true },
];

async function faultPenalty(standin: StandIn, repeats: number): Promise<string> {
  const units = 8;
  const rows: string[][] = [];
  let clean = Number.NaN;
  for (const { rate, atOnce } of FAULT_CASES) {
    const samples: Outcome[] = [];
    let completed = 0;
    for (let r = 0; r < repeats; r += 1) {
      limits();
      standin.reset();
      standin.configure({ behaviour: oneRound(units), faults: { rate429: rate / 2, rate500: rate / 2, seed: 100 + r, atOnce } });
      try {
        const outcome = await research(standin, units);
        samples.push(outcome);
        if (outcome.units === units && outcome.failedUnits === 0) completed += 1;
      } catch {
        // a failed run counts against completion
      }
    }
    standin.configure({ faults: { atOnce: false } });
    const ms = median(samples.map((s) => s.ms));
    if (rate === 0) clean = ms;
    const faults = samples.reduce((sum, s) => sum + s.status429 + s.status500, 0);
    const calls = samples.reduce((sum, s) => sum + s.calls, 0);
    const label = `${rate * 100}%${rate > 0 ? (atOnce ? ", answered at once" : ", answered after the latency") : ""}`;
    rows.push([label, `${completed}/${repeats}`, spread(samples.map((s) => s.ms)), `${(ms / clean).toFixed(2)}×`, `${faults} / ${calls}`]);
  }
  return table(["model calls failing (429/500)", "runs complete", "wall time", "vs clean", "faults / requests (all runs)"], rows);
}

/** A small ASCII plot of the lane's width over time. */
function plot(samples: Array<{ t: number; width: number }>, limit: number): string {
  const top = Math.max(limit + 2, ...samples.map((s) => s.width));
  const columns = 60;
  const step = Math.max(1, Math.ceil(samples.length / columns));
  const picked = samples.filter((_, i) => i % step === 0);
  const lines: string[] = [];
  for (let level = top; level >= 1; level -= 1) {
    const row = picked.map((s) => (s.width >= level ? "█" : level === limit ? "·" : " ")).join("");
    lines.push(`${String(level).padStart(3)} |${row}${level === limit ? `  ← hidden limit (${limit})` : ""}`);
  }
  const lastMs = picked.at(-1)?.t ?? 0;
  lines.push(`    +${"-".repeat(picked.length)}`);
  lines.push(`     0 s${" ".repeat(Math.max(1, picked.length - 12))}${(lastMs / 1000).toFixed(1)} s`);
  return ["```", ...lines, "```"].join("\n");
}

async function convergence(standin: StandIn): Promise<string> {
  const units = 16;
  const limit = 6;
  limits({ max_model_concurrency: 0, adaptive_concurrency: true });
  standin.reset();
  standin.configure({ behaviour: oneRound(units), faults: { rate429: 0, rate500: 0 }, maxInFlight: limit });
  const lane = laneNamed("model:openai");
  const samples: Array<{ t: number; width: number }> = [];
  const started = performance.now();
  const timer = setInterval(() => samples.push({ t: performance.now() - started, width: Number.isFinite(lane.width) ? lane.width : 99 }), 50);
  let outcome: Outcome;
  try {
    outcome = await research(standin, units);
  } finally {
    clearInterval(timer);
    standin.configure({ maxInFlight: 0 });
  }
  const share = outcome.status429 / outcome.calls;
  const rows = [
    [
      String(units),
      String(limit),
      `${outcome.units} / ${outcome.failedUnits}`,
      String(outcome.calls),
      `${outcome.status429} (${(share * 100).toFixed(1)}%)`,
      String(standin.stats().peakInFlight),
      String(lane.width),
      seconds(outcome.ms),
    ],
  ];
  return [
    table(["units", "hidden limit", "units done / failed", "requests", "answered 429", "peak in flight at the stand-in", "final lane width", "wall time"], rows),
    "",
    "Lane width over the run (sampled every 50 ms):",
    "",
    plot(samples, limit),
  ].join("\n");
}

async function cacheTwice(standin: StandIn): Promise<string> {
  limits({ cache: true });
  const rows: string[][] = [];
  for (const label of ["first run", "same question again"]) {
    standin.reset();
    standin.configure({ behaviour: oneRound(4), faults: { rate429: 0, rate500: 0 } });
    const usage = new ModelUsage();
    const started = performance.now();
    await runGraph("How do tides work?", { max_concurrent_research_units: 4, max_researcher_iterations: 3 }, { callbacks: [usage] });
    const ms = performance.now() - started;
    const totals = usage.totals();
    rows.push([label, String(standin.stats().total), `${totals.cached_calls} / ${totals.model_calls}`, String(totals.input_tokens + totals.output_tokens), seconds(ms)]);
  }
  limits();
  return table(["run", "requests to the model", "calls from cache / all", "tokens billed", "wall time"], rows);
}

async function sharedLane(standin: StandIn): Promise<string> {
  const runs = 32;
  const width = 8;
  limits({ max_model_concurrency: width, adaptive_concurrency: false });
  standin.reset();
  standin.configure({ behaviour: oneRound(2), faults: { rate429: 0, rate500: 0 } });
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    Array.from({ length: runs }, (_, i) => runGraph(`How do tides work? (run ${i + 1})`, { max_concurrent_research_units: 2, max_researcher_iterations: 3 })),
  );
  const ms = performance.now() - started;
  const done = outcomes.filter((o) => o.status === "fulfilled").length;
  const stats = standin.stats();
  limits();
  return table(
    ["runs at once", "max_model_concurrency", "runs done", "requests", "peak in flight at the stand-in", "wall time", "requests per second"],
    [[String(runs), String(width), `${done}/${runs}`, String(stats.total), String(stats.peakInFlight), seconds(ms), (stats.total / (ms / 1000)).toFixed(1)]],
  );
}

export async function run(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  const repeats = options.quick ? 2 : 10;
  const defaults = ConfigurationSchema.parse({});
  const standin = await useStandIn({ latencyMs: LATENCY_MS });
  try {
    limits();
    standin.configure({ behaviour: oneRound(2) });
    await research(standin, 2); // loads modules and warms the JIT outside the timings
    const penalty = await faultPenalty(standin, repeats);
    const converge = await convergence(standin);
    const cached = await cacheTwice(standin);
    const shared = await sharedLane(standin);
    return [
      "## Speed under limits: faults, a hidden rate limit, the cache, a shared lane",
      "",
      `The real graph in process (MemorySaver) on the stand-in model at ${LATENCY_MS} ms per call, searching the fixture corpus;`,
      "the stand-in's supervisor asks for all units in its first turn. Default limit settings unless a row says otherwise",
      `(\`model_retries\` ${defaults.model_retries}, \`retry_initial_delay_ms\` ${defaults.retry_initial_delay_ms}, full jitter; the stand-in's 429s carry \`retry-after: 0\`).`,
      "",
      "### Fault penalty (8 units)",
      "",
      `Each model request draws a fault from the stand-in's seeded PRNG: half 429, half 500, answered after the usual latency. ${repeats} runs per row (seeds differ per run, same per row).`,
      "A fault costs at least one more call's latency on its path, plus the backoff; the issue's targets are 1.3× at 10% and 1.5× at 20%.",
      "The stand-in answers a fault after the full latency, as the issue measured it: harsh, since real gateways answer a 429 (and many 5xx) at once,",
      "so each fault costs a whole call's time. What is left of the penalty is that, on the serial calls (brief, supervisor, report) and on the slowest",
      "of the 8 units, whatever the retry policy. The last two rows draw the same faults (same seeds) but answer them at once (`faults.atOnce`).",
      "A 429 narrows the lane only when it tells of a limit (2 among the last 10 answers, from calls started with more in flight than any recent success),",
      "and a call survives 6 faults in a row.",
      "",
      penalty,
      "",
      "### Converging on a hidden concurrency limit",
      "",
      "The stand-in answers 429 at once to a request that arrives while 6 are in flight (a gateway's limit the client is not told).",
      "`max_model_concurrency=0` (no cap), `adaptive_concurrency=true`: the lane starts 8 wide and must find the limit itself.",
      "",
      converge,
      "",
      "### The same question twice, with the response cache",
      "",
      cached,
      "",
      "### 32 runs at once sharing one lane",
      "",
      "32 in-process runs of 2 units each, all through the process's one `model:openai` lane, capped at 8.",
      "",
      shared,
    ].join("\n");
  } finally {
    await standin.close();
  }
}
