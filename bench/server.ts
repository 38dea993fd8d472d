/**
 * The HTTP server under load: 32 runs started at once against one `npm start` process, against
 * one run alone, on the stand-in at 200 ms per model call (four research units per run), on the
 * embedded store and on Postgres, with the runs in the main thread (FANOUT_SERVER_WORKERS=1, the
 * default) and in two worker threads, one after the other on each store.
 *
 *   npm run bench -- server
 *
 * The same load as test/integration/server/load.heavy.test.ts, which checks that all finish.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStandIn } from "../test/standin/server.js";
import { dropSchema } from "../test/support/postgres.js";
import { startFanoutServer } from "../test/support/server.js";
import { concurrentRuns } from "../test/support/serverLoad.js";
import { ensureBuilt } from "./support/cli.js";
import { reachablePostgres, redact } from "./support/postgres.js";
import { DEFAULT_OPTIONS, type BenchOptions } from "./support/types.js";

const RUNS = 32;
const LATENCY_MS = 200;
const UNITS = 4;
const WORKERS = [1, 2];
const WARM_UP_RUNS = 4;
const LONE_RUNS = 3;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Peak resident memory of a process so far (Linux: VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : Number.NaN;
}

/** CPU time the process has used so far, all its threads (Linux: utime + stime), in seconds. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks, 100 a second
}

/** One run alone, LONE_RUNS times in a row: their wall times. */
async function lonesWallMs(url: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < LONE_RUNS; i++) times.push((await concurrentRuns(url, 1)).wallMs);
  return times;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function run(_options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  ensureBuilt();
  const standin = await startStandIn({ latencyMs: LATENCY_MS, units: UNITS, searchRounds: 1 });
  const postgres = await reachablePostgres();
  const schema = `fanout_bench_server_${process.pid}`;
  const stores: [string, Record<string, string | undefined>][] = [
    ["embedded SQLite", { POSTGRES_URI: undefined, FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-bench-server-")) }],
  ];
  if (postgres.uri) stores.push(["PostgreSQL", { POSTGRES_URI: postgres.uri, FANOUT_PG_SCHEMA: schema }]);
  const rows: string[] = [];
  try {
    for (const [name, env] of stores) {
      for (const workers of WORKERS) {
        const server = await startFanoutServer({
          ...env,
          FANOUT_SERVER_WORKERS: String(workers),
          // Each run asks a question of its own, but the units' topics repeat: every call goes to the stand-in.
          FANOUT_CACHE: "false",
          OPENAI_BASE_URL: standin.url,
          OPENAI_API_KEY: "bench-key-not-secret",
        });
        try {
          // Warm, as a server that has been up a while is: every worker has compiled the graph's code.
          await concurrentRuns(server.url, WARM_UP_RUNS);
          const alone = { wallMs: percentile(await lonesWallMs(server.url), 50) };
          const cpuBefore = cpuSeconds(server.child.pid!);
          const load = await concurrentRuns(server.url, RUNS);
          const cpu = cpuSeconds(server.child.pid!) - cpuBefore;
          const p95 = percentile(load.perRunMs, 95);
          rows.push(
            `| ${name} | ${workers} | ${s(alone.wallMs)} | ${load.finished} of ${RUNS} | ${s(load.wallMs)} | ${s(percentile(load.perRunMs, 50))} | ${s(p95)} | ${(p95 / alone.wallMs).toFixed(2)}× | ${cpu.toFixed(1)} s | ${peakRssMiB(server.child.pid!).toFixed(0)} MiB |`,
          );
        } finally {
          await server.stop();
        }
      }
    }
  } finally {
    if (postgres.uri) await dropSchema(postgres.uri, schema);
    await standin.close();
  }
  return [
    "## The HTTP server under load",
    "",
    `${RUNS} runs started at once through the SDK against one \`npm start\` process (\`node dist/src/server/main.js\`), after one run alone; each run has ${UNITS} research units and the stand-in answers in ${LATENCY_MS} ms.`,
    `A run is the SDK's \`threads.create\`, \`runs.stream\` to the end, and \`threads.getState\` holding the report; per run is that whole time; 1 run alone is the median of ${LONE_RUNS} in a row. Each server first serves ${WARM_UP_RUNS} runs unmeasured (warm-up). Server CPU is the process's, all threads (V8's GC helpers included), during the ${RUNS} runs; peak RSS is the process's (VmHWM).`,
    "The stand-in and the SDK clients run in the bench's own process on the same cores.",
    "Workers is `FANOUT_SERVER_WORKERS`: 1 runs everything in the main thread (the default), 2 runs the runs in two worker threads behind the main thread's listener. The response cache is off, so every model call reaches the stand-in.",
    postgres.uri ? `PostgreSQL is the local server at \`${redact(postgres.uri)}\`.` : `PostgreSQL skipped: ${postgres.reason}.`,
    "",
    `| store | workers | 1 run alone (median) | ${RUNS} at once: finished | wall time | per run p50 | per run p95 | p95 ÷ alone | server CPU for the ${RUNS} | server peak RSS |`,
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}
