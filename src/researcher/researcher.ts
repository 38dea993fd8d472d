import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { createChatModel } from "../models.js";
import { renderPrompt } from "../prompts.js";
import type { ResearcherStateValue } from "../state.js";
import { today } from "../util/dates.js";
import type { Toolbox } from "./toolbox.js";

/** One researcher turn: the model reads what it has and picks its next tool calls. */
export function createResearcher(toolbox: Toolbox) {
  return async function researcher(state: ResearcherStateValue, config: LangGraphRunnableConfig) {
    const configuration = readConfiguration(config);
    const tools = await toolbox.toolsFor(configuration, config);
    const model = createChatModel(configuration.research_model, { maxTokens: configuration.research_model_max_tokens, timeoutSeconds: configuration.model_timeout_seconds });
    const system = renderPrompt("researcher", {
      date: today(),
      tool_list: describeTools(tools),
      max_react_tool_calls: configuration.max_react_tool_calls,
    });
    // The assignment opens the conversation on the first turn.
    const opening = state.researcher_messages.length === 0 ? [new HumanMessage(state.research_topic)] : [];
    const history = [...state.researcher_messages, ...opening];
    const reply = await model
      .bindTools!(tools)
      .invoke([new SystemMessage(system), ...history], { signal: config.signal })
      .catch((error: unknown) => researchStopped(error, config));
    return {
      researcher_messages: [...opening, reply],
      tool_call_iterations: state.tool_call_iterations + 1,
    };
  };
}

/** Name of the message that ends a unit whose model failed for good. */
export const RESEARCH_FAILED = "research_failed";

/**
 * A model that still fails after the client's retries ends this unit's
 * research, not the run: the unit reports what it has, and the failure, to
 * the supervisor. A cancelled run still stops.
 */
function researchStopped(error: unknown, config: LangGraphRunnableConfig): AIMessage {
  if (config.signal?.aborted) throw error;
  const reason = error instanceof Error ? error.message : String(error);
  return new AIMessage({ content: `Research stopped: the model failed (${reason}).`, name: RESEARCH_FAILED });
}

function describeTools(tools: StructuredToolInterface[]): string {
  return tools.map((tool) => `- ${tool.name}: ${tool.description}`).join("\n");
}
