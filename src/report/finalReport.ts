import { AIMessage, HumanMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { createChatModel } from "../models.js";
import { renderPrompt } from "../prompts.js";
import type { AgentStateValue } from "../state.js";
import { today } from "../util/dates.js";
import { formatConversation, messageText } from "../util/messages.js";
import { finaliseCitations, numberSources } from "./citations.js";

/**
 * Writes the report from the findings. Citations are checked against the
 * sources the run retrieved; if the writer fails, the findings themselves
 * become the report, so the research is never thrown away.
 */
export async function finalReport(state: AgentStateValue, config: LangGraphRunnableConfig) {
  const configuration = readConfiguration(config);
  const findings = state.notes.length > 0 ? state.notes.join("\n\n---\n\n") : state.raw_notes.join("\n\n");
  const model = createChatModel(configuration.final_report_model, { maxTokens: configuration.final_report_model_max_tokens, timeoutSeconds: configuration.model_timeout_seconds });
  const prompt = renderPrompt("final_report", {
    research_brief: state.research_brief,
    messages: formatConversation(state.messages),
    findings: findings || "(the researchers found nothing)",
    sources: numberSources(state.sources),
    date: today(),
  });
  let report: string;
  try {
    const draft = messageText(await model.invoke([new HumanMessage(prompt)], { signal: config.signal })).trim();
    if (!draft) throw new Error("the report model returned an empty reply");
    report = finaliseCitations(draft, state.sources).report;
  } catch (error) {
    if (config.signal?.aborted) throw error;
    report = fallbackReport(state, findings, error);
  }
  return { final_report: report, messages: [new AIMessage(report)] };
}

/** The findings as they stand, with every retrieved source: the research survives a failed writer. */
function fallbackReport(state: AgentStateValue, findings: string, error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  const sources = state.sources.map((source, index) => `${index + 1}. [${source.title}](${source.url})`).join("\n");
  return [
    "# Research findings",
    `> The report writer failed (${reason}); these are the researchers' findings as they stand.`,
    `## Brief\n\n${state.research_brief}`,
    `## Findings\n\n${findings}`,
    sources ? `## Sources\n\n${sources}` : "",
  ].filter(Boolean).join("\n\n") + "\n";
}

