/**
 * The runs the scaling and overhead benches time, against an out-of-process stand-in whose
 * supervisor asks for `units` research units in its first turn, then ends the research.
 */
import os from "node:os";
import { HumanMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { CORPUS } from "../../test/support/harness.js";
import { naiveResearch } from "./baseline.js";
import { runCliInProcess } from "./inProcessCli.js";
import type { RemoteStandIn } from "./standinProcess.js";

export const QUESTION = "How do everyday technologies and crafts work?";

/** Settings the baseline and the graph runs share with the CLI runs (bench/support/cli.ts RESEARCH). */
export function researchSettings(units: number): Record<string, string | number | boolean> {
  return { search_api: "local", local_corpus_path: CORPUS, allow_clarification: false, max_concurrent_research_units: units };
}

/**
 * Model calls on the longest chain of a run: brief, supervisor, the unit's researcher turns
 * (one per search round, plus the answer), compression, supervisor, report.
 */
export function criticalPathCalls(searchRounds = 1): number {
  return 4 + searchRounds + 2;
}

/** Calls a run makes when no search hit needs a summary; checked, so the critical path above holds. */
export function expectedCalls(units: number, searchRounds = 1): number {
  return 4 + units * (searchRounds + 2);
}

export type Lane = "baseline" | "fanout";

/** The naive Promise.all pipeline, or the CLI's main() (embedded store, durability sync), in this process. */
export async function runLane(lane: Lane, units: number, threadId: string): Promise<void> {
  if (lane === "baseline") await naiveResearch(QUESTION, researchSettings(units));
  else await runCliInProcess(threadId, units);
}

/** The graph as the CLI streams it (durability sync, subgraph updates), on a saver shared between runs. */
export async function durableGraphRun(saver: BaseCheckpointSaver, units: number, threadId: string): Promise<void> {
  const graph = buildDeepResearcher({ checkpointer: saver });
  const stream = await graph.stream({ messages: [new HumanMessage(QUESTION)] } as never, {
    configurable: { thread_id: threadId, ...researchSettings(units) },
    streamMode: ["updates", "custom"],
    subgraphs: true,
    durability: "sync",
    recursionLimit: 1_000,
  });
  for await (const _ of stream);
}

export type Timed = { ms: number; cpuMs: number; calls: number; load: number; fanoutGapMs: number };

/** Runs `body` alone against a freshly reset stand-in; wall and CPU time, calls, load average after. */
export async function timed(standin: RemoteStandIn, body: () => Promise<void>): Promise<Timed> {
  await standin.reset();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await body();
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const requests = await standin.requests();
  return { ms, cpuMs: (used.user + used.system) / 1000, calls: requests.length, load: os.loadavg()[0], fanoutGapMs: fanoutGap(requests) };
}

/** From the end of the supervisor's first turn to the start of the last unit's first call: the fan-out's own delay. */
function fanoutGap(requests: { role: string; topic: string; time: number; durationMs: number }[]): number {
  const supervisor = requests.find((r) => r.role === "supervisor");
  const firstCallOfUnit = new Map<string, number>();
  for (const r of requests) if (r.role === "researcher") firstCallOfUnit.set(r.topic, Math.min(r.time, firstCallOfUnit.get(r.topic) ?? Infinity));
  if (!supervisor || firstCallOfUnit.size === 0) return Number.NaN;
  return Math.max(...firstCallOfUnit.values()) - (supervisor.time + supervisor.durationMs);
}
