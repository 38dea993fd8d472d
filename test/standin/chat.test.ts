/** Stand-in server (a test tool): chat completions through the real ChatOpenAI client. */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { chatModel, postJson, suiteStandIn } from "./helpers.js";
import type { StandIn } from "./types.js";

const search = tool(async () => "", {
  name: "local_search",
  description: "Search the local corpus",
  schema: z.object({ queries: z.array(z.string()) }),
});
const lookup = tool(async () => "", {
  name: "lookup",
  description: "Look a term up",
  schema: z.object({ term: z.string(), limit: z.number().int().min(3) }),
});

describe("stand-in chat completions", () => {
  const current = suiteStandIn();
  let standIn: StandIn;
  beforeEach(() => {
    standIn = current();
  });

  it("answers a plain completion with text and usage", async () => {
    const reply = await chatModel(standIn).invoke("Tell me about tidal power in Scotland");
    assert.equal(typeof reply.content, "string");
    assert.ok((reply.content as string).length > 0);
    assert.equal(reply.tool_calls?.length ?? 0, 0);
    assert.ok(reply.usage_metadata && reply.usage_metadata.input_tokens > 0 && reply.usage_metadata.output_tokens > 0);
    assert.equal(reply.usage_metadata.total_tokens, reply.usage_metadata.input_tokens + reply.usage_metadata.output_tokens);
    assert.equal(reply.response_metadata.finish_reason, "stop");
    assert.equal(standIn.stats().byRole.writer, 1);
  });

  it("returns tool calls for bound tools, with parseable arguments and ids", async () => {
    const reply = await chatModel(standIn).bindTools([search]).invoke("Offshore wind farm costs in the North Sea");
    assert.equal(reply.tool_calls?.length, 1);
    const call = reply.tool_calls![0]!;
    assert.equal(call.name, "local_search");
    assert.ok(call.id?.startsWith("call_"));
    const queries = call.args.queries as string[];
    assert.ok(queries.length >= 1 && queries.length <= 2);
    assert.match(queries[0]!, /offshore|wind|costs/);
    assert.equal(reply.response_metadata.finish_reason, "tool_calls");
  });

  it("honours a forced tool_choice with arguments valid for the tool schema", async () => {
    const reply = await chatModel(standIn).bindTools([search, lookup], { tool_choice: "lookup" }).invoke("anything");
    assert.equal(reply.tool_calls?.length, 1);
    assert.equal(reply.tool_calls![0]!.name, "lookup");
    const args = reply.tool_calls![0]!.args;
    assert.equal(typeof args.term, "string");
    assert.ok((args.term as string).length > 0);
    assert.equal(args.limit, 3);
    assert.equal(standIn.requests()[0]!.schemaName, "lookup");
  });

  it("honours tool_choice none and required", async () => {
    const none = await chatModel(standIn).bindTools([search], { tool_choice: "none" }).invoke("Peat bogs and carbon");
    assert.equal(none.tool_calls?.length ?? 0, 0);
    assert.ok((none.content as string).length > 0);
    const model = chatModel(standIn).bindTools([lookup], { tool_choice: "required" });
    const required = await model.invoke("Peat bogs and carbon");
    assert.equal(required.tool_calls?.[0]?.name, "lookup");
  });

  it("gives withStructuredOutput (json_schema, the gpt-4.1 default) a parsed object", async () => {
    const Clarify = z.object({ need_clarification: z.boolean(), question: z.string(), verification: z.string() });
    const result = await chatModel(standIn).withStructuredOutput(Clarify).invoke("What is the state of sodium-ion batteries?");
    assert.equal(result.need_clarification, false);
    assert.equal(result.question, "");
    assert.match(result.verification, /sodium-ion batteries/);
    const logged = standIn.requests()[0]!;
    assert.equal(logged.role, "clarify");
    assert.equal(logged.schemaName, "extract");
  });

  it("asks a question when the user's text says it is ambiguous", async () => {
    const Clarify = z.object({ need_clarification: z.boolean(), question: z.string(), verification: z.string() });
    const model = chatModel(standIn).withStructuredOutput(Clarify, { name: "ClarifyWithUser" });
    const result = await model.invoke([new HumanMessage("This is ambiguous: tell me about Mercury")]);
    assert.equal(result.need_clarification, true);
    assert.ok(result.question.length > 0);
  });

  it("gives withStructuredOutput (functionCalling) a parsed object", async () => {
    const Brief = z.object({ research_brief: z.string() });
    const model = chatModel(standIn).withStructuredOutput(Brief, { name: "ResearchQuestion", method: "functionCalling" });
    const result = await model.invoke([new HumanMessage("Compare rail and air travel emissions in Europe")]);
    assert.match(result.research_brief, /Compare rail and air travel emissions in Europe/);
    assert.equal(standIn.requests()[0]!.role, "brief");
  });

  it("summarises the page in a Summary request", async () => {
    const Summary = z.object({ summary: z.string(), key_excerpts: z.string() });
    const page = "Moss grows on north faces. It likes shade. Rain helps it spread. Some mosses survive drought for years. Collectors prize rare kinds.";
    const result = await chatModel(standIn)
      .withStructuredOutput(Summary, { name: "Summary" })
      .invoke([new HumanMessage(`Summarise this page.\n<webpage_content>\n${page}\n</webpage_content>`)]);
    assert.equal(result.summary, "Moss grows on north faces. It likes shade. Rain helps it spread.");
    assert.match(result.key_excerpts, /"Some mosses survive drought for years\."/);
  });

  it("builds a minimal valid object for an unknown schema", async () => {
    const Plan = z.object({
      kind: z.enum(["quick", "deep"]),
      steps: z.array(z.string()).min(2),
      budget: z.number().min(5),
      note: z.string().optional(),
    });
    const result = await chatModel(standIn).withStructuredOutput(Plan, { name: "Plan" }).invoke("plan it");
    assert.equal(result.kind, "quick");
    assert.equal(result.steps.length, 2);
    assert.ok(result.steps.every((step) => step.length > 0));
    assert.equal(result.budget, 5);
  });

  it("answers json_object mode with a JSON object", async () => {
    const { status, json } = await postJson(`${standIn.url}/chat/completions`, {
      model: "gpt-4.1",
      response_format: { type: "json_object" },
      messages: [{ role: "user", content: "Give JSON about owls" }],
    });
    assert.equal(status, 200);
    assert.equal(typeof JSON.parse(json.choices[0].message.content), "object");
  });

  it("logs each request's topic as the first user message", async () => {
    const model = chatModel(standIn).bindTools([search]);
    const first = await model.invoke([new SystemMessage("You research."), new HumanMessage("  Lichen as air quality indicator  ")]);
    await model.invoke([
      new SystemMessage("You research."),
      new HumanMessage("Lichen as air quality indicator"),
      new AIMessage({ content: "", tool_calls: first.tool_calls }),
      new ToolMessage({ content: "Lichens vanish where sulphur dioxide is high. https://example.org/lichen", tool_call_id: first.tool_calls![0]!.id! }),
    ]);
    await model.invoke("Moss in cities");
    const topics = standIn.requests().map((entry) => entry.topic);
    assert.deepEqual(topics, ["Lichen as air quality indicator", "Lichen as air quality indicator", "Moss in cities"]);
    assert.deepEqual(standIn.requests()[0]!.toolNames, ["local_search"]);
  });
});
