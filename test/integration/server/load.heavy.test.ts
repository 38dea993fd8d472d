/**
 * HEAVY: 32 runs at once against one server process (the stand-in at 200 ms per model call,
 * two research units each): every one must finish with a report. Timings are in
 * docs/benchmarks.md (`node --import tsx bench/serverLoad.ts`), not asserted here.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { startFanoutServer, type ServerProcess } from "../../support/server.js";
import { concurrentRuns } from "../../support/serverLoad.js";

const RUNS = 32;
let standin: StandIn;
let server: ServerProcess;

before(async () => {
  standin = await startStandIn({ latencyMs: 200, units: 2, searchRounds: 1 });
  server = await startFanoutServer({
    POSTGRES_URI: undefined,
    FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-load-")),
    OPENAI_BASE_URL: standin.url,
    OPENAI_API_KEY: "test-key-not-secret",
  });
});
after(async () => {
  await server?.stop();
  await standin?.close();
});

test(`${RUNS} concurrent runs against one server all finish with a report`, { timeout: 600_000 }, async () => {
  const load = await concurrentRuns(server.url, RUNS);
  assert.deepEqual(load.failed, []);
  assert.equal(load.finished, RUNS);
});
