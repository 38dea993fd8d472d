import { test } from "node:test";
import assert from "node:assert/strict";
import { AIMessage } from "@langchain/core/messages";
import { z } from "zod";
import { jsonValuesIn } from "../../../src/util/jsonText.js";
import { readStructured } from "../../../src/util/structured.js";
import { withToolCallsFromText } from "../../../src/util/textToolCalls.js";

const Brief = z.object({ research_brief: z.string().min(1) });

test("JSON is found in a fence, in prose, after reasoning, and repaired when broken", () => {
  assert.deepEqual(jsonValuesIn('```json\n{"a": 1}\n```'), [{ a: 1 }]);
  assert.deepEqual(jsonValuesIn('Sure! Here it is: {"a": "b}"} Hope that helps.')[0], { a: "b}" });
  assert.deepEqual(jsonValuesIn('<think>maybe {"a": 0}</think>{"a": 2}'), [{ a: 2 }]);
  assert.deepEqual(jsonValuesIn("{'a': 1, b: True,}")[0], { a: 1, b: true });
  assert.deepEqual(jsonValuesIn('{"a": "cut off'), [{ a: "cut off" }]);
  assert.deepEqual(jsonValuesIn("no JSON here, just words"), []);
});

test("a reply's structured value comes from its tool call, else its text, unwrapped when weak models wrap it", () => {
  const fromCall = readStructured(
    new AIMessage({ content: "", tool_calls: [{ name: "ResearchQuestion", args: { research_brief: "x" }, id: "1" }] }),
    Brief,
    "ResearchQuestion",
  );
  assert.deepEqual(fromCall, { value: { research_brief: "x" }, extracted: false });
  const plain = readStructured(new AIMessage('{"research_brief": "p"}'), Brief, "ResearchQuestion");
  assert.deepEqual(plain, { value: { research_brief: "p" }, extracted: false }, "plain JSON, as a JSON-schema mode returns it");
  const wrapped = readStructured(new AIMessage('Calling: {"name": "ResearchQuestion", "arguments": {"research_brief": "y"}}'), Brief, "ResearchQuestion");
  assert.deepEqual(wrapped, { value: { research_brief: "y" }, extracted: true });
  const wrongShape = readStructured(new AIMessage('{"brief": "z"}'), Brief, "ResearchQuestion");
  assert.equal("problem" in wrongShape && wrongShape.problem, "wrong_shape");
  const prose = readStructured(new AIMessage("I think the brief is about tides."), Brief, "ResearchQuestion");
  assert.equal("problem" in prose && prose.problem, "no_json");
});

test("tool calls written as text become calls, only for offered tools, each once", () => {
  const text =
    'I will search.\n```json\n{"name": "web_search", "arguments": {"queries": ["tides"]}}\n```\n<tool_call>{"name": "web_search", "arguments": {"queries": ["tides"]}}</tool_call>\n{"name": "rm_rf", "arguments": {}}';
  const recovered = withToolCallsFromText(new AIMessage(text), ["web_search", "think_tool"]);
  assert.ok(recovered);
  assert.deepEqual(
    recovered.tool_calls?.map((call) => [call.name, call.args]),
    [["web_search", { queries: ["tides"] }]],
  );
  assert.equal(withToolCallsFromText(new AIMessage("Tides are caused by the moon."), ["web_search"]), undefined);
  const real = new AIMessage({ content: "", tool_calls: [{ name: "web_search", args: { queries: ["a"] }, id: "c1" }] });
  assert.equal(withToolCallsFromText(real, ["web_search"]), undefined, "real calls are left alone");
});
