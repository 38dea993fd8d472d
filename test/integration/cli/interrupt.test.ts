import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { dropStore, runCli, startCli, stores } from "../../support/cli.js";
import { assertReport, RESEARCH, TEST_KEY } from "./common.js";

/** Units whose topic starts with these words hang in their first researcher call; "Background…" runs free. */
const SLOW = /^(Current|Key)/;
/** The hung calls are answered this long after the signal: the CLI must wait for them, then stop. */
const DRAIN_MS = 400;

// Every test has its own stand-in and thread, so all four (two signals, two stores) run side by side.
describe("interrupting a run (SIGINT / SIGTERM)", { concurrency: true }, () => {
  for (const store of stores()) {
    describe(store.name, () => {
      after(() => dropStore(store));

      for (const signal of ["SIGINT", "SIGTERM"] as const) {
        test(`${signal} during fan-out exits 130 after the steps in flight; resuming finishes without redoing saved work`, async (t) => {
          const hung = new Set<string>();
          let release = () => {};
          const released = new Promise<void>((resolve) => (release = resolve));
          const standin: StandIn = await startStandIn({
            latencyMs: 5,
            units: 3,
            // Held until the test releases them, then answered as usual: in flight for sure when the signal comes.
            behaviour: async (request) => {
              if (request.role !== "researcher" || !SLOW.test(request.topic) || hung.has(request.topic)) return undefined;
              hung.add(request.topic);
              await released;
              return undefined;
            },
          });
          t.after(async () => {
            release();
            await standin.close();
          });
          const env = { ...store.env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
          const thread = `${signal.toLowerCase()}-${store.name}-${Date.now()}`;
          const first = startCli(["--thread", thread, "How does tidal power generate electricity?", ...RESEARCH], { env });
          await first.stderrLines((line) => line.includes("unit finished"));
          assert.equal(standin.stats().inFlight, 2, "the two slow units are in flight");
          const signalledAt = Date.now();
          first.child.kill(signal);
          setTimeout(release, DRAIN_MS);
          const stopped = await first.done;
          const stopMs = Date.now() - signalledAt;
          assert.equal(stopped.code, 130, stopped.stderr);
          assert.ok(stopMs >= DRAIN_MS, `waited for the calls in flight (stopped after ${stopMs} ms)`);
          assert.ok(stopMs < DRAIN_MS + 3_000, `stopped within a few seconds (took ${stopMs} ms)`);
          assert.match(stopped.stderr, /stopping after the steps in flight/);
          assert.ok(stopped.stderr.endsWith(`resume with: fanout --thread ${thread}\n`), stopped.stderr);
          assert.equal(stopped.stdout, "");

          // The drain let the two hung calls finish rather than cutting them off.
          const before = standin.requests();
          assert.deepEqual(
            before.filter((r) => r.status !== 200),
            [],
            "no request was cut off",
          );
          const finished = new Set(before.filter((r) => r.role === "writer").map((r) => r.topic));
          assert.equal(finished.size, 1, "one unit was compressed before the signal");
          const [freeTopic] = finished;
          assert.doesNotMatch(freeTopic, SLOW);

          const resumed = await runCli(["--thread", thread], { env });
          assert.equal(resumed.code, 0, resumed.stderr);
          assert.match(resumed.stderr, new RegExp(`^resuming thread ${thread}: 1 research unit already finished`));
          assertReport(resumed.stdout);

          const again = standin.requests().slice(before.length);
          assert.deepEqual(
            again.filter((r) => r.role === "brief" || finished.has(r.topic)).map((r) => `${r.role}:${r.topic}`),
            [],
            "the brief and the finished unit were not redone",
          );
          // Each slow unit makes as many researcher calls in total as the free one did: the call that
          // finished during the drain was saved, so the resume made only the rest.
          const researcherCalls = (list: typeof before, topic: string) => list.filter((r) => r.role === "researcher" && r.topic === topic).length;
          const perUnit = researcherCalls(before, freeTopic);
          const slowTopics = [...hung];
          assert.equal(slowTopics.length, 2);
          for (const topic of slowTopics) {
            assert.equal(researcherCalls(before, topic), 1, `${topic}: its first call finished before the exit`);
            assert.equal(researcherCalls(before, topic) + researcherCalls(again, topic), perUnit, `${topic}: no researcher call repeated`);
          }
          assert.deepEqual(
            new Set(again.filter((r) => r.role === "writer" && SLOW.test(r.topic)).map((r) => r.topic)),
            new Set(slowTopics),
            "the slow units were compressed on resume",
          );
        });
      }
    });
  }
});
