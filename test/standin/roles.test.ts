/** Stand-in server (a test tool): the default roles, driven through the real ChatOpenAI client. */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { chatModel, suiteStandIn } from "./helpers.js";
import type { StandIn } from "./types.js";

const conductResearch = tool(async () => "", {
  name: "ConductResearch",
  description: "Delegate one research topic",
  schema: z.object({ research_topic: z.string() }),
});
const researchComplete = tool(async () => "", { name: "ResearchComplete", description: "Done", schema: z.object({}) });
const webSearch = tool(async () => "", { name: "web_search", description: "Search", schema: z.object({ queries: z.array(z.string()) }) });
const thinkTool = tool(async () => "", { name: "think_tool", description: "Reflect", schema: z.object({ reflection: z.string() }) });

const BRIEF = "How do heat pumps perform in cold climates? Focus on Nordic field data.";

describe("stand-in default roles", () => {
  const current = suiteStandIn({ units: 3, searchRounds: 1 });
  let standIn: StandIn;
  beforeEach(() => {
    standIn = current();
  });

  it("supervisor: `units` distinct ConductResearch calls, then ResearchComplete", async () => {
    const model = chatModel(standIn).bindTools([conductResearch, researchComplete, thinkTool]);
    const history: BaseMessage[] = [new SystemMessage("You are the lead researcher."), new HumanMessage(BRIEF)];
    const first = await model.invoke(history);
    const topics = first.tool_calls!.map((call) => call.args.research_topic as string);
    assert.deepEqual(
      first.tool_calls!.map((call) => call.name),
      ["ConductResearch", "ConductResearch", "ConductResearch"],
    );
    assert.equal(new Set(topics).size, 3);
    for (const topic of topics) assert.match(topic, /^[A-Z][\w ,-]+: how do heat pumps perform in cold climates$/);
    history.push(first, ...first.tool_calls!.map((call) => new ToolMessage({ content: "notes", tool_call_id: call.id! })));
    const second = await model.invoke(history);
    assert.deepEqual(
      second.tool_calls!.map((call) => call.name),
      ["ResearchComplete"],
    );
    assert.deepEqual(second.tool_calls![0]!.args, {});
    assert.equal(standIn.stats().byRole.supervisor, 2);
  });

  it("supervisor: the units option sets the fan-out", async () => {
    standIn.configure({ units: 9 });
    const reply = await chatModel(standIn)
      .bindTools([conductResearch, researchComplete])
      .invoke([new HumanMessage(BRIEF)]);
    const topics = reply.tool_calls!.map((call) => call.args.research_topic as string);
    assert.equal(topics.length, 9);
    assert.equal(new Set(topics).size, 9);
  });

  it("supervisor: takes the brief from a brief tag in the system prompt when there is one", async () => {
    const reply = await chatModel(standIn)
      .bindTools([conductResearch, researchComplete])
      .invoke([new SystemMessage("Plan.\n<research_brief>Peat restoration in Scotland. Costs matter.</research_brief>"), new HumanMessage("Begin.")]);
    const topics = reply.tool_calls!.map((call) => call.args.research_topic as string);
    assert.equal(topics[0], "Background and history of peat restoration in Scotland");
  });

  it("researcher: searches `searchRounds` times, then answers keeping every URL", async () => {
    standIn.configure({ searchRounds: 2 });
    const model = chatModel(standIn).bindTools([webSearch, thinkTool]);
    const history: BaseMessage[] = [new SystemMessage("You research one topic."), new HumanMessage("Cold climate heat pump efficiency")];
    const results = [
      "--- SOURCE 1: Field trial ---\nURL: https://example.org/trial\nThe field trial found a seasonal COP of 2.9 at minus 15 degrees across forty homes.",
      "Result: https://example.com/report (Nordic report)\nDefrost cycles cost between five and ten percent of output in humid cold weather.",
    ];
    const queriesSeen: string[][] = [];
    for (const result of results) {
      const reply = await model.invoke(history);
      assert.equal(reply.tool_calls?.[0]?.name, "web_search");
      queriesSeen.push(reply.tool_calls![0]!.args.queries as string[]);
      history.push(reply, new ToolMessage({ content: result, tool_call_id: reply.tool_calls![0]!.id! }));
    }
    assert.notDeepEqual(queriesSeen[0], queriesSeen[1]);
    const answer = await model.invoke(history);
    assert.equal(answer.tool_calls?.length ?? 0, 0);
    const text = answer.content as string;
    assert.match(text, /https:\/\/example\.org\/trial/);
    assert.match(text, /https:\/\/example\.com\/report/);
    assert.match(text, /seasonal COP of 2\.9/);
  });

  it("writer: with numbered sources, a titled report citing only those numbers and no Sources section", async () => {
    const prompt = [
      "Write the final report.",
      "<research_brief>Heat pumps in cold climates. Focus on field data.</research_brief>",
      "<findings>",
      "Field trials found a seasonal COP of 2.9 at minus 15 degrees (source: https://example.org/trial).",
      "Defrost cycles cost five to ten percent of output in humid cold weather [2].",
      "Installers report that sizing mistakes explain most complaints from owners.",
      "</findings>",
      "Sources:",
      "[1] Field trial — https://example.org/trial",
      "[2] Nordic report: https://example.com/report",
      "[3] Local notes - file:///corpus/notes.md",
    ].join("\n");
    const reply = await chatModel(standIn).invoke([new SystemMessage("You write reports."), new HumanMessage(prompt)]);
    const text = reply.content as string;
    assert.match(text, /^# Heat pumps in cold climates\n/);
    const sections = text.match(/^## /gm) ?? [];
    assert.ok(sections.length >= 2 && sections.length <= 4);
    const cited = new Set([...text.matchAll(/\[(\d+)\]/g)].map((match) => Number(match[1])));
    assert.deepEqual([...cited].sort(), [1, 2, 3]);
    assert.doesNotMatch(text, /sources/i);
    assert.match(text, /seasonal COP of 2\.9 at minus 15 degrees \[1\]/);
    assert.match(text, /Defrost cycles cost five to ten percent of output in humid cold weather \[2\]/);
  });

  it("writer: without numbered sources, a summary that keeps every URL", async () => {
    const reply = await chatModel(standIn).invoke([
      new SystemMessage("Compress the findings. See https://example.net/style for style."),
      new HumanMessage("Cold climate heat pump efficiency"),
      new AIMessage("Seasonal COP reached 2.9 in a trial with forty homes https://example.org/trial"),
      new HumanMessage("Also https://example.com/report says defrost costs five to ten percent of output."),
    ]);
    const text = reply.content as string;
    for (const url of ["https://example.net/style", "https://example.org/trial", "https://example.com/report"]) {
      assert.ok(text.includes(url), `missing ${url}`);
    }
  });

  it("other: tools offered but none it knows gives a plain answer", async () => {
    const reply = await chatModel(standIn).bindTools([thinkTool]).invoke("Reflect on owls");
    assert.equal(reply.tool_calls?.length ?? 0, 0);
    assert.match(reply.content as string, /Reflect on owls/);
    assert.equal(standIn.requests()[0]!.role, "other");
  });

  it("is deterministic: the same request gets the same reply", async () => {
    const model = chatModel(standIn).bindTools([conductResearch, researchComplete]);
    const a = await model.invoke([new HumanMessage(BRIEF)]);
    const b = await model.invoke([new HumanMessage(BRIEF)]);
    assert.deepEqual(a.tool_calls, b.tool_calls);
  });
});
