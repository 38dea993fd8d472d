import { z } from "zod";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { Overwrite } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { contextBudget, roleModel } from "../context/budget.js";
import { keepEnd } from "../context/fit.js";
import { withinContext } from "../context/retry.js";
import { renderPrompt } from "../prompts.js";
import { NO_SEARCHES, type AgentStateValue } from "../state.js";
import { today } from "../util/dates.js";
import { formatConversation, messageText } from "../util/messages.js";
import { invokeStructured, UnusableReply } from "../util/structured.js";
import { emitProgress } from "../progress.js";

/** A scoping prompt without the conversation, plus the JSON-in-text instruction a weak model gets, in tokens. */
export const SCOPING_PROMPT_TOKENS = 800;

export const ResearchQuestionSchema = z.object({
  research_brief: z.string().min(1),
});

/**
 * Turns the conversation into the brief the supervisor works from, and starts
 * the supervisor's conversation. Findings from an earlier run on the same
 * thread are cleared, so a follow-up question gets a report of its own.
 */
export async function writeResearchBrief(state: AgentStateValue, config: LangGraphRunnableConfig) {
  const configuration = readConfiguration(config);
  const brief = await draftBrief(state, config);
  const supervisorPrompt = renderPrompt("supervisor", {
    date: today(),
    max_concurrent_research_units: configuration.max_concurrent_research_units,
    max_researcher_iterations: configuration.max_researcher_iterations,
  });
  return {
    research_brief: brief,
    supervisor_messages: new Overwrite([new SystemMessage(supervisorPrompt), new HumanMessage(brief)]),
    notes: new Overwrite<string[]>([]),
    raw_notes: new Overwrite<string[]>([]),
    sources: new Overwrite([]),
    search_tally: new Overwrite(NO_SEARCHES),
    final_report: "",
  };
}

async function draftBrief(state: AgentStateValue, config: LangGraphRunnableConfig): Promise<string> {
  const configuration = readConfiguration(config);
  const model = await roleModel(configuration, "research");
  const conversation = formatConversation(state.messages);
  const draft = (tokens: number) => {
    const prompt = renderPrompt("research_brief", { messages: keepEnd(conversation, tokens - SCOPING_PROMPT_TOKENS), date: today() });
    return invokeStructured(model, ResearchQuestionSchema, "ResearchQuestion", [new HumanMessage(prompt)], configuration.max_structured_output_retries, config.signal);
  };
  try {
    const reply = await withinContext(contextBudget(configuration, "research").inputTokens, draft, "write_research_brief");
    return reply.research_brief.trim();
  } catch (error) {
    // A model that answered with no usable brief: the user's own words are the brief, and the
    // run says so. A model that did not answer at all fails the run, which can resume.
    if (!(error instanceof UnusableReply)) throw error;
    emitProgress(config, { type: "step_degraded", step: "write_research_brief", detail: `${error.message}; the question as asked is the brief` });
    return userWords(state);
  }
}

/** Everything the user said: the question and, after a clarifying question, the answer. */
function userWords(state: AgentStateValue): string {
  return state.messages
    .filter((message) => message.getType() === "human")
    .map(messageText)
    .join("\n\n");
}
