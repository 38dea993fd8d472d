import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import type { SqliteDb } from "../../../src/checkpoint/backend.js";
import { openCheckpointer } from "../../../src/checkpoint/open.js";
import type { OpenedCheckpointer } from "../../../src/checkpoint/types.js";
import { buildDeepResearcher } from "../../../graphs/deep_researcher.js";
import type { ChatMessage, ParsedRequest } from "../../standin/types.js";
import type { StandIn } from "../../standin/server.js";
import { CORPUS, sharedStandIn } from "../../support/harness.js";
import { dropSchema } from "../../support/postgres.js";

const QUESTION = "How does tidal power generate electricity?";
const home = mkdtempSync(join(tmpdir(), "fanout-ckpt-bytes-"));
after(() => rmSync(home, { recursive: true, force: true }));

/** A search stand-in whose every answer has the same size, so each researcher round adds the same bytes. */
const fixedSearch = tool(async ({ queries }) => `Results for ${queries.join(", ")}:\n${"A fixed-size passage about tidal turbines. ".repeat(50)}`, {
  name: "fixed_search",
  description: "Searches a fixed corpus",
  schema: z.object({ queries: z.array(z.string()) }),
});

/** Runs the graph on the embedded store with the CLI's durability, as `fanout` does. */
async function run(opened: OpenedCheckpointer, threadId: string, input: unknown, settings: Record<string, unknown>, signal?: AbortSignal) {
  const graph = buildDeepResearcher({ checkpointer: opened.saver, tools: [fixedSearch] });
  const config = { configurable: { thread_id: threadId, allow_clarification: false, ...settings }, durability: "sync" as const, recursionLimit: 500, signal };
  const stream = await graph.stream(input as never, { ...config, subgraphs: true, streamMode: "updates" });
  for await (const _ of stream);
  return graph.getState({ configurable: { thread_id: threadId } });
}

/** Bytes a thread occupies in the store: checkpoint and metadata blobs plus pending writes. */
function storedBytes(opened: OpenedCheckpointer, threadId: string): number {
  const db = (opened.saver as unknown as { db: SqliteDb }).db;
  const checkpoints = db.prepare("SELECT COALESCE(SUM(length(checkpoint) + length(metadata)), 0) AS n FROM checkpoints WHERE thread_id = ?").get(threadId) as {
    n: number;
  };
  const writes = db.prepare("SELECT COALESCE(SUM(length(value)), 0) AS n FROM writes WHERE thread_id = ?").get(threadId) as { n: number };
  return checkpoints.n + writes.n;
}

describe("checkpoints on the embedded store", () => {
  const current = sharedStandIn({ units: 1 });
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
  });

  test("a run's stored bytes grow linearly with its steps, not with their square", async () => {
    const opened = await openCheckpointer({ home });
    try {
      const bytes = new Map<number, number>();
      for (const rounds of [2, 4, 8]) {
        standin.configure({ searchRounds: rounds });
        await run(opened, `bytes-${rounds}`, { messages: [new HumanMessage(QUESTION)] }, { search_api: "none", max_react_tool_calls: 20 });
        bytes.set(rounds, storedBytes(opened, `bytes-${rounds}`));
      }
      assert.equal(standin.stats().byRole.researcher, 3 + 5 + 9, "each run made its researcher rounds");
      const early = (bytes.get(4)! - bytes.get(2)!) / 2;
      const late = (bytes.get(8)! - bytes.get(4)!) / 4;
      if (process.env.SHOW_BYTES) console.log([...bytes]);
      assert.ok(
        late <= early * 1.25,
        `bytes per extra round: ${Math.round(early)} from round 3 to 4, ${Math.round(late)} from round 5 to 8 (${[...bytes.values()].join(", ")} in all)`,
      );
    } finally {
      await opened.close();
    }
  });
});

describe("what each checkpoint holds", () => {
  sharedStandIn({ units: 2 });

  test("findings, raw notes and sources are stored as each step's additions, not again in every later checkpoint", async () => {
    const opened = await openCheckpointer({ home });
    const thread = `accumulated-${Date.now()}`;
    try {
      const state = await run(
        opened,
        thread,
        { messages: [new HumanMessage(QUESTION)] },
        { search_api: "local", local_corpus_path: CORPUS, max_concurrent_research_units: 2 },
      );
      assert.equal((state.values.notes as string[]).length, 2, "the run's state still has both units' findings");
      assert.ok((state.values.sources as unknown[]).length > 0);
      const db = (opened.saver as unknown as { db: SqliteDb }).db;
      const blobs = db.prepare("SELECT checkpoint FROM checkpoints WHERE thread_id = ?").all(thread) as { checkpoint: Uint8Array }[];
      const holding = (key: string) =>
        blobs.filter(({ checkpoint }) => {
          const value = (JSON.parse(Buffer.from(checkpoint).toString("utf8")) as { channel_values: Record<string, unknown> }).channel_values[key];
          return Array.isArray(value) && value.length > 0;
        }).length;
      assert.deepEqual(
        { notes: holding("notes"), raw_notes: holding("raw_notes"), sources: holding("sources") },
        { notes: 0, raw_notes: 0, sources: 0 },
        `checkpoints holding the accumulated value (of ${blobs.length})`,
      );
    } finally {
      await opened.close();
    }
  });
});

/** The embedded store always; Postgres too when POSTGRES_URI is set (a schema of its own, dropped after). */
const resumeStores: { name: string; open: () => Promise<OpenedCheckpointer>; cleanup?: () => Promise<void> }[] = [
  { name: "embedded", open: () => openCheckpointer({ home }) },
];
if (process.env.POSTGRES_URI) {
  const uri = process.env.POSTGRES_URI;
  const schema = `fanout_test_delta_${process.pid}_${Date.now().toString(36)}`;
  resumeStores.push({ name: "postgres", open: () => openCheckpointer({ postgresUri: uri, schema }), cleanup: () => dropSchema(uri, schema) });
}

for (const store of resumeStores) {
  describe(`resuming a run on the ${store.name} store`, () => {
    const current = sharedStandIn({ units: 1 });
    let standin: StandIn;
    beforeEach(() => {
      standin = current();
    });
    after(() => store.cleanup?.());

    test("a resumed run sees every unit's whole conversation: finished units and the one cut short", async () => {
      const opened = await store.open();
      const thread = `resume-conversation-${Date.now()}`;
      try {
        standin.configure({ units: 2, searchRounds: 2 });
        const abort = new AbortController();
        let cutShort: ChatMessage[] | undefined;
        /** The second unit's third turn hangs (after two search rounds are saved) until the run is aborted. */
        const inSecondUnitsThirdTurn = (request: ParsedRequest) =>
          request.role === "researcher" && request.topic.startsWith("Current") && request.messages.filter((m) => m.role === "tool").length === 2;
        standin.configure({
          behaviour: (request) => {
            if (!inSecondUnitsThirdTurn(request)) return undefined;
            cutShort = request.messages;
            setTimeout(() => abort.abort(new Error("killed")), 300);
            return { hangMs: 60_000 };
          },
        });
        await assert.rejects(
          run(
            opened,
            thread,
            { messages: [new HumanMessage(QUESTION)] },
            { search_api: "local", local_corpus_path: CORPUS, max_concurrent_research_units: 2 },
            abort.signal,
          ),
        );
        assert.ok(cutShort, "the second unit reached its third turn");
        const firstUnitCalls = standin.requests().filter((r) => r.role === "researcher" && !r.topic.startsWith("Current")).length;

        const seen: ParsedRequest[] = [];
        standin.configure({ behaviour: (request) => void seen.push(request) });
        const state = await run(opened, thread, null, { search_api: "local", local_corpus_path: CORPUS, max_concurrent_research_units: 2 });

        const resumedTurn = seen.find(inSecondUnitsThirdTurn);
        assert.deepEqual(resumedTurn?.messages, cutShort, "the cut-short unit resumed with its whole conversation");
        assert.equal(seen.filter((r) => r.role === "researcher" && !r.topic.startsWith("Current")).length, 0, "the finished unit was not redone");
        assert.ok(firstUnitCalls >= 3);
        const lastSupervisorTurn = seen.filter((r) => r.role === "supervisor").at(-1)!;
        assert.equal(lastSupervisorTurn.messages.filter((m) => m.role === "tool").length, 2, "the supervisor saw both units' answers");
        assert.equal((state.values.notes as string[]).length, 2);
        assert.ok(String(state.values.final_report).startsWith("# "));
        const messages = state.values.messages as { getType(): string }[];
        assert.deepEqual(
          messages.map((m) => m.getType()),
          ["human", "ai"],
          "the run's chat holds the question and the report",
        );
      } finally {
        await opened.close();
      }
    });
  });
}
