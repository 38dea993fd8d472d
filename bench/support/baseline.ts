/**
 * The naive baseline the benches compare Fanout with: the same model calls (same client, prompts,
 * tools and search) written as plain async code, with Promise.all for the fan-out and no graph,
 * checkpointer, streaming or progress. What Fanout spends beyond it is the price of LangGraph,
 * durable checkpoints and the CLI.
 */
import { HumanMessage, SystemMessage, ToolMessage, type AIMessage, type BaseMessage } from "@langchain/core/messages";
import { parseConfiguration, type Configuration } from "../../src/config.js";
import { createChatModel } from "../../src/models.js";
import { renderPrompt } from "../../src/prompts.js";
import { createToolbox } from "../../src/researcher/toolbox.js";
import { ResearchQuestionSchema } from "../../src/scoping/writeResearchBrief.js";
import { conductResearchTool } from "../../src/supervisor/tools.js";
import { researchCompleteTool } from "../../src/tools/researchComplete.js";
import { thinkTool } from "../../src/tools/think.js";
import { today } from "../../src/util/dates.js";
import { messageText } from "../../src/util/messages.js";
import { invokeStructured } from "../../src/util/structured.js";

const toolbox = createToolbox();

/** Researches `question` with at most `settings.max_concurrent_research_units` units in parallel; returns the report. */
export async function naiveResearch(question: string, settings: Record<string, unknown>): Promise<string> {
  const configuration = parseConfiguration(settings);
  const model = createChatModel(configuration.research_model, {
    maxTokens: configuration.research_model_max_tokens,
    timeoutSeconds: configuration.model_timeout_seconds,
  });
  const briefPrompt = renderPrompt("research_brief", { messages: `User: ${question}`, date: today() });
  const { research_brief: brief } = await invokeStructured(model, ResearchQuestionSchema, "ResearchQuestion", [new HumanMessage(briefPrompt)], 1);
  const supervisorPrompt = renderPrompt("supervisor", {
    date: today(),
    max_concurrent_research_units: configuration.max_concurrent_research_units,
    max_researcher_iterations: configuration.max_researcher_iterations,
  });
  const conversation: BaseMessage[] = [new SystemMessage(supervisorPrompt), new HumanMessage(brief)];
  const planner = model.bindTools!([conductResearchTool, researchCompleteTool, thinkTool]);
  const findings: string[] = [];
  for (let round = 0; round < configuration.max_researcher_iterations; round += 1) {
    const turn = (await planner.invoke(conversation)) as AIMessage;
    conversation.push(turn);
    const calls = (turn.tool_calls ?? []).filter((call) => call.name === "ConductResearch").slice(0, configuration.max_concurrent_research_units);
    if (calls.length === 0) break;
    const answers = await Promise.all(calls.map((call) => researchUnit(String(call.args.research_topic), configuration)));
    calls.forEach((call, i) => conversation.push(new ToolMessage({ content: answers[i], tool_call_id: call.id ?? "", name: call.name })));
    findings.push(...answers);
  }
  const writer = createChatModel(configuration.final_report_model, {
    maxTokens: configuration.final_report_model_max_tokens,
    timeoutSeconds: configuration.model_timeout_seconds,
  });
  const reportPrompt = renderPrompt("final_report", {
    research_brief: brief,
    messages: `User: ${question}`,
    findings: findings.join("\n\n---\n\n"),
    sources: "",
    language: `Write the whole report in the language of the user's question ("${question}").`,
    date: today(),
  });
  return messageText(await writer.invoke([new HumanMessage(reportPrompt)]));
}

/** One researcher: model turns and their tool calls until it stops, then one compression call. */
async function researchUnit(topic: string, configuration: Configuration): Promise<string> {
  const tools = await toolbox.toolsFor(configuration);
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const researcher = createChatModel(configuration.research_model, {
    maxTokens: configuration.research_model_max_tokens,
    timeoutSeconds: configuration.model_timeout_seconds,
  }).bindTools!(tools);
  const system = new SystemMessage(
    renderPrompt("researcher", {
      date: today(),
      tool_list: tools.map((t) => `- ${t.name}: ${t.description}`).join("\n"),
      max_react_tool_calls: configuration.max_react_tool_calls,
    }),
  );
  const messages: BaseMessage[] = [new HumanMessage(topic)];
  for (let turn = 0; turn < configuration.max_react_tool_calls; turn += 1) {
    const reply = (await researcher.invoke([system, ...messages])) as AIMessage;
    messages.push(reply);
    const calls = reply.tool_calls ?? [];
    if (calls.length === 0 || calls.some((call) => call.name === "ResearchComplete")) break;
    const results = await Promise.all(calls.map((call) => byName.get(call.name)!.invoke({ ...call, type: "tool_call" }) as Promise<ToolMessage>));
    messages.push(...results);
  }
  const compressor = createChatModel(configuration.compression_model, {
    maxTokens: configuration.compression_model_max_tokens,
    timeoutSeconds: configuration.model_timeout_seconds,
  });
  const compressed = await compressor.invoke([
    new SystemMessage(renderPrompt("compress_research", { date: today() })),
    ...messages,
    new HumanMessage(renderPrompt("compress_research_request", { research_topic: topic })),
  ]);
  return messageText(compressed);
}
