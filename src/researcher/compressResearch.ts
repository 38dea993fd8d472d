import { HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { contextBudget, roleModel } from "../context/budget.js";
import { estimateMessages, fitByRelevance } from "../context/fit.js";
import { withinContext } from "../context/retry.js";
import { renderPrompt } from "../prompts.js";
import { countUnit } from "../limits/usage.js";
import { emitProgress } from "../progress.js";
import { keepRetrievedUrls } from "../report/citations.js";
import type { ResearcherStateValue, Source } from "../state.js";
import { today } from "../util/dates.js";
import { messageText } from "../util/messages.js";
import { truncateText } from "../util/text.js";
import { RESEARCH_FAILED } from "./researcher.js";

/** Raw notes kept when compression fails, so the unit's work is never lost. */
const RAW_NOTES_FALLBACK_CHARACTERS = 20_000;

/**
 * Turns the researcher's conversation into cleaned findings that keep every
 * source URL, and answers the supervisor's ConductResearch call with them.
 */
export async function compressResearch(state: ResearcherStateValue, config: LangGraphRunnableConfig) {
  const failure = state.researcher_messages.find((message) => message.name === RESEARCH_FAILED);
  const foundAnything = state.researcher_messages.some((message) => message.getType() === "tool");
  if (failure && !foundAnything) {
    countUnit("finished", state.tool_call_id);
    emitProgress(config, { type: "unit_finished", id: state.tool_call_id, topic: state.research_topic, status: "failed", sources: 0 });
    return unitFailed(state, messageText(failure));
  }
  const rawNotes = collectRawNotes(state.researcher_messages);
  // Compressed or not, the findings link only to what this unit retrieved, as a report does.
  const checked = keepRetrievedUrls(await compressOrFallBack(state, rawNotes, config), state.sources);
  const findings = ensureSourcesListed(checked, state.sources);
  countUnit("finished", state.tool_call_id);
  emitProgress(config, { type: "unit_finished", id: state.tool_call_id, topic: state.research_topic, status: "done", sources: state.sources.length });
  return {
    supervisor_messages: [unitAnswer(state, findings)],
    notes: [findings],
    raw_notes: [rawNotes],
  };
}

/**
 * The unit's answer to the supervisor's ConductResearch call. The topic (and
 * for a failed unit, why) rides along as the artifact, never sent to the
 * model, so progress can name the unit even in a process that did not start
 * it, and the run's outcome can say why its units failed.
 */
function unitAnswer(state: ResearcherStateValue, content: string, error?: string): ToolMessage {
  return new ToolMessage({
    content,
    tool_call_id: state.tool_call_id,
    name: "ConductResearch",
    status: error === undefined ? "success" : "error",
    artifact: { research_topic: state.research_topic, ...(error === undefined ? {} : { error }) },
  });
}

/** A unit that found nothing before its model failed: the supervisor hears why, as an error. */
function unitFailed(state: ResearcherStateValue, reason: string) {
  const content = `Error: the research unit for "${state.research_topic}" found nothing. ${reason} Decide whether to retry this topic.`;
  return {
    supervisor_messages: [unitAnswer(state, content, reason)],
  };
}

async function compressOrFallBack(state: ResearcherStateValue, rawNotes: string, config: LangGraphRunnableConfig): Promise<string> {
  const configuration = readConfiguration(config);
  const model = await roleModel(configuration, "compression");
  const { inputTokens } = contextBudget(configuration, "compression");
  try {
    const compress = async (tokens: number) => messageText(await model.invoke(compressionMessages(state, rawNotes, tokens), { signal: config.signal })).trim();
    const text = await withinContext(inputTokens, compress, "compress_research");
    if (text) return text;
  } catch (error) {
    if (config.signal?.aborted) throw error;
  }
  return `Findings for "${state.research_topic}" (uncompressed: the compression model failed):\n\n${truncateText(rawNotes, RAW_NOTES_FALLBACK_CHARACTERS)}`;
}

/**
 * What the compression model reads: the researcher's conversation, or when that is over the
 * budget, its raw notes fitted to it by relevance to the unit's topic.
 */
function compressionMessages(state: ResearcherStateValue, rawNotes: string, budgetTokens: number): BaseMessage[] {
  const system = new SystemMessage(renderPrompt("compress_research", { date: today() }));
  const request = new HumanMessage(renderPrompt("compress_research_request", { research_topic: state.research_topic }));
  const whole = [system, ...state.researcher_messages, request];
  if (estimateMessages(whole) <= budgetTokens) return whole;
  const room = Math.max(0, budgetTokens - estimateMessages([system, request]) - 50);
  const notes = fitByRelevance(rawNotes, state.research_topic, room);
  return [system, new HumanMessage(`${state.research_topic}\n\nThe researcher's notes (the parts most relevant to the assignment):\n\n${notes}`), request];
}

/** The text of every tool result and researcher reply: the unit's raw material. */
export function collectRawNotes(messages: BaseMessage[]): string {
  return messages
    .filter((message) => message.getType() === "tool" || message.getType() === "ai")
    .map(messageText)
    .filter((text) => text.trim().length > 0)
    .join("\n\n");
}

/** Appends any retrieved source the model left out, so no URL is lost on the way to the report. */
export function ensureSourcesListed(findings: string, sources: Source[]): string {
  const missing = sources.filter((source) => !findings.includes(source.url));
  if (missing.length === 0) return findings;
  const lines = missing.map((source) => `- ${source.title}: ${source.url}`);
  return `${findings}\n\nOther sources retrieved:\n${lines.join("\n")}`;
}
