/**
 * The HTTP server under load: 32 runs started at once against one `npm start` process, against
 * one run alone, on the stand-in at 200 ms per model call (two research units per run), on the
 * embedded store and on Postgres.
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

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Peak resident memory of a process so far (Linux: VmHWM), in MiB. */
function peakRssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmHWM:\s+(\d+) kB/m);
  return line ? Number(line[1]) / 1024 : Number.NaN;
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export async function run(_options: BenchOptions = DEFAULT_OPTIONS): Promise<string> {
  ensureBuilt();
  const standin = await startStandIn({ latencyMs: LATENCY_MS, units: 2, searchRounds: 1 });
  const postgres = await reachablePostgres();
  const schema = `fanout_bench_server_${process.pid}`;
  const stores: [string, Record<string, string | undefined>][] = [
    ["embedded SQLite", { POSTGRES_URI: undefined, FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-bench-server-")) }],
  ];
  if (postgres.uri) stores.push(["PostgreSQL", { POSTGRES_URI: postgres.uri, FANOUT_PG_SCHEMA: schema }]);
  const rows: string[] = [];
  try {
    for (const [name, env] of stores) {
      const server = await startFanoutServer({ ...env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: "bench-key-not-secret" });
      try {
        const alone = await concurrentRuns(server.url, 1);
        const load = await concurrentRuns(server.url, RUNS);
        rows.push(
          `| ${name} | ${s(alone.wallMs)} | ${load.finished} of ${RUNS} | ${s(load.wallMs)} | ${s(percentile(load.perRunMs, 50))} | ${s(percentile(load.perRunMs, 95))} | ${peakRssMiB(server.child.pid!).toFixed(0)} MiB |`,
        );
      } finally {
        await server.stop();
      }
    }
  } finally {
    if (postgres.uri) await dropSchema(postgres.uri, schema);
    await standin.close();
  }
  return [
    "## The HTTP server under load",
    "",
    `${RUNS} runs started at once through the SDK against one \`npm start\` process (\`node dist/src/server/main.js\`), after one run alone; each run has 2 research units and the stand-in answers in ${LATENCY_MS} ms.`,
    "A run is the SDK's `threads.create`, `runs.stream` to the end, and `threads.getState` holding the report; per run is that whole time. Peak RSS is the server process's (VmHWM).",
    postgres.uri ? `PostgreSQL is the local server at \`${redact(postgres.uri)}\`.` : `PostgreSQL skipped: ${postgres.reason}.`,
    "",
    `| store | 1 run alone | ${RUNS} at once: finished | wall time | per run p50 | per run p95 | server peak RSS |`,
    "|---|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}
