/**
 * Many runs sharing one embedded store: 32 compiled-CLI processes started at once against one
 * FANOUT_HOME, against one run alone, on the stand-in at 20 ms per model call with one research unit.
 *
 *   npm run bench -- concurrent [--quick]
 *
 * The same load as test/integration/cli/concurrent-runs.heavy.test.ts. What it costs is mostly
 * process start-up on 2 cores; what matters is that every run finishes (none fails on a locked file).
 */
import os from "node:os";
import { readFileSync, rmSync } from "node:fs";
import type { StandIn } from "../test/standin/server.js";
import { runCli, type CliResult } from "../test/support/cli.js";
import { useStandIn } from "../test/support/harness.js";
import { cliStores, ensureBuilt, RESEARCH, type CliStore } from "./support/cli.js";
import { median, seconds, spread, table } from "./support/stats.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";
import { SQLITE_SYNCHRONOUS } from "../src/checkpoint/sqlite.js";

const LATENCY_MS = 20;
const RUNS = 32;

type Batch = {
  /** Spawn of the first process → exit of the last. */
  wallMs: number;
  /** Each process's spawn → exit. */
  perRunMs: number[];
  failed: number;
  calls: number;
  /** Highest 1-minute load average sampled while the batch ran. */
  peakLoad: number;
  /** CPU time of the batch's processes, user + system (Linux; NaN elsewhere). */
  cpuMs: number;
};

/** CPU time of this process's waited-for children so far, from /proc/self/stat (Linux only). */
function childrenCpuMs(): number {
  try {
    const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1].split(" ");
    // After the ")" the fields start at 3 (state); cutime and cstime are fields 16 and 17.
    return ((Number(fields[13]) + Number(fields[14])) * 1000) / 100; // clock ticks, USER_HZ = 100
  } catch {
    return Number.NaN;
  }
}

async function batch(standin: StandIn, store: CliStore, count: number, tag: string): Promise<Batch> {
  const callsBefore = standin.stats().total;
  const cpuBefore = childrenCpuMs();
  let peakLoad = os.loadavg()[0];
  const sampler = setInterval(() => (peakLoad = Math.max(peakLoad, os.loadavg()[0])), 1_000);
  const started = Date.now();
  try {
    const timed = await Promise.all(
      Array.from({ length: count }, async (_, i): Promise<[number, CliResult]> => {
        const result = await runCli(["-q", "--thread", `${tag}-${i}`, `How does tidal power generate electricity? (${i})`, ...RESEARCH], { env: store.env });
        return [Date.now() - started, result];
      }),
    );
    return {
      wallMs: Date.now() - started,
      perRunMs: timed.map(([ms]) => ms),
      failed: timed.filter(([, result]) => result.code !== 0).length,
      calls: standin.stats().total - callsBefore,
      peakLoad,
      cpuMs: childrenCpuMs() - cpuBefore,
    };
  } finally {
    clearInterval(sampler);
  }
}

export async function run(options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  ensureBuilt();
  const repeats = options.quick ? 1 : 2;
  const standin = await useStandIn({ latencyMs: LATENCY_MS, units: 1 });
  const { stores } = await cliStores("concurrent");
  const store = stores[0]; // the embedded store: Postgres has no shared-file write lock to contend on
  try {
    await runCli(["threads"], { env: store.env }); // warms the OS file cache
    const alone: Batch[] = [];
    const together: Batch[] = [];
    for (let r = 0; r < repeats; r += 1) {
      alone.push(await batch(standin, store, 1, `alone-${r}`));
      together.push(await batch(standin, store, RUNS, `together-${r}`));
    }
    const total = (batches: Batch[], pick: (b: Batch) => number) => batches.reduce((sum, b) => sum + pick(b), 0);
    const row = (label: string, batches: Batch[], runs: number) => {
      const perRun = batches.flatMap((b) => b.perRunMs);
      return [
        label,
        spread(batches.map((b) => b.wallMs)),
        runs === 1 ? seconds(median(perRun)) : `${seconds(median(perRun))} (max ${seconds(Math.max(...perRun))})`,
        seconds(median(batches.map((b) => b.cpuMs)) / runs),
        `${batches[0].calls}`,
        `${total(batches, (b) => b.failed)} of ${runs * batches.length}`,
        batches.map((b) => b.peakLoad.toFixed(1)).join(", "),
      ];
    };
    const failed = total(together, (b) => b.failed) + total(alone, (b) => b.failed);
    const rows = [row("1 run alone", alone, 1), row(`${RUNS} runs at once`, together, RUNS)];
    return [
      "## Many runs on one embedded store",
      "",
      `${RUNS} compiled-CLI processes (\`node bin/fanout.js\`) started at once on one \`FANOUT_HOME\`, against one run alone: each run has 1 research unit, the stand-in answers in ${LATENCY_MS} ms.`,
      `Every run holds its thread's lease and writes its checkpoints with durability \`sync\` into the same SQLite file (WAL, synchronous=${SQLITE_SYNCHRONOUS}), so the writes take turns on its one write lock.`,
      `Wall time is spawn of the first process to exit of the last (median (min–max) of ${repeats}); per run is each process's spawn to exit; load is the highest 1-minute load average sampled during the batch.`,
      "",
      table(["", "wall time", "per run (median)", "CPU per run", "model calls", "failed", "peak load (1 min)"], rows),
      "",
      `${failed === 0 ? "No run failed." : `**${failed} runs failed.**`} CPU per run is the user + system time of all the batch's processes over the runs; on ${os.cpus().length} cores it is most of what ${RUNS} runs at once cost.`,
    ].join("\n");
  } finally {
    await standin.close();
    for (const s of stores) if (s.env.FANOUT_HOME) rmSync(s.env.FANOUT_HOME, { recursive: true, force: true });
  }
}
