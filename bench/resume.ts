/**
 * The compiled CLI as a user runs it: process start-up, a full run, resume after SIGKILL
 * mid-fan-out, and printing a finished thread, per checkpoint store.
 *
 *   npm run bench -- resume [--quick]
 *
 * The kill follows test/integration/cli/durability.test.ts: two of four units hang at the
 * stand-in until the CLI is killed, after the other two have reported "unit finished".
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import type { StandIn } from "../test/standin/server.js";
import { runCli, startCli, type CliResult } from "../test/support/cli.js";
import { CORPUS, useStandIn } from "../test/support/harness.js";
import { cliStores, CODE_CACHE, ensureBuilt, RESEARCH, type CliStore } from "./support/cli.js";
import { dropSchema } from "./support/postgres.js";
import { idleMs } from "./support/requests.js";
import { median, spread, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";

const LATENCY_MS = 200;
const UNITS = 4;
const QUESTION = "How does tidal power generate electricity?";
/** The stand-in's 2nd and 3rd default sub-topics; these units hang until the kill. */
const HANGING = /^(Current|Key)/;
/** HTML pages in the large corpus: start-up must not read them (they are read by the first search). */
const LARGE_CORPUS_PAGES = 300;
const NAIVE_FIRST_CALL = fileURLToPath(new URL("./support/naive-first-call.mjs", import.meta.url));

type Samples = Record<
  | "version"
  | "coldStartup"
  | "freshStartup"
  | "largeCorpusStartup"
  | "freshIdle"
  | "freshTail"
  | "fresh"
  | "resume"
  | "resumeStartup"
  | "show"
  | "bareVersion"
  | "naiveStartup"
  | "load",
  number[]
> & { freshCalls: number; resumeCalls: number };

function emptySamples(): Samples {
  return {
    version: [],
    coldStartup: [],
    freshStartup: [],
    largeCorpusStartup: [],
    freshIdle: [],
    freshTail: [],
    fresh: [],
    resume: [],
    resumeStartup: [],
    show: [],
    bareVersion: [],
    naiveStartup: [],
    load: [],
    freshCalls: 0,
    resumeCalls: 0,
  };
}

type TimedRun = {
  ms: number;
  calls: number;
  /** Spawn → first model call. */
  firstCallMs: number;
  /** Between the first call's start and the last call's end, time with no call in flight. */
  idleMs: number;
  /** Last call's end → exit. */
  tailMs: number;
  result: CliResult;
};

function check(result: CliResult, what: string): void {
  if (result.code !== 0) throw new Error(`${what} exited with ${result.code ?? result.signal}: ${result.stderr.slice(-500)}`);
}

/** Runs the CLI to the end and splits its wall time around the model calls it made. */
async function timedCli(standin: StandIn, args: string[], store: CliStore): Promise<TimedRun> {
  const seen = standin.requests().length;
  const started = Date.now();
  const result = await runCli(args, { env: store.env });
  const ended = Date.now();
  const mine = standin.requests().slice(seen);
  if (mine.length === 0) return { ms: ended - started, calls: 0, firstCallMs: Number.NaN, idleMs: Number.NaN, tailMs: Number.NaN, result };
  const first = mine[0].time;
  const last = Math.max(...mine.map((r) => r.time + r.durationMs));
  return { ms: ended - started, calls: mine.length, firstCallMs: first - started, idleMs: idleMs(mine, first, last), tailMs: ended - last, result };
}

async function version(store: CliStore): Promise<number> {
  const started = Date.now();
  check(await runCli(["--version"], { env: store.env }), "fanout --version");
  return Date.now() - started;
}

/** Spawns node with `args` and resolves with its wall time once it exits. */
function spawnTimed(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: "ignore" });
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(Date.now() - started) : reject(new Error(`node ${args.join(" ")} exited ${code}`))));
  });
}

/** The baselines, timed right beside the CLI: bare node printing a version, and a plain script's first model call. */
async function baselines(standin: StandIn, samples: Samples): Promise<void> {
  samples.bareVersion.push(await spawnTimed(["-e", "console.log('0.1.0')"]));
  standin.reset();
  standin.configure({ behaviour: undefined });
  const started = Date.now();
  await spawnTimed([NAIVE_FIRST_CALL, QUESTION]);
  const first = standin.requests()[0];
  if (!first) throw new Error("the naive script made no model call");
  samples.naiveStartup.push(first.time - started);
}

/** A new run with no code cache, as the first run after `npm run build`: only its start → first model call is kept. */
async function coldRun(standin: StandIn, store: CliStore, samples: Samples): Promise<void> {
  rmSync(CODE_CACHE, { force: true });
  standin.reset();
  standin.configure({ behaviour: undefined });
  const run = await timedCli(standin, ["--thread", `bench-cold-${Date.now()}`, QUESTION, ...RESEARCH], store);
  check(run.result, "a run without a code cache");
  samples.coldStartup.push(run.firstCallMs);
}

async function freshRun(standin: StandIn, store: CliStore, samples: Samples): Promise<void> {
  standin.reset();
  standin.configure({ behaviour: undefined });
  const run = await timedCli(standin, ["--thread", `bench-fresh-${Date.now()}`, QUESTION, ...RESEARCH], store);
  check(run.result, "a fresh run");
  samples.fresh.push(run.ms);
  samples.freshStartup.push(run.firstCallMs);
  samples.freshIdle.push(run.idleMs);
  samples.freshTail.push(run.tailMs);
  samples.freshCalls = run.calls;
}

/** A folder of LARGE_CORPUS_PAGES HTML pages (the fixture's page, each made different and longer); the caller removes it. */
function writeLargeCorpus(): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), "fanout-bench-html-"));
  const page = readFileSync(path.join(CORPUS, "tidal-power.html"), "utf8");
  for (let i = 0; i < LARGE_CORPUS_PAGES; i += 1) {
    writeFileSync(path.join(folder, `page-${i}.html`), page.replace("<body>", `<body><p>${"Notes on tides, turbines and estuaries. ".repeat(150)} (${i})</p>`));
  }
  return folder;
}

/** A new run over the large HTML corpus: only its start → first model call is kept. */
async function largeCorpusRun(standin: StandIn, store: CliStore, corpus: string, samples: Samples): Promise<void> {
  standin.reset();
  standin.configure({ behaviour: undefined });
  const args = [QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${corpus}`, "--set", "allow_clarification=false"];
  const run = await timedCli(standin, ["--thread", `bench-large-${Date.now()}`, ...args], store);
  check(run.result, "a run over the large corpus");
  samples.largeCorpusStartup.push(run.firstCallMs);
}

/** Starts a run, kills it once two units are saved, then times the resume and a re-print. */
async function killAndResume(standin: StandIn, store: CliStore, samples: Samples): Promise<void> {
  const thread = `bench-kill-${Date.now()}`;
  standin.reset();
  standin.configure({ behaviour: (request) => (request.role === "researcher" && HANGING.test(request.topic) ? { hangMs: 60_000 } : undefined) });
  const first = startCli(["--thread", thread, QUESTION, ...RESEARCH], { env: store.env });
  let finished = 0;
  await first.stderrLines((line) => line.includes("unit finished") && ++finished === 2);
  await sleep(300); // as in the durability test: let the unit's write reach the store
  first.child.kill("SIGKILL");
  if ((await first.done).signal !== "SIGKILL") throw new Error("the first run was not killed");

  standin.configure({ behaviour: undefined });
  const resumed = await timedCli(standin, ["--thread", thread], store);
  check(resumed.result, "the resume");
  if (!/2 research units already finished/.test(resumed.result.stderr)) throw new Error(`the resume did not skip 2 units: ${resumed.result.stderr.slice(0, 300)}`);
  samples.resume.push(resumed.ms);
  samples.resumeStartup.push(resumed.firstCallMs);
  samples.resumeCalls = resumed.calls;

  const shown = await timedCli(standin, ["--thread", thread], store);
  check(shown.result, "printing a finished thread");
  if (shown.result.stdout !== resumed.result.stdout || shown.calls !== 0) throw new Error("a finished thread did not print its stored report without model calls");
  samples.show.push(shown.ms);
}

async function measure(standin: StandIn, store: CliStore, repeats: number, largeCorpus: string): Promise<Samples> {
  const samples = emptySamples();
  check(await runCli(["threads"], { env: store.env }), "fanout threads"); // loads every module once, so the OS file cache is warm
  for (let r = 0; r < repeats; r += 1) {
    samples.version.push(await version(store));
    await baselines(standin, samples);
    await coldRun(standin, store, samples); // leaves the code cache a research run writes, which the runs below use
    await freshRun(standin, store, samples);
    await largeCorpusRun(standin, store, largeCorpus, samples);
    await killAndResume(standin, store, samples);
    samples.load.push(os.loadavg()[0]);
  }
  return samples;
}

function rows(results: Samples[]): string[][] {
  const cell = (pick: (s: Samples) => number[]) => results.map((s) => spread(pick(s)));
  /** "1.9×": the CLI's median over its own store's interleaved baseline median. */
  const versus = (pick: (s: Samples) => number[], base: (s: Samples) => number[]) => results.map((s) => `${(median(pick(s)) / median(base(s))).toFixed(2)}×`);
  return [
    ["`fanout --version` (process start and exit, no run)", ...cell((s) => s.version)],
    ["… baseline: bare `node -e` printing a version", ...cell((s) => s.bareVersion)],
    [
      "… Fanout ÷ baseline",
      ...versus(
        (s) => s.version,
        (s) => s.bareVersion,
      ),
    ],
    [`new run, ${UNITS} units: process start → exit`, ...results.map((s) => `${spread(s.fresh)}, ${s.freshCalls} calls`)],
    ["… of which: process start → first model call", ...cell((s) => s.freshStartup)],
    ["… same, first run after a build (no code cache yet): process start → first model call", ...cell((s) => s.coldStartup)],
    [`… same, over ${LARGE_CORPUS_PAGES} HTML pages: process start → first model call`, ...cell((s) => s.largeCorpusStartup)],
    ["… baseline: a plain script's start → first model call (bench/support/naive-first-call.mjs)", ...cell((s) => s.naiveStartup)],
    [
      "… Fanout ÷ baseline, start → first model call",
      ...versus(
        (s) => s.freshStartup,
        (s) => s.naiveStartup,
      ),
    ],
    ["… Fanout ÷ critical path (7 calls), start → exit", ...results.map((s) => `${(median(s.fresh) / (7 * LATENCY_MS)).toFixed(2)}×`)],
    ["… of which: no model call in flight, between first and last call", ...cell((s) => s.freshIdle)],
    ["… of which: last model call → exit (report printed, store closed)", ...cell((s) => s.freshTail)],
    ["resume after SIGKILL (2 of 4 units saved): process start → exit", ...results.map((s) => `${spread(s.resume)}, ${s.resumeCalls} calls`)],
    ["… of which: process start → first model call", ...cell((s) => s.resumeStartup)],
    ["`fanout --thread ID` on a finished thread (prints the stored report)", ...cell((s) => s.show)],
    ["1-min load average during these runs", ...results.map((s) => `${Math.min(...s.load).toFixed(1)}–${Math.max(...s.load).toFixed(1)}`)],
  ];
}

export async function run(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  ensureBuilt();
  const repeats = options.quick ? 1 : 3;
  const standin = await useStandIn({ latencyMs: LATENCY_MS, units: UNITS });
  const { stores, note } = await cliStores("resume");
  const largeCorpus = writeLargeCorpus();
  try {
    const results: Samples[] = [];
    for (const store of stores) results.push(await measure(standin, store, repeats, largeCorpus));
    const floor = 7 * LATENCY_MS;
    return [
      "## CLI: start-up, resume after a kill, re-printing a finished run",
      "",
      `The compiled CLI (\`node bin/fanout.js\`) as a child process, on the stand-in at ${LATENCY_MS} ms per model call, ${UNITS} research units over the fixture corpus.`,
      `Resume: a run is SIGKILLed once 2 of its ${UNITS} units have been saved (the other 2 are held open by the stand-in), then \`fanout --thread ID\` runs it to the end.`,
      `A new run's critical path is 7 model calls (${(floor / 1000).toFixed(1)} s of model time); a resume's is 5 (2 units in parallel, then supervisor and report): ${((5 * LATENCY_MS) / 1000).toFixed(1)} s.`,
      `Times are the median (min–max) of ${repeats} run${repeats === 1 ? "" : "s"}, wall clock from spawn to exit; the CLI checkpoints with durability \`sync\`. ${note}`,
      "The CLI is the esbuild bundle dist/cli/main.cjs (npm run build), compiled with the V8 code cache that bin/fanout.js keeps beside it; the first run after a build has none yet",
      "and writes it (its row below). Each repetition also times the baselines, right beside the CLI: a bare `node -e` that prints a version,",
      "and a plain script that loads the OpenAI client from node_modules and makes one call. Before the first call the CLI only checks the local corpus folder (names and sizes);",
      `its files are read by the first search, so a corpus of ${LARGE_CORPUS_PAGES} HTML pages does not delay the first call.`,
      "",
      table(["", ...stores.map((s) => s.name)], rows(results)),
    ].join("\n");
  } finally {
    await standin.close();
    rmSync(largeCorpus, { recursive: true, force: true });
    for (const store of stores) {
      if (store.env.FANOUT_HOME) rmSync(store.env.FANOUT_HOME, { recursive: true, force: true });
      if (store.uri && store.schema) await dropSchema(store.uri, store.schema).catch(() => undefined);
    }
  }
}
