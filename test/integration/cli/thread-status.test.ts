/**
 * `fanout threads` and `fanout show` derive a run's status from what is stored:
 * done or partial only with a report, failed when a step's error was saved,
 * unfinished otherwise, and they count the units that finished whatever the
 * run's end.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { HumanMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { startStandIn } from "../../standin/server.js";
import { dropStore, runCli, stores } from "../../support/cli.js";
import { CORPUS, RESEARCH, TEST_KEY } from "./common.js";
import { buildDeepResearcher } from "../../../graphs/deep_researcher.js";
import { checkpointOptionsFromEnv, openCheckpointer } from "../../../src/checkpoint/index.js";
import { withRunMetadata } from "../../../src/cli/runMetadata.js";

const QUESTION = "How does tidal power generate electricity?";

type ThreadJson = { thread_id: string; status: string; reason: string; units_done: number; pending: string[] };

/**
 * A view of the saver that stops the process's work the way a SIGKILL would
 * right after research_supervisor's result was saved: that task's writes
 * reach the store, the checkpoint after them never does.
 */
function killedAfterResearch(saver: BaseCheckpointSaver): BaseCheckpointSaver {
  const view = Object.create(saver) as BaseCheckpointSaver;
  let researchSaved = false;
  view.putWrites = (config, writes, taskId) => {
    const channels = writes.map(([channel]) => channel);
    // Flagged as the writes are issued: the loop may issue the next checkpoint before they land.
    if (!config.configurable?.checkpoint_ns && channels.includes("raw_notes") && !channels.includes("research_brief")) researchSaved = true;
    return saver.putWrites(config, writes, taskId);
  };
  view.put = (config, checkpoint, metadata, versions) =>
    researchSaved ? Promise.reject(new Error("killed before the checkpoint")) : saver.put(config, checkpoint, metadata, versions);
  return view;
}

// One store at a time: the killed run goes in-process and points this process's OPENAI_BASE_URL at its stand-in.
describe("thread status from what is stored", { concurrency: 1 }, () => {
  for (const store of stores()) {
    describe(store.name, { concurrency: 1 }, () => {
      after(() => dropStore(store));

      test("a run killed after a step's writes, before its checkpoint, is unfinished, not done; the resume finishes it", async (t) => {
        const standin = await startStandIn({ latencyMs: 2, units: 2 });
        t.after(() => standin.close());
        const env = { ...store.env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
        const thread = `killed-${store.name}-${Date.now()}`;
        const settings = { search_api: "local", local_corpus_path: CORPUS, allow_clarification: "false" };
        // The run itself goes in-process, where the store can be cut off at the exact moment.
        const saved = { url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
        Object.assign(process.env, { OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY });
        const opened = await openCheckpointer(checkpointOptionsFromEnv({ ...process.env, ...env }));
        try {
          const run = { question: QUESTION, settings, started_at: new Date().toISOString() };
          const graph = buildDeepResearcher({ checkpointer: withRunMetadata(killedAfterResearch(opened.saver), run) });
          const config = { configurable: { thread_id: thread, ...settings }, durability: "sync" as const, recursionLimit: 500 };
          await assert.rejects(graph.invoke({ messages: [new HumanMessage(QUESTION)] }, config), /killed before the checkpoint/);
        } finally {
          await opened.close();
          for (const [name, value] of [
            ["OPENAI_BASE_URL", saved.url],
            ["OPENAI_API_KEY", saved.key],
          ] as const) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
          }
        }

        const listed = await runCli(["threads", "--json"], { env });
        assert.equal(listed.code, 0, listed.stderr);
        const view = (JSON.parse(listed.stdout) as ThreadJson[]).find((v) => v.thread_id === thread);
        assert.equal(view?.status, "unfinished");
        assert.deepEqual(view?.pending, ["research_supervisor"]);
        assert.equal(view?.units_done, 2);
        const shown = await runCli(["show", thread], { env });
        assert.match(shown.stdout, /^status:   unfinished: stopped before the end/m);
        assert.match(shown.stdout, /^pending:  research_supervisor$/m);
        assert.match(shown.stdout, /\(no report yet\)/);

        const before = standin.requests().length;
        const resumed = await runCli(["--thread", thread], { env });
        assert.equal(resumed.code, 0, resumed.stderr);
        assert.deepEqual(
          standin
            .requests()
            .slice(before)
            .map((r) => r.role),
          ["writer"],
          "only the report was left to write",
        );
        const after = await runCli(["show", thread], { env });
        assert.match(after.stdout, /^status:   done$/m);
      });

      test("a run that failed after its units finished is failed, with the cause, and counts those units", async (t) => {
        // The supervisor's second turn (after the units answered) keeps failing.
        const standin = await startStandIn({
          latencyMs: 2,
          units: 4,
          behaviour: (request) =>
            request.role === "supervisor" && request.messages.some((m) => m.role === "tool") ? { status: 400, message: "supervisor refuses" } : undefined,
        });
        t.after(() => standin.close());
        const env = { ...store.env, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
        const thread = `failed-${store.name}-${Date.now()}`;
        const failed = await runCli(["--thread", thread, QUESTION, ...RESEARCH], { env });
        assert.equal(failed.code, 1, failed.stderr);

        const listed = await runCli(["threads", "--json"], { env });
        const view = (JSON.parse(listed.stdout) as ThreadJson[]).find((v) => v.thread_id === thread);
        assert.deepEqual([view?.status, view?.reason, view?.units_done], ["failed", "400 supervisor refuses", 4]);
        const shown = await runCli(["show", thread], { env });
        assert.match(shown.stdout, /^status:   failed: 400 supervisor refuses$/m);
        assert.match(shown.stdout, /^units:    4 done$/m);
        const resumed = await runCli(["--thread", thread], { env: { ...env, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" } });
        assert.match(resumed.stderr, /resuming thread .*: 4 research units already finished/);
      });
    });
  }
});
