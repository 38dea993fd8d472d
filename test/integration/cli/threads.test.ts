import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { dropStore, runCli, stores } from "../../support/cli.js";
import { assertReport, assertUsageError, escapeRegExp, RESEARCH, TEST_KEY } from "./common.js";

type ThreadJson = { thread_id: string; question: string; status: string; units_done: number; pending: string[]; started: string; updated: string };

// The stores run side by side; each suite's CLI calls name their own stand-in, so that is safe.
describe("fanout threads / show / prune", { concurrency: true }, () => {
  for (const store of stores()) {
    describe(store.name, { concurrency: 1 }, () => {
      let standin: StandIn;
      const stamp = Date.now().toString(36);
      const runs = [
        { id: `tidal-${stamp}`, question: "How does tidal power generate electricity?", report: "" },
        { id: `bees-${stamp}`, question: "How do honeybees tell each other where flowers are?", report: "" },
      ];
      const cli = (args: string[]) => runCli(args, { env: { ...store.env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY } });

      before(async () => {
        standin = await startStandIn({ latencyMs: 2, units: 2 });
        await Promise.all(
          runs.map(async (run) => {
            const result = await cli(["--thread", run.id, run.question, ...RESEARCH]);
            assert.equal(result.code, 0, result.stderr);
            run.report = result.stdout;
          }),
        );
      });
      after(async () => {
        await standin.close();
        await dropStore(store);
      });

      // Read-only checks (and refused commands) first, one after another: a refused command holds
      // the thread's lease for a moment, and a listing at that moment rightly says "running". Prune last.
      describe("listing and refusing", () => {
        test("`threads` lists both runs, newest first, as done with their questions", async () => {
          const [plain, json] = await Promise.all([cli(["threads"]), cli(["threads", "--json"])]);
          assert.equal(json.code, 0, json.stderr);
          const listed = JSON.parse(json.stdout) as ThreadJson[];
          assert.deepEqual(
            listed
              .map((t) => ({ id: t.thread_id, status: t.status, question: t.question, units: t.units_done, pending: t.pending }))
              .sort((a, b) => a.id.localeCompare(b.id)),
            runs.map((run) => ({ id: run.id, status: "done", question: run.question, units: 2, pending: [] })).sort((a, b) => a.id.localeCompare(b.id)),
          );
          for (const thread of listed) assert.ok(Date.parse(thread.started) <= Date.parse(thread.updated), "started ≤ updated");
          assert.ok(Date.parse(listed[0].updated) >= Date.parse(listed[1].updated), "newest first");

          assert.equal(plain.code, 0, plain.stderr);
          const [header, ...rows] = plain.stdout.trimEnd().split("\n");
          assert.equal(header, "THREAD\tSTATUS\tUNITS\tSTARTED\tUPDATED\tQUESTION");
          assert.deepEqual(
            rows.map((row) => row.split("\t")).map(([id, status, units, , , question]) => [id, status, units, question]),
            listed.map((t) => [t.thread_id, "done", "2", t.question]),
          );
        });

        test("`show ID` prints status, pending step and the stored report", async () => {
          const [run] = runs;
          const plain = await cli(["show", run.id]);
          assert.equal(plain.code, 0, plain.stderr);
          assert.match(plain.stdout, new RegExp(`^thread:   ${run.id}$`, "m"));
          assert.match(plain.stdout, new RegExp(`^question: ${escapeRegExp(run.question)}$`, "m"));
          assert.match(plain.stdout, /^status:   done$/m);
          assert.match(plain.stdout, /^pending:  nothing$/m);
          assert.ok(plain.stdout.includes(run.report.trimEnd()), "the full report is shown");
          assertReport(run.report);
        });

        test("a question for an existing thread, or no question for an unknown one, exits 2 with advice", async () => {
          const [run] = runs;
          const requestsBefore = standin.stats().total;
          const [again, unknown] = await Promise.all([cli(["--thread", run.id, "Another question?", ...RESEARCH]), cli(["--thread", `nothing-here-${stamp}`])]);
          assertUsageError(again, new RegExp(`thread ${run.id} already exists; resume it with: fanout --thread ${run.id} \\(without a question\\)`));
          assertUsageError(unknown, new RegExp(`no thread nothing-here-${stamp}; start one with: fanout --thread nothing-here-${stamp} "<question>"`));
          assert.equal(standin.stats().total, requestsBefore, "no model request was made");
        });
      });

      test("prune: a bad duration exits 2; --thread ID removes one; --older-than 0s removes the rest", async () => {
        const [first, second] = runs;
        const [bad, pruned] = await Promise.all([cli(["prune", "--older-than", "soon"]), cli(["prune", "--thread", first.id])]);
        assertUsageError(bad, /bad duration "soon"/);
        assert.equal(pruned.code, 0, pruned.stderr);
        assert.ok(pruned.stderr.startsWith(`deleted thread ${first.id}\n`), pruned.stderr);
        // A day's cutoff keeps the fresh run.
        const [left, kept] = await Promise.all([cli(["threads", "--json"]), cli(["prune", "--older-than", "1d"])]);
        // Only the second run is left: the refused commands of the test above created nothing either.
        assert.deepEqual(
          (JSON.parse(left.stdout) as ThreadJson[]).map((t) => t.thread_id),
          [second.id],
        );
        assert.match(kept.stderr, /^deleted 0 threads not updated since /);
        const rest = await cli(["prune", "--older-than", "0s"]);
        assert.equal(rest.code, 0, rest.stderr);
        assert.match(rest.stderr, /^deleted 1 thread not updated since /);
        const empty = await cli(["threads"]);
        assert.equal(empty.code, 0);
        assert.equal(empty.stdout, "");
        assert.equal(empty.stderr, "no runs yet\n");
      });
    });
  }
});
