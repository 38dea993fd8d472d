import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { contextBudget, roleModel } from "../context/budget.js";
import { fitConversation } from "../context/fit.js";
import { withinContext } from "../context/retry.js";
import { withTools } from "../models.js";
import { emitProgress } from "../progress.js";
import type { SupervisorStateValue } from "../state.js";
import { thinkTool } from "../tools/think.js";
import { researchCompleteTool } from "../tools/researchComplete.js";
import { toolCallsOf } from "../util/messages.js";
import { withToolCallsFromText } from "../util/textToolCalls.js";
import { conductResearchTool } from "./tools.js";

const SUPERVISOR_TOOLS = [conductResearchTool, researchCompleteTool, thinkTool];

/** One supervisor turn: the model plans the next round of research, or ends it. */
export async function supervisor(state: SupervisorStateValue, config: LangGraphRunnableConfig) {
  const configuration = readConfiguration(config);
  const planner = withTools(await roleModel(configuration, "research"), SUPERVISOR_TOOLS);
  const { inputTokens } = contextBudget(configuration, "research");
  // Within the budget, the units' findings are cut for this call; the stored conversation keeps them whole.
  const plan = (tokens: number) => planner.invoke(fitConversation(state.supervisor_messages, tokens), { signal: config.signal });
  const answer = await withinContext(inputTokens, plan, "supervisor");
  return {
    supervisor_messages: [readPlan(answer, state, config)],
    research_iterations: state.research_iterations + 1,
  };
}

/**
 * The turn's tool calls, also those a weak model wrote as text. A first turn that launches no
 * research at all (a model that does not call tools) researches the brief as one unit, so the
 * run still has findings and sources rather than ending with none.
 */
function readPlan(answer: BaseMessage, state: SupervisorStateValue, config: LangGraphRunnableConfig): BaseMessage {
  if (toolCallsOf(answer).length > 0) return answer;
  const recovered = withToolCallsFromText(
    answer,
    SUPERVISOR_TOOLS.map((tool) => tool.name),
  );
  if (recovered) {
    emitProgress(config, { type: "model_fallback", call: "supervisor", fallback: "tool_calls_in_text" });
    return recovered;
  }
  if (state.research_iterations > 0 || !state.research_brief.trim()) return answer;
  emitProgress(config, { type: "model_fallback", call: "supervisor", fallback: "brief_as_unit" });
  const call = {
    name: conductResearchTool.name,
    args: { research_topic: state.research_brief },
    id: `call_brief_${state.research_iterations}`,
    type: "tool_call" as const,
  };
  return new AIMessage({ content: (answer as AIMessage).content, tool_calls: [call] });
}
