import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { Command, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { contextBudget, estimateTokens, roleModel } from "../context/budget.js";
import { fitConversation } from "../context/fit.js";
import { withinContext } from "../context/retry.js";
import { modelServerDown } from "../modelFailures.js";
import { withTools } from "../models.js";
import { renderPrompt } from "../prompts.js";
import type { ResearcherStateValue } from "../state.js";
import { emitProgress } from "../progress.js";
import { today } from "../util/dates.js";
import { isSearchTool } from "../search/tool.js";
import { toolCallsOf } from "../util/messages.js";
import { truncateText } from "../util/text.js";
import { withToolCallsFromText } from "../util/textToolCalls.js";
import type { Toolbox } from "./toolbox.js";

/**
 * One researcher turn: the model reads what it has and picks its next tool calls. A turn
 * without any goes straight to compression: a researcher_tools step with nothing to run would
 * cost every unit a task, a checkpoint and its writes.
 */
export function createResearcher(toolbox: Toolbox) {
  return async function researcher(state: ResearcherStateValue, config: LangGraphRunnableConfig) {
    const configuration = readConfiguration(config);
    const tools = await toolbox.toolsFor(configuration, config);
    const model = await roleModel(configuration, "research");
    const { inputTokens } = contextBudget(configuration, "research");
    const system = renderPrompt("researcher", {
      date: today(),
      tool_list: describeTools(tools),
      max_react_tool_calls: configuration.max_react_tool_calls,
    });
    // The assignment opens the conversation on the first turn.
    const opening = state.researcher_messages.length === 0 ? [new HumanMessage(state.research_topic)] : [];
    const history = [...state.researcher_messages, ...opening];
    const bound = withTools(model, tools);
    // Within the budget, older search results are cut for this call; the stored conversation keeps them.
    const turn = (tokens: number) => bound.invoke([new SystemMessage(system), ...fitConversation(history, tokens - estimateTokens(system))], { signal: config.signal });
    const answer = await withinContext(inputTokens, turn, "researcher").catch((error: unknown) => researchStopped(error, config));
    const reply = readToolCalls(answer, tools, state, config);
    return new Command({
      goto: toolCallsOf(reply).length > 0 ? "researcher_tools" : "compress_research",
      update: { researcher_messages: [...opening, reply], tool_call_iterations: state.tool_call_iterations + 1 },
    });
  };
}

/** Name of the message that ends a unit whose model failed for good. */
export const RESEARCH_FAILED = "research_failed";

/**
 * A model that still fails after the client's retries ends this unit's
 * research, not the run: the unit reports what it has, and the failure, to
 * the supervisor. A cancelled run still stops. So does a model server that is
 * down (it cannot be reached, or its breaker is open): that is no failure of
 * the unit's own, and saving the unit as done with it would keep a resume,
 * once the server is back, from researching it again. The run fails instead;
 * the units that finished keep their results and a resume redoes the others.
 */
function researchStopped(error: unknown, config: LangGraphRunnableConfig): AIMessage {
  if (config.signal?.aborted || modelServerDown(error)) throw error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AIMessage({ content: `Research stopped: the model failed (${reason}).`, name: RESEARCH_FAILED });
}

/**
 * The turn's tool calls, also those a weak model wrote as text. A first turn with none (a
 * model that does not call tools) searches the unit's topic itself, so the unit still has
 * sources; its text is kept, and compressed with the results into the unit's findings.
 */
function readToolCalls(answer: BaseMessage, tools: StructuredToolInterface[], state: ResearcherStateValue, config: LangGraphRunnableConfig): BaseMessage {
  if (answer.name === RESEARCH_FAILED || toolCallsOf(answer).length > 0) return answer;
  const recovered = withToolCallsFromText(
    answer,
    tools.map((tool) => tool.name),
  );
  if (recovered) {
    emitProgress(config, { type: "model_fallback", call: "researcher", fallback: "tool_calls_in_text" });
    return recovered;
  }
  const search = tools.find(isSearchTool);
  if (state.tool_call_iterations > 0 || !search) return answer;
  emitProgress(config, { type: "model_fallback", call: "researcher", fallback: "topic_searched" });
  const call = {
    name: search.name,
    args: { queries: [truncateText(state.research_topic.replace(/\s+/g, " ").trim(), 300)] },
    id: `call_topic_${state.tool_call_id}`.slice(0, 64),
    type: "tool_call" as const,
  };
  return new AIMessage({ content: (answer as AIMessage).content, tool_calls: [call] });
}

function describeTools(tools: StructuredToolInterface[]): string {
  return tools.map((tool) => `- ${tool.name}: ${tool.description}`).join("\n");
}
