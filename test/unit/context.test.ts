import { test } from "node:test";
import assert from "node:assert/strict";
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import { parseConfiguration } from "../../src/config.js";
import { UNKNOWN_CONTEXT_TOKENS, contextBudget, knownContextTokens } from "../../src/context/budget.js";
import { estimateMessages, fitByRelevance, fitConversation } from "../../src/context/fit.js";
import { isContextOverflow, reportedContextTokens } from "../../src/context/overflow.js";
import { withinContext } from "../../src/context/retry.js";

test("context windows: known per model family, a setting wins, an unknown model gets a small one", () => {
  assert.equal(knownContextTokens("gpt-4.1-mini"), 1_047_576);
  assert.equal(knownContextTokens("claude-sonnet-4-5"), 200_000);
  assert.equal(knownContextTokens("llama3.1:8b"), 128_000);
  assert.equal(knownContextTokens("my-finetune"), UNKNOWN_CONTEXT_TOKENS);
  const budget = contextBudget(parseConfiguration({ final_report_model: "ollama:my-finetune", final_report_model_context_tokens: "4000" }), "final_report");
  assert.deepEqual(budget, { contextTokens: 4000, replyTokens: 2000, inputTokens: 1800 }, "the reply is at most half the window");
});

test("providers' context-length errors are recognised, and the window they name is read", () => {
  const openai = Object.assign(new Error("400 This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens."), {
    code: "context_length_exceeded",
  });
  assert.ok(isContextOverflow(openai));
  assert.equal(reportedContextTokens(openai), 8192);
  const anthropic = new Error("400 prompt is too long: 210000 tokens > 200000 maximum");
  assert.ok(isContextOverflow(anthropic));
  assert.equal(reportedContextTokens(anthropic), 200000);
  assert.ok(isContextOverflow(new Error("The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).")));
  assert.ok(isContextOverflow(new Error("ValidationException: Input is too long for requested model.")));
  assert.ok(!isContextOverflow(new Error("429 Rate limit reached")));
  assert.ok(!isContextOverflow(new Error("401 Incorrect API key")));
});

test("text over the budget keeps the passages most relevant to the query, in their order", () => {
  const tides = "Tidal barrages hold the tide behind a dam and turbines generate electricity as the water flows out.";
  const cooking = "A good risotto needs stock added slowly while the rice is stirred.";
  const lagoons = "Tidal lagoons generate electricity with turbines on both the flood and the ebb tide.";
  const text = [cooking, tides, cooking.replace("risotto", "paella"), lagoons].map((p) => p.repeat(4)).join("\n\n");
  const fitted = fitByRelevance(text, "how do tidal turbines generate electricity", 250);
  assert.ok(fitted.includes("Tidal barrages") && fitted.includes("Tidal lagoons"), fitted);
  assert.ok(!fitted.includes("risotto") && !fitted.includes("paella"));
  assert.ok(fitted.indexOf("barrages") < fitted.indexOf("lagoons"), "original order");
  assert.match(fitted, /\[…\]/);
  assert.equal(fitByRelevance("short", "q", 100), "short");
});

test("a conversation is fitted by cutting tool results, every call keeping its answer", () => {
  const messages = [
    new HumanMessage("topic"),
    new AIMessage({ content: "", tool_calls: [{ name: "web_search", args: { queries: ["a"] }, id: "c1" }] }),
    new ToolMessage({ content: "x".repeat(20_000), tool_call_id: "c1", name: "web_search" }),
    new AIMessage({ content: "", tool_calls: [{ name: "web_search", args: { queries: ["b"] }, id: "c2" }] }),
    new ToolMessage({ content: "y".repeat(20_000), tool_call_id: "c2", name: "web_search" }),
  ];
  const fitted = fitConversation(messages, 2_000);
  assert.ok(estimateMessages(fitted) <= 2_000, `${estimateMessages(fitted)} tokens`);
  assert.deepEqual(
    fitted.map((m) => m.getType()),
    messages.map((m) => m.getType()),
  );
  assert.deepEqual(
    fitted.filter((m) => m.getType() === "tool").map((m) => (m as ToolMessage).tool_call_id),
    ["c1", "c2"],
  );
  assert.equal((messages[2] as ToolMessage).content.length, 20_000, "the stored conversation is untouched");
});

test("a context-length error is retried with a smaller budget; other errors are not", async () => {
  const budgets: number[] = [];
  const answer = await withinContext(
    10_000,
    async (budget) => {
      budgets.push(budget);
      if (budget > 3_000) throw new Error("This model's maximum context length is 6000 tokens.");
      return "fits";
    },
    "test",
  );
  assert.equal(answer, "fits");
  assert.deepEqual(budgets, [10_000, 3_600, 2_160].slice(0, budgets.length));
  assert.ok(budgets.at(-1)! <= 3_000);
  let calls = 0;
  await assert.rejects(
    withinContext(
      10_000,
      async () => {
        calls += 1;
        throw new Error("401 bad key");
      },
      "test",
    ),
    /401/,
  );
  assert.equal(calls, 1);
});
