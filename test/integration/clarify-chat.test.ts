import { beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Command, MemorySaver } from "@langchain/langgraph";
import { HumanMessage } from "@langchain/core/messages";
import type { StandIn } from "../standin/server.js";
import { CORPUS, sharedStandIn } from "../support/harness.js";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";

// The stand-in asks for clarification when the conversation says "ambiguous".
const AMBIGUOUS = "Tell me about Mercury (ambiguous)";
const ANSWER = "the planet closest to the Sun";

describe("answering a clarifying question", () => {
  const current = sharedStandIn();
  let standin: StandIn;
  beforeEach(() => {
    standin = current();
    standin.reset();
  });

  function start() {
    const graph = buildDeepResearcher({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: `clarify-${Math.random()}`, search_api: "local", local_corpus_path: CORPUS }, recursionLimit: 500 };
    return { graph, config };
  }

  async function pause() {
    const run = start();
    await run.graph.invoke({ messages: [new HumanMessage(AMBIGUOUS)] }, run.config);
    const paused = await run.graph.getState(run.config);
    assert.equal(paused.tasks[0]?.interrupts.length, 1, "the run waits for an answer");
    return run;
  }

  test("a new chat message on the waiting thread is the answer (Studio's chat)", async () => {
    const { graph, config } = await pause();
    await graph.invoke({ messages: [new HumanMessage(ANSWER)] }, config);
    const state = await graph.getState(config);
    assert.ok(String(state.values.final_report).startsWith("# "), "the run went on to a report");
    assert.equal(standin.stats().byRole.clarify, 1, "the question was not decided again");
    const briefs = standin.requests().filter((request) => request.role === "brief");
    assert.equal(briefs.length, 1);
    assert.match(briefs[0].topic, new RegExp(ANSWER), "the answer reached the brief");
    const chat = (state.values.messages as { getType(): string; content: unknown }[]).map((m) => m.getType());
    assert.deepEqual(chat.slice(0, 3), ["human", "ai", "human"], "question and answer stand in the chat in order");
  });

  test("Command({ resume }) still answers it", async () => {
    const { graph, config } = await pause();
    await graph.invoke(new Command({ resume: ANSWER }), config);
    const state = await graph.getState(config);
    assert.ok(String(state.values.final_report).startsWith("# "));
    assert.equal(standin.stats().byRole.clarify, 1);
    const chat = (state.values.messages as { getType(): string }[]).map((m) => m.getType());
    assert.deepEqual(chat.slice(0, 3), ["human", "ai", "human"]);
  });
});
