import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { StandIn } from "../../standin/server.js";
import { CORPUS, sharedStandIn } from "../../support/harness.js";
import { dropStore, runCli, startCli, stores } from "../../support/cli.js";

const RESEARCH = ["--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, "--set", "allow_clarification=false"];

for (const store of stores()) {
  describe(`durable runs (${store.name})`, () => {
    const current = sharedStandIn();
    let standin: StandIn;
    beforeEach(() => {
      standin = current();
    });
    after(() => dropStore(store));

    test("SIGKILL mid-fan-out, then resume: finished units are not redone and the report is complete", async () => {
      const thread = `kill-${store.name}-${Date.now()}`;
      // Units whose topic starts with "Current" or "Key" hang until the kill; the first two finish.
      standin.reset();
      standin.configure({
        units: 4,
        latencyMs: 20,
        behaviour: (request) => (request.role === "researcher" && /^(Current|Key)/.test(request.topic) ? { hangMs: 60_000 } : undefined),
      });
      const first = startCli(["--thread", thread, "How does tidal power generate electricity?", ...RESEARCH], { env: store.env });
      let finished = 0;
      await first.stderrLines((line) => line.includes("unit finished") && ++finished === 2);
      // The line follows the unit's write being issued to the store; allow its round trip.
      await new Promise((resolve) => setTimeout(resolve, 300));
      first.child.kill("SIGKILL");
      const killed = await first.done;
      assert.equal(killed.signal, "SIGKILL");

      const before = standin.requests();
      const finishedTopics = new Set(before.filter((r) => r.role === "writer" && r.topic && !/^(Current|Key)/.test(r.topic)).map((r) => r.topic));
      assert.equal(finishedTopics.size, 2, "two units compressed before the kill");

      standin.configure({ behaviour: undefined });
      const resumed = await runCli(["--thread", thread, "--json"], { env: store.env });
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stderr, /resuming thread .*: 2 research units already finished/);

      const again = standin.requests().slice(before.length);
      const redone = again.filter((r) => finishedTopics.has(r.topic));
      assert.deepEqual(
        redone.map((r) => `${r.role}:${r.topic}`),
        [],
        "no model call of a finished unit was made again",
      );
      const resumedTopics = new Set(again.filter((r) => r.role === "researcher").map((r) => r.topic));
      assert.equal(resumedTopics.size, 2, "the two unfinished units ran on resume");
      const result = JSON.parse(resumed.stdout) as { report: string; counts: { units: number } };
      assert.match(result.report, /^# /);
      assert.match(result.report, /## Sources/);
      assert.equal(result.counts.units, 4, "--json counts the run's units, not only those this process finished");

      const shown = await runCli(["--thread", thread], { env: store.env });
      assert.equal(shown.code, 0);
      assert.equal(shown.stdout.trimEnd(), result.report.trimEnd(), "a finished thread prints its stored report");
    });
  });
}
