/**
 * Runs the stand-in OpenAI-compatible server (a TEST TOOL and demo prop) on its own:
 *   node --import tsx test/standin/main.ts [--port N] [--latency-ms N] [--jitter-ms N]
 *     [--units N] [--search-rounds N] [--rate429 P] [--rate500 P] [--seed N]
 * Prints exactly one stdout line, `STANDIN_URL=http://127.0.0.1:PORT/v1`, once listening;
 * exits 0 on SIGTERM/SIGINT.
 */
import { parseArgs } from "node:util";
import { startStandIn } from "./server.js";
import type { StandInOptions } from "./types.js";

const FLAGS = ["port", "latency-ms", "jitter-ms", "units", "search-rounds", "rate429", "rate500", "seed"] as const;

function numberFlag(values: Record<string, string | undefined>, flag: string): number | undefined {
  const raw = values[flag];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) throw new Error(`--${flag} must be a number, got "${raw}"`);
  return value;
}

function optionsFrom(argv: string[]): StandInOptions {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(FLAGS.map((flag) => [flag, { type: "string" as const }])),
    strict: true,
  });
  const get = (flag: string) => numberFlag(values as Record<string, string | undefined>, flag);
  const faults = { rate429: get("rate429"), rate500: get("rate500"), seed: get("seed") };
  return {
    port: get("port") ?? 0,
    latencyMs: get("latency-ms"),
    jitterMs: get("jitter-ms"),
    units: get("units"),
    searchRounds: get("search-rounds"),
    faults,
  };
}

async function main(): Promise<void> {
  let options: StandInOptions;
  try {
    options = optionsFrom(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`standin: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const standIn = await startStandIn(options);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    standIn.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  // Only after the handlers exist: a parent may signal as soon as it reads this line.
  process.stdout.write(`STANDIN_URL=${standIn.url}\n`);
}

await main();
