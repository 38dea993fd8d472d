import { test } from "node:test";
import assert from "node:assert/strict";
import type { ToolCall } from "@langchain/core/messages";
import { planSupervisorTurn } from "../../../src/supervisor/supervisorTools.js";

const limits = { max_concurrent_research_units: 2, max_researcher_iterations: 4 };
const research = (id: string, topic = `topic ${id}`): ToolCall => ({ id, name: "ConductResearch", args: { research_topic: topic }, type: "tool_call" });

test("each ConductResearch call within the limit becomes a unit with its call id", () => {
  const plan = planSupervisorTurn([research("a"), research("b")], 1, limits);
  assert.equal(plan.done, false);
  assert.deepEqual(plan.units, [
    { research_topic: "topic a", tool_call_id: "a" },
    { research_topic: "topic b", tool_call_id: "b" },
  ]);
  assert.equal(plan.replies.length, 0);
});

test("calls beyond the limit are answered with an error naming the limit", () => {
  const plan = planSupervisorTurn([research("a"), research("b"), research("c"), research("d")], 1, limits);
  assert.deepEqual(
    plan.units.map((unit) => unit.tool_call_id),
    ["a", "b"],
  );
  assert.deepEqual(
    plan.replies.map((reply) => reply.tool_call_id),
    ["c", "d"],
  );
  for (const reply of plan.replies) {
    assert.equal(reply.status, "error");
    assert.match(String(reply.content), /max_concurrent_research_units=2/);
  }
});

test("think_tool is answered, malformed and unknown calls get errors", () => {
  const plan = planSupervisorTurn(
    [
      { id: "t", name: "think_tool", args: { reflection: "need more on costs" }, type: "tool_call" },
      { id: "m", name: "ConductResearch", args: {}, type: "tool_call" },
      { id: "u", name: "browse", args: {}, type: "tool_call" },
    ],
    1,
    limits,
  );
  assert.equal(plan.units.length, 0);
  assert.deepEqual(
    plan.replies.map((reply) => [reply.tool_call_id, reply.status]),
    [
      ["t", "success"],
      ["m", "error"],
      ["u", "error"],
    ],
  );
  assert.match(String(plan.replies[0].content), /need more on costs/);
});

test("the supervisor stops on ResearchComplete, on no calls, and after max_researcher_iterations turns of research", () => {
  assert.equal(planSupervisorTurn([{ id: "r", name: "ResearchComplete", args: {}, type: "tool_call" }], 1, limits).done, true);
  assert.equal(planSupervisorTurn([], 1, limits).done, true);
  const last = planSupervisorTurn([research("a")], 4, limits);
  assert.equal(last.done, false, "the fourth turn of four still runs its research");
  assert.equal(last.units.length, 1);
  assert.equal(planSupervisorTurn([research("a")], 5, limits).done, true);
});

test("with max_researcher_iterations=1 the first turn's research runs", () => {
  const plan = planSupervisorTurn([research("a")], 1, { ...limits, max_researcher_iterations: 1 });
  assert.equal(plan.done, false);
  assert.deepEqual(
    plan.units.map((unit) => unit.tool_call_id),
    ["a"],
  );
});

test("a turn that ends research answers every call it does not run", () => {
  const think: ToolCall = { id: "t", name: "think_tool", args: { reflection: "one more" }, type: "tool_call" };
  const past = planSupervisorTurn([research("a"), think], 5, limits);
  assert.equal(past.done, true);
  assert.deepEqual(past.units, []);
  assert.deepEqual(
    past.replies.map((reply) => [reply.tool_call_id, reply.status]),
    [
      ["a", "error"],
      ["t", "error"],
    ],
  );
  assert.match(String(past.replies[0].content), /not run.*max_researcher_iterations=4/i);

  const complete: ToolCall = { id: "c", name: "ResearchComplete", args: {}, type: "tool_call" };
  const finished = planSupervisorTurn([research("b"), complete], 2, limits);
  assert.equal(finished.done, true);
  assert.deepEqual(finished.units, []);
  assert.deepEqual(
    finished.replies.map((reply) => [reply.tool_call_id, reply.status]),
    [
      ["b", "error"],
      ["c", "success"],
    ],
  );
});
