import { AIMessage, HumanMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration, type Configuration } from "../config.js";
import { createChatModel } from "../models.js";
import { renderPrompt } from "../prompts.js";
import type { AgentStateValue, CitationCheck } from "../state.js";
import { today } from "../util/dates.js";
import { formatConversation, messageText } from "../util/messages.js";
import { finaliseCitations, numberSources } from "./citations.js";
import { checkClaims, citationLine, retrievedTexts } from "./claims.js";
import { judgeOutcome, partialNote } from "./outcome.js";

/**
 * Writes the report from the findings, citing only the sources the run
 * retrieved. A writer that still fails after the client's retries fails the
 * step: the research is saved in the checkpoints, and a resume runs the
 * writer again without redoing it. Nothing else passes for a report.
 * The run's outcome is recorded with the report; a partial report says so
 * and why at its top.
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
  const draft = messageText(await model.invoke([new HumanMessage(prompt)], { signal: config.signal })).trim();
  if (!draft) throw new Error("the report model returned an empty reply");
  const outcome = judgeOutcome(state, configuration.search_api);
  const { report: cited, citationCheck } = await checkCitations(draft, state, configuration, config.signal);
  const withLine = `${cited.trimEnd()}\n\n${citationLine(citationCheck)}\n`;
  const report = outcome.status === "partial" ? partialNote(outcome.reason) + withLine : withLine;
  return { final_report: report, outcome, citation_check: citationCheck, messages: [new AIMessage(report)] };
}

/**
 * Citations that name no retrieved source are dropped; with
 * verify_citations=claims, the rest are checked against their source's text.
 */
async function checkCitations(draft: string, state: AgentStateValue, configuration: Configuration, signal?: AbortSignal): Promise<{ report: string; citationCheck: CitationCheck }> {
  const { report, cited, checked, retrieved } = finaliseCitations(draft, state.sources);
  if (configuration.verify_citations !== "claims") return { report, citationCheck: { checked, retrieved } };
  const claims = await checkClaims(report, cited, retrievedTexts(state.raw_notes), configuration, signal);
  // Citations the check could not judge: its call failed, or they were not in a sentence it found.
  const unchecked = Math.max(0, retrieved - claims.supported - claims.unsupported);
  const citationCheck = { checked, retrieved, supported: claims.supported, ...(unchecked > 0 ? { unchecked } : {}) };
  return { report: claims.report, citationCheck };
}
