import type { ToolCall, ToolMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { Command } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { emitProgress } from "../progress.js";
import { isSearchTool } from "../search/tool.js";
import { SourceSchema, type ResearcherStateValue, type SearchTally, type Source } from "../state.js";
import { toolCallsOf } from "../util/messages.js";
import { runToolCall, toolFailure } from "./runToolCall.js";
import type { Toolbox } from "./toolbox.js";

/** Where the researcher goes after a turn: more research, or compression. */
export function nextResearcherStep(toolCallNames: string[], iterations: number, maxReactToolCalls: number): "researcher" | "compress_research" {
  if (toolCallNames.length === 0) return "compress_research";
  if (toolCallNames.includes("ResearchComplete")) return "compress_research";
  return iterations >= maxReactToolCalls ? "compress_research" : "researcher";
}

/**
 * Runs every tool call of the researcher's last turn at once, each under its
 * own timeout, and records the sources the searches returned and how many
 * searches failed.
 */
export function createResearcherTools(toolbox: Toolbox) {
  return async function researcherTools(state: ResearcherStateValue, config: LangGraphRunnableConfig) {
    const configuration = readConfiguration(config);
    const calls = toolCallsOf(state.researcher_messages.at(-1));
    const goto = nextResearcherStep(
      calls.map((call) => call.name),
      state.tool_call_iterations,
      configuration.max_react_tool_calls,
    );
    if (calls.length === 0) return new Command({ goto });
    const tools = new Map((await toolbox.toolsFor(configuration)).map((tool) => [tool.name, tool]));
    const timeoutMs = configuration.tool_timeout_seconds * 1000;
    const replies = await Promise.all(calls.map((call) => runToolCall(call, tools, timeoutMs, config)));
    const sources = replies.flatMap(sourcesOf);
    reportProgress(config, state, replies, sources);
    const search_tally = tallySearches(calls, replies, tools);
    return new Command({ goto, update: { researcher_messages: replies, sources, search_tally } });
  };
}

/** The searches among a turn's calls and those that failed, with why. */
function tallySearches(calls: ToolCall[], replies: ToolMessage[], tools: Map<string, StructuredToolInterface>): SearchTally {
  const searches = replies.filter((_, index) => isSearchTool(tools.get(calls[index].name)));
  const causes = searches.flatMap((reply) => toolFailure(reply) ?? []);
  return { searches: searches.length, failed: causes.length, causes };
}

function sourcesOf(message: ToolMessage): Source[] {
  const parsed = SourceSchema.array().safeParse(message.artifact);
  return parsed.success ? parsed.data : [];
}

function reportProgress(config: LangGraphRunnableConfig, unit: ResearcherStateValue, replies: ToolMessage[], sources: Source[]): void {
  if (sources.length > 0) emitProgress(config, { type: "sources_found", unit: unit.tool_call_id, topic: unit.research_topic, urls: sources.map((s) => s.url) });
  for (const reply of replies) {
    const reason = toolFailure(reply);
    if (reason !== undefined) emitProgress(config, { type: "tool_failed", unit: unit.tool_call_id, topic: unit.research_topic, tool: reply.name ?? "", error: reason });
  }
}
