/**
 * HEAVY: starts 32 CLI processes at once (about 30 s of CPU on a 2-core machine). Each run is as
 * light as a run gets (one research unit, 20 ms per model call), so the load is process start-up
 * and checkpoint writes, which is what this is about: many runs sharing one embedded store.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { runCli } from "../../support/cli.js";
import { embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

const RUNS = 32;

let standin: StandIn;
const store = embeddedEnv();

before(async () => {
  standin = await startStandIn({ latencyMs: 20, units: 1 });
});
after(async () => {
  await standin.close();
  rmSync(store.FANOUT_HOME!, { recursive: true, force: true });
});

test(`${RUNS} runs at once on one embedded store all finish (none fails on a locked database)`, { timeout: 600_000 }, async () => {
  const env = { ...store, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
  const results = await Promise.all(
    Array.from({ length: RUNS }, (_, i) => runCli(["-q", "--thread", `many-${i}`, `How does tidal power generate electricity? (${i})`, ...RESEARCH], { env })),
  );
  const failed = results.flatMap((result, i) => (result.code === 0 ? [] : [`run ${i}: exit ${result.code ?? result.signal}: ${result.stderr.trim()}`]));
  assert.deepEqual(failed, []);

  const listed = await runCli(["threads", "--json"], { env });
  const statuses = (JSON.parse(listed.stdout) as { status: string }[]).map((view) => view.status);
  assert.deepEqual(statuses, Array(RUNS).fill("done"));
});
