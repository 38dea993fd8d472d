import { ToolMessage } from "@langchain/core/messages";
import type { NodeError } from "@langchain/langgraph";
import { ConfigurationError } from "../config.js";
import type { ResearchUnitInput } from "../state.js";

/**
 * A research unit that fails for good (its model unreachable after retries)
 * answers its ConductResearch call with an error, so the supervisor can carry
 * on with the other units' findings instead of the whole run failing. A
 * configuration error is not a unit's failure, so it ends the run.
 */
export function researchUnitFailed(input: unknown, failure: NodeError) {
  // A setting that cannot work fails every unit alike: stop the run and say so.
  // A fresh error: LangGraph skips the original, which it marks as handled.
  if (failure.error instanceof ConfigurationError) throw new ConfigurationError(failure.error.message);
  const { research_topic, tool_call_id } = input as ResearchUnitInput;
  const reason = failure.error?.message ?? String(failure.error);
  return {
    supervisor_messages: [
      new ToolMessage({
        content: `Error: the research unit for "${research_topic}" failed: ${reason}. Its findings are missing; decide whether to retry this topic.`,
        tool_call_id,
        name: "ConductResearch",
        status: "error",
      }),
    ],
  };
}
