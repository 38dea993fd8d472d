import { AIMessage, HumanMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration, type Configuration } from "../config.js";
import { contextBudget, estimateTokens, roleModel } from "../context/budget.js";
import { fitByRelevance } from "../context/fit.js";
import { withinContext } from "../context/retry.js";
import { renderPrompt } from "../prompts.js";
import type { AgentStateValue, CitationCheck } from "../state.js";
import { today } from "../util/dates.js";
import { formatConversation, messageText } from "../util/messages.js";
import { truncateText } from "../util/text.js";
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
  const model = await roleModel(configuration, "final_report");
  const budget = contextBudget(configuration, "final_report");
  const draft = await withinContext(
    budget.inputTokens,
    async (tokens) => messageText(await model.invoke([new HumanMessage(reportPrompt(state, tokens, configuration.report_language))], { signal: config.signal })).trim(),
    "final_report_generation",
  );
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
async function checkCitations(
  draft: string,
  state: AgentStateValue,
  configuration: Configuration,
  signal?: AbortSignal,
): Promise<{ report: string; citationCheck: CitationCheck }> {
  const { report, cited, checked, retrieved } = finaliseCitations(draft, state.sources);
  if (configuration.verify_citations !== "claims") return { report, citationCheck: { checked, retrieved } };
  const claims = await checkClaims(report, cited, retrievedTexts(state.raw_notes), configuration, signal);
  // Citations the check could not judge: its call failed, or they were not in a sentence it found.
  const unchecked = Math.max(0, retrieved - claims.supported - claims.unsupported);
  const citationCheck = { checked, retrieved, supported: claims.supported, ...(unchecked > 0 ? { unchecked } : {}) };
  return { report: claims.report, citationCheck };
}

/** Share of the prompt the source list may take before it is cut to the sources the kept findings name. */
const SOURCES_SHARE = 1 / 3;

/**
 * The writer's prompt within `budgetTokens`. Findings that do not fit are cut to the passages
 * most relevant to the brief; a source list that does not fit shows the sources those
 * passages name, each under its own number, so citations still resolve.
 */
export function reportPrompt(state: AgentStateValue, budgetTokens: number, reportLanguage = ""): string {
  const all = state.notes.length > 0 ? state.notes.join("\n\n---\n\n") : state.raw_notes.join("\n\n");
  const fill = (findings: string, sources: string) =>
    renderPrompt("final_report", {
      research_brief: state.research_brief,
      messages: formatConversation(state.messages),
      findings: findings || "(the researchers found nothing)",
      sources,
      language: languageInstruction(state, reportLanguage),
      date: today(),
    });
  const everySource = numberSources(state.sources);
  const whole = fill(all, everySource);
  if (estimateTokens(whole) <= budgetTokens) return whole;
  const room = Math.max(0, budgetTokens - estimateTokens(fill("", "")));
  const query = `${state.research_brief}\n${formatConversation(state.messages)}`;
  const listFits = estimateTokens(everySource) <= room * SOURCES_SHARE;
  const findings = fitByRelevance(all, query, listFits ? room - estimateTokens(everySource) : Math.floor(room * (1 - SOURCES_SHARE)));
  if (listFits) return fill(findings, everySource);
  const named = numberSources(state.sources, (source) => findings.includes(source.url));
  return fill(findings, linesWithin(named, Math.floor(room * SOURCES_SHARE)));
}

/**
 * Which language the report is written in: report_language when set, else the question's.
 * The question is quoted, because the brief and the findings are often in English whatever
 * the user wrote, and a model follows the text nearest to it.
 */
export function languageInstruction(state: AgentStateValue, reportLanguage: string): string {
  if (reportLanguage) return `Write the whole report, headings included, in ${reportLanguage}.`;
  const question = state.messages.find((message) => message.getType() === "human");
  const quoted = truncateText(question ? messageText(question).replace(/\s+/g, " ").trim() : "", 300);
  return `Write the whole report, headings included, in the language of the user's question ("${quoted}"), whatever language the brief and the findings are in.`;
}

/** The first lines of a list that fit a token budget. */
function linesWithin(list: string, budgetTokens: number): string {
  const kept: string[] = [];
  let spent = 0;
  for (const line of list.split("\n")) {
    spent += estimateTokens(line) + 1;
    if (spent > budgetTokens) break;
    kept.push(line);
  }
  return kept.join("\n");
}
