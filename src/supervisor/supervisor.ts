import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { readConfiguration } from "../config.js";
import { createChatModel } from "../models.js";
import type { SupervisorStateValue } from "../state.js";
import { thinkTool } from "../tools/think.js";
import { researchCompleteTool } from "../tools/researchComplete.js";
import { conductResearchTool } from "./tools.js";

/** One supervisor turn: the model plans the next round of research, or ends it. */
export async function supervisor(state: SupervisorStateValue, config: LangGraphRunnableConfig) {
  const configuration = readConfiguration(config);
  const model = createChatModel(configuration.research_model, { maxTokens: configuration.research_model_max_tokens, timeoutSeconds: configuration.model_timeout_seconds });
  const planner = model.bindTools!([conductResearchTool, researchCompleteTool, thinkTool]);
  const reply = await planner.invoke(state.supervisor_messages, { signal: config.signal });
  return {
    supervisor_messages: [reply],
    research_iterations: state.research_iterations + 1,
  };
}
