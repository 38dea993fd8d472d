import { z } from "zod";
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { Command, GraphValueError, interrupt } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { contextBudget, roleModel } from "../context/budget.js";
import { keepEnd } from "../context/fit.js";
import { withinContext } from "../context/retry.js";
import { SCOPING_PROMPT_TOKENS } from "./writeResearchBrief.js";
import { renderPrompt } from "../prompts.js";
import type { AgentStateValue } from "../state.js";
import { today } from "../util/dates.js";
import { formatConversation, messageText } from "../util/messages.js";
import { questionProblem } from "../question.js";
import { invokeStructured, UnusableReply } from "../util/structured.js";
import { emitProgress } from "../progress.js";

export const ClarifyWithUserSchema = z.object({
  need_clarification: z.boolean(),
  question: z.string(),
  verification: z.string(),
});

/** What the CLI and Studio receive when the run pauses for an answer. */
export type ClarificationRequest = { question: string };

/**
 * Decides whether the request needs a clarifying question. Asking happens in
 * a second pass through this node, after the decision is checkpointed, so
 * answering the interrupt never repeats the model call. The question is put in
 * the chat when it is decided, so a chat client (Studio) shows it, and a chat
 * message sent after it is taken as the answer.
 */
export async function clarifyWithUser(state: AgentStateValue, config: LangGraphRunnableConfig) {
  if (state.clarifying_question) return askUser(state);
  checkLastQuestion(state);
  const configuration = readConfiguration(config);
  if (!configuration.allow_clarification || alreadyClarified(state)) {
    return new Command({ goto: "write_research_brief" });
  }
  const model = await roleModel(configuration, "research");
  const conversation = formatConversation(state.messages);
  const decide = (tokens: number) => {
    const prompt = renderPrompt("clarify_with_user", { messages: keepEnd(conversation, tokens - SCOPING_PROMPT_TOKENS), date: today() });
    return invokeStructured(model, ClarifyWithUserSchema, "ClarifyWithUser", [new HumanMessage(prompt)], configuration.max_structured_output_retries, config.signal);
  };
  let decision: z.infer<typeof ClarifyWithUserSchema>;
  try {
    decision = await withinContext(contextBudget(configuration, "research").inputTokens, decide, "clarify_with_user");
  } catch (error) {
    // A model that answered but cannot decide should not stop the research: go on without
    // asking, and say so. A model that did not answer at all fails the run, which can resume.
    if (!(error instanceof UnusableReply)) throw error;
    emitProgress(config, { type: "step_degraded", step: "clarify_with_user", detail: `${error.message}; going on without a clarifying question` });
    return new Command({ goto: "write_research_brief" });
  }
  if (decision.need_clarification && decision.question.trim()) {
    const question = decision.question.trim();
    return new Command({ goto: "clarify_with_user", update: { clarifying_question: question, messages: [new AIMessage(question)] } });
  }
  const update = decision.verification.trim() ? { messages: [new AIMessage(decision.verification.trim())] } : {};
  return new Command({ goto: "write_research_brief", update });
}

/** Studio and the server send chats the CLI never saw: refuse an empty or huge one before any model call. */
function checkLastQuestion(state: AgentStateValue): void {
  const human = [...state.messages].reverse().find((message) => message.getType() === "human");
  const problem = questionProblem(human ? messageText(human) : "");
  if (problem) throw new GraphValueError(problem);
}

/**
 * Waits for the answer: a chat message sent after the question (a new run on
 * the thread), or the interrupt's resume value (`Command({ resume })`, the CLI).
 */
function askUser(state: AgentStateValue) {
  const question = state.clarifying_question;
  const last = state.messages.at(-1);
  // Runs paused before the question was put in the chat have it only in clarifying_question.
  const inChat = state.messages.some((message) => message.getType() === "ai" && messageText(message) === question);
  if (inChat && last?.getType() === "human") return goOnWith([]);
  const answer = interrupt<ClarificationRequest, unknown>({ question });
  return goOnWith([...(inChat ? [] : [new AIMessage(question)]), new HumanMessage(String(answer ?? ""))]);
}

function goOnWith(messages: BaseMessage[]) {
  return new Command({ goto: "write_research_brief", update: { clarifying_question: "", messages } });
}

/** One clarifying exchange per run is enough: the user answered, now research. */
function alreadyClarified(state: AgentStateValue): boolean {
  return state.messages.some((message) => message.getType() === "ai");
}
