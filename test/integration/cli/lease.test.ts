import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { dropStore, runCli, startCli, stores, type CliResult } from "../../support/cli.js";
import { RESEARCH, TEST_KEY } from "./common.js";

const QUESTION = "How does tidal power generate electricity?";
/** With 2 units, the second unit's topic starts with "Current"; the first runs free. */
const SECOND_UNIT = /^Current/;

type Counts = Record<string, number>;
const byRole = (standin: StandIn): Counts => ({ ...standin.stats().byRole });

// Each test has its own stand-in and thread; the stores run side by side, the tests of one store in turn.
describe("one runner per thread", { concurrency: true }, () => {
  for (const store of stores()) {
    describe(store.name, { concurrency: 1 }, () => {
      after(() => dropStore(store));

      test("two runs creating the same new thread at once: one runs it, the other exits 2 without a model call", { timeout: 120_000 }, async (t) => {
        // Every brief call waits until both processes have had their chance to start the thread.
        let open = () => {};
        const gate = new Promise<void>((resolve) => (open = resolve));
        let briefs = 0;
        let bothBriefed = () => {};
        const twoBriefs = new Promise<void>((resolve) => (bothBriefed = resolve));
        const standin = await startStandIn({
          latencyMs: 5,
          units: 2,
          behaviour: async (request) => {
            if (request.role !== "brief") return undefined;
            if (++briefs === 2) bothBriefed();
            await gate;
            return undefined;
          },
        });
        t.after(async () => {
          open();
          await standin.close();
        });
        const env = { ...store.env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };

        const thread = `same-new-${store.name}-${Date.now()}`;
        const runs = [0, 1].map(() => startCli(["--thread", thread, QUESTION, ...RESEARCH], { env }));
        // Fixed: the loser exits at once. Before the fix both got as far as the brief.
        await Promise.race([...runs.map((run) => run.done), twoBriefs]);
        open();
        const results = await Promise.all(runs.map((run) => run.done));
        const doubled = byRole(standin);

        const refused = results.filter((result) => result.code === 2);
        const ran = results.filter((result) => result.code === 0);
        assert.equal(ran.length, 1, describeAll(results));
        assert.equal(refused.length, 1, describeAll(results));
        assertOneLine(refused[0].stderr, new RegExp(`^fanout: thread ${thread} is running in another process`));
        assert.match(ran[0].stdout, /^# /);

        // The same run alone, for the model calls one run makes.
        standin.reset();
        open();
        const alone = await runCli(["--thread", `${thread}-alone`, QUESTION, ...RESEARCH], { env });
        assert.equal(alone.code, 0, alone.stderr);
        assert.deepEqual(doubled, byRole(standin), "the pair made the model calls of one run");
      });

      test("a resume while the thread runs exits 2; prune skips it; after a SIGKILL the next resume takes over at once", { timeout: 120_000 }, async (t) => {
        let release = () => {};
        const released = new Promise<void>((resolve) => (release = resolve));
        const standin = await startStandIn({
          latencyMs: 5,
          units: 2,
          // The second unit's researcher is held until the test lets go (only after the kill).
          behaviour: async (request) => {
            if (request.role !== "researcher" || !SECOND_UNIT.test(request.topic)) return undefined;
            await released;
            return undefined;
          },
        });
        t.after(async () => {
          release();
          await standin.close();
        });
        const env = { ...store.env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
        const cli = (args: string[]) => runCli(args, { env });

        const thread = `held-${store.name}-${Date.now()}`;
        const first = startCli(["--thread", thread, QUESTION, ...RESEARCH], { env });
        await first.stderrLines((line) => line.includes("unit finished"));
        await new Promise((resolve) => setTimeout(resolve, 300)); // the unit's write reaches the store
        const callsWhileHeld = standin.stats().total;

        const resume = await cli(["--thread", thread]);
        assert.equal(resume.code, 2, resume.stderr);
        assertOneLine(resume.stderr, new RegExp(`^fanout: thread ${thread} is running in another process`));
        const listed = await cli(["threads", "--json"]);
        assert.equal(listed.code, 0, listed.stderr);
        const view = (JSON.parse(listed.stdout) as { thread_id: string; status: string }[]).find((v) => v.thread_id === thread);
        assert.equal(view?.status, "running");
        const [pruneAll, pruneOne] = await Promise.all([cli(["prune", "--older-than", "0s"]), cli(["prune", "--thread", thread])]);
        assert.equal(pruneAll.code, 0, pruneAll.stderr);
        assert.match(pruneAll.stderr, new RegExp(`skipped 1 running thread: ${thread}`));
        assert.equal(pruneOne.code, 2, pruneOne.stderr);
        assert.match(pruneOne.stderr, new RegExp(`^fanout: skipped thread ${thread}: it is running in another process`));
        assert.equal(standin.stats().total, callsWhileHeld, "the refused commands made no model call");

        first.child.kill("SIGKILL");
        assert.equal((await first.done).signal, "SIGKILL");
        const before = standin.requests();
        const finishedTopic = before.find((request) => request.role === "writer" && !SECOND_UNIT.test(request.topic))?.topic;
        assert.ok(finishedTopic, "the first unit was compressed before the kill");
        standin.configure({ behaviour: undefined });

        // The killed run's lease is reclaimed at once: no waiting for it to expire.
        const resumed = await cli(["--thread", thread]);
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.match(resumed.stderr, new RegExp(`resuming thread ${thread}: 1 research unit already finished`));
        const again = standin.requests().slice(before.length);
        assert.deepEqual(
          again.filter((request) => request.topic === finishedTopic).map((request) => request.role),
          [],
          "the finished unit was not redone",
        );
        assert.equal(new Set(again.filter((request) => request.role === "researcher").map((request) => request.topic)).size, 1, "only the unfinished unit ran");
        assert.equal(again.filter((request) => request.role === "brief").length, 0, "the brief was not redone");

        const done = await cli(["show", thread, "--json"]);
        assert.equal((JSON.parse(done.stdout) as { status: string }).status, "done");
      });
    });
  }
});

function assertOneLine(stderr: string, pattern: RegExp): void {
  assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
  assert.match(stderr, pattern);
}

function describeAll(results: CliResult[]): string {
  return results.map((result, i) => `run ${i}: exit ${result.code ?? result.signal}\n${result.stderr}`).join("\n");
}
