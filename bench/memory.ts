/**
 * Peak memory of the compiled CLI: a full run with 1 and 8 research units, against
 * `fanout --version`, which starts and exits without loading the graph.
 *
 *   npm run bench -- memory [--quick]
 *
 * A preload (bench/support/rss-probe.mjs) records the child's peak RSS (VmHWM) when it exits,
 * plus the largest V8 heap a 20 ms sampler saw; both are the child's own, not the bench's.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StandIn } from "../test/standin/server.js";
import { runCli } from "../test/support/cli.js";
import { useStandIn } from "../test/support/harness.js";
import { cliStores, ensureBuilt, RESEARCH, type CliStore } from "./support/cli.js";
import { dropSchema } from "./support/postgres.js";
import { mebibytes, median, seconds, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";

const LATENCY_MS = 200;
const PROBE = fileURLToPath(new URL("./support/rss-probe.mjs", import.meta.url));

type Measurement = { maxRssBytes: number; peakHeapBytes: number; cpuMs: number; wallMs: number; calls: number; fromProc: boolean };
type Case = { label: string; args: (thread: string) => string[]; units?: number };

const CASES: Case[] = [
  { label: "`fanout --version` (no run)", args: () => ["--version"] },
  { label: "full run, 1 unit", args: (thread) => ["--thread", thread, "How does tidal power generate electricity?", ...RESEARCH], units: 1 },
  {
    label: "full run, 8 units in parallel",
    args: (thread) => ["--thread", thread, "How does tidal power generate electricity?", ...RESEARCH, "--set", "max_concurrent_research_units=8"],
    units: 8,
  },
];

async function measureOnce(standin: StandIn, store: CliStore, example: Case, folder: string, n: number): Promise<Measurement> {
  const file = path.join(folder, `memory-${n}.json`);
  standin.reset();
  if (example.units) standin.configure({ units: example.units });
  const started = Date.now();
  const result = await runCli(example.args(`bench-memory-${Date.now()}-${n}`), {
    env: { ...store.env, NODE_OPTIONS: `--import=${PROBE}`, BENCH_MEMORY_FILE: file },
  });
  const wallMs = Date.now() - started;
  if (result.code !== 0) throw new Error(`${example.label} exited with ${result.code ?? result.signal}: ${result.stderr.slice(-500)}`);
  const probe = JSON.parse(readFileSync(file, "utf8")) as { peakRssKiB: number; rssSource: string; peakHeapUsed: number; userCpuUs: number; systemCpuUs: number };
  return {
    maxRssBytes: probe.peakRssKiB * 1024,
    peakHeapBytes: probe.peakHeapUsed,
    cpuMs: (probe.userCpuUs + probe.systemCpuUs) / 1000,
    wallMs,
    calls: standin.stats().total,
    fromProc: probe.rssSource === "VmHWM",
  };
}

async function measureStore(standin: StandIn, store: CliStore, repeats: number, folder: string): Promise<{ rows: string[][]; fromProc: boolean }> {
  const rows: string[][] = [];
  let fromProc = true;
  let n = 0;
  for (const example of CASES) {
    const samples: Measurement[] = [];
    for (let r = 0; r < repeats; r += 1) samples.push(await measureOnce(standin, store, example, folder, (n += 1)));
    fromProc &&= samples.every((s) => s.fromProc);
    const pick = (key: "maxRssBytes" | "peakHeapBytes" | "cpuMs" | "wallMs") => median(samples.map((s) => s[key]));
    rows.push([
      store.name,
      example.label,
      mebibytes(pick("maxRssBytes")),
      mebibytes(pick("peakHeapBytes")),
      seconds(pick("cpuMs")),
      seconds(pick("wallMs")),
      String(samples.at(-1)!.calls),
    ]);
  }
  return { rows, fromProc };
}

export async function run(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  ensureBuilt();
  const repeats = options.quick ? 1 : 3;
  const standin = await useStandIn({ latencyMs: LATENCY_MS });
  const { stores, note } = await cliStores("memory");
  const folder = mkdtempSync(path.join(tmpdir(), "fanout-bench-memory-"));
  try {
    const rows: string[][] = [];
    let fromProc = true;
    for (const store of stores) {
      const measured = await measureStore(standin, store, repeats, folder);
      rows.push(...measured.rows);
      fromProc &&= measured.fromProc;
    }
    const rssNote = fromProc ? "" : " Peak RSS fell back to getrusage maxRSS (no /proc), which can include the bench process's own peak.";
    return [
      "## Memory: peak RSS of a CLI run",
      "",
      `The compiled CLI as a child process on the stand-in (${LATENCY_MS} ms per call), fixture corpus. Peak RSS is the child's VmHWM (/proc/self/status) at exit;`,
      "peak heap is the largest V8 heapUsed a 20 ms sampler inside the child saw; CPU is the child's user + system time.",
      `Median of ${repeats} run${repeats === 1 ? "" : "s"}. ${note}${rssNote}`,
      "",
      table(["store", "case", "peak RSS", "peak heap used", "CPU time", "wall time", "model calls"], rows, ["l", "l"]),
    ].join("\n");
  } finally {
    await standin.close();
    rmSync(folder, { recursive: true, force: true });
    for (const store of stores) {
      if (store.env.FANOUT_HOME) rmSync(store.env.FANOUT_HOME, { recursive: true, force: true });
      if (store.uri && store.schema) await dropSchema(store.uri, store.schema).catch(() => undefined);
    }
  }
}
