/**
 * CPU profile of warm in-process CLI runs (the CLI's store and durability), for finding hot spots.
 *
 *   node --import tsx bench/profile.ts [--units 16] [--runs 3] [--latency-ms 0] [--out run.cpuprofile]
 *
 * The stand-in runs in a child process, so the profile and the CPU per call are Fanout's alone.
 * Prints CPU time per run and per model call, and the top functions by self time.
 * --mode cli (default) runs the CLI's main(); durable runs the graph as the CLI streams it on one
 * embedded store opened once (durable-invoke: the same without streaming); graph runs the bare
 * graph with no checkpointer; skeleton runs bench/support/skeleton.ts (the graph's shape and state
 * with nodes that do no work) as durable does, on the same store: its CPU is the framework's share;
 * baseline runs the naive Promise.all pipeline (bench/support/baseline.ts).
 */
import { rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { parseArgs } from "node:util";
import { HumanMessage } from "@langchain/core/messages";
import { buildDeepResearcher } from "../graphs/deep_researcher.js";
import { CORPUS } from "../test/support/harness.js";
import { naiveResearch } from "./support/baseline.js";
import { runCliInProcess } from "./support/inProcessCli.js";
import { durableGraphRun, expectedCalls } from "./support/runs.js";
import { skeletonRun } from "./support/skeleton.js";
import { openCheckpointer } from "../src/checkpoint/open.js";
import { formatSummary, summariseProfile, type CpuProfile } from "./support/profileSummary.js";
import { isolatedBenchHome } from "./support/benchEnv.js";
import { startRemoteStandIn } from "./support/standinProcess.js";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "cli" },
    units: { type: "string", default: "16" },
    runs: { type: "string", default: "3" },
    "latency-ms": { type: "string", default: "0" },
    out: { type: "string" },
  },
});
const units = Number(values.units);
const runs = Number(values.runs);
const home = isolatedBenchHome("fanout-profile-");
const QUESTION = "How do everyday technologies and crafts work?";
const settings = { search_api: "local", local_corpus_path: CORPUS, allow_clarification: false, max_concurrent_research_units: units };
const store = await openCheckpointer({ home: path.join(home, "shared") });
const modes: Record<string, (id: string) => Promise<unknown>> = {
  durable: (id) => durableGraphRun(store.saver, units, id),
  "durable-invoke": (id) =>
    buildDeepResearcher({ checkpointer: store.saver }).invoke(
      { messages: [new HumanMessage(QUESTION)] },
      { configurable: { thread_id: id, ...settings }, durability: "sync", recursionLimit: 1_000 },
    ),
  cli: (id) => runCliInProcess(id, units),
  graph: (id) => buildDeepResearcher().invoke({ messages: [new HumanMessage(QUESTION)] }, { configurable: { thread_id: id, ...settings }, recursionLimit: 1_000 }),
  baseline: () => naiveResearch(QUESTION, settings),
  skeleton: (id) => skeletonRun(units, id, store.saver),
};
const once = modes[values.mode!];
if (!once) throw new Error(`--mode is one of ${Object.keys(modes).join(", ")}`);
const standin = await startRemoteStandIn({ latencyMs: Number(values["latency-ms"]), units });
try {
  for (let r = 0; r < 3; r += 1) await once(`warm-${Date.now()}-${r}`); // loads modules and lets the JIT optimise the hot paths
  // CPU and wall time come from runs without the profiler, whose sampling costs CPU of its own.
  await standin.reset();
  const cpu = process.cpuUsage();
  // The main thread's busy time: what stalls every unit's next step (cpuUsage adds GC and JIT threads).
  const loop = performance.eventLoopUtilization();
  const started = performance.now();
  for (let r = 0; r < runs; r += 1) await once(`timed-${Date.now()}-${r}`);
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const busyMs = performance.eventLoopUtilization(loop).active;
  // The skeleton makes no calls: its CPU is divided by the calls a real run of its size makes.
  const calls = values.mode === "skeleton" ? runs * expectedCalls(units) : (await standin.stats()).total;
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  for (let r = 0; r < runs; r += 1) await once(`profile-${Date.now()}-${r}`);
  const { profile } = (await session.post("Profiler.stop")) as { profile: CpuProfile };
  session.disconnect();
  const cpuMs = (used.user + used.system) / 1000;
  if (values.out) writeFileSync(values.out, JSON.stringify(profile));
  console.log(
    `${runs} runs × ${units} units: ${calls} model calls; wall ${(wall / runs).toFixed(0)} ms/run; CPU ${(cpuMs / runs).toFixed(0)} ms/run, ${(cpuMs / calls).toFixed(2)} ms/call; main thread busy ${(busyMs / calls).toFixed(2)} ms/call`,
  );
  console.log(formatSummary(summariseProfile(profile, 25)));
} finally {
  await standin.close();
  await store.close();
  rmSync(home, { recursive: true, force: true });
}
