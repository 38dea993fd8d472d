import { ToolMessage, type ToolCall } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { Command, END, Send } from "@langchain/langgraph";
import { readConfiguration, type Configuration } from "../config.js";
import type { ResearchUnitInput, SupervisorStateValue } from "../state.js";
import { countUnit } from "../limits/usage.js";
import { emitProgress } from "../progress.js";
import { toolCallsOf } from "../util/messages.js";
import { ConductResearchArgs } from "./tools.js";

/** What to do with the calls of one supervisor turn. */
export type SupervisorPlan = {
  /** Research units to launch now, one Send each. */
  units: ResearchUnitInput[];
  /** Answers that need no research: reflections, refused and malformed calls. */
  replies: ToolMessage[];
  done: boolean;
};

/**
 * Pure routing decision, kept apart from the node so it can be tested alone.
 * Every call gets an answer, so the supervisor's conversation never holds an
 * unanswered call: calls beyond max_concurrent_research_units get an error
 * that names the limit, and a turn that ends research answers each call it
 * does not run. `iterations` counts this turn, so with the limit at N the
 * first N turns run their research (Open Deep Research's rule).
 */
export function planSupervisorTurn(
  toolCalls: ToolCall[],
  iterations: number,
  configuration: Pick<Configuration, "max_concurrent_research_units" | "max_researcher_iterations">,
): SupervisorPlan {
  const plan: SupervisorPlan = { units: [], replies: [], done: false };
  const exhausted = iterations > configuration.max_researcher_iterations;
  if (toolCalls.length === 0 || exhausted || toolCalls.some((call) => call.name === "ResearchComplete")) {
    const why = exhausted
      ? `the research rounds are used up (max_researcher_iterations=${configuration.max_researcher_iterations})`
      : "ResearchComplete ended the research in the same turn";
    plan.replies = toolCalls.map((call) => (call.name === "ResearchComplete" ? reply(call, "Research complete.") : reply(call, `Not run: ${why}.`, true)));
    plan.done = true;
    return plan;
  }
  const limit = configuration.max_concurrent_research_units;
  for (const call of toolCalls) {
    const id = call.id ?? "";
    if (call.name === "think_tool") {
      plan.replies.push(reply(call, `Reflection noted: ${String(call.args.reflection ?? "")}`));
    } else if (call.name === "ConductResearch") {
      const args = ConductResearchArgs.safeParse(call.args);
      if (!args.success) {
        plan.replies.push(reply(call, "Error: ConductResearch needs a non-empty research_topic.", true));
      } else if (plan.units.length >= limit) {
        plan.replies.push(
          reply(
            call,
            `Error: not run. At most ${limit} research units run per turn (max_concurrent_research_units=${limit}); ask again next turn if this topic is still needed.`,
            true,
          ),
        );
      } else {
        plan.units.push({ research_topic: args.data.research_topic, tool_call_id: id });
      }
    } else {
      plan.replies.push(reply(call, `Error: unknown tool "${call.name}". Use ConductResearch, think_tool or ResearchComplete.`, true));
    }
  }
  return plan;
}

function reply(call: ToolCall, content: string, isError = false): ToolMessage {
  return new ToolMessage({ content, tool_call_id: call.id ?? "", name: call.name, status: isError ? "error" : "success" });
}

/**
 * Answers the supervisor's tool calls and fans research units out, one Send
 * (so one task, one checkpoint write) per unit. Their results come back as
 * tool messages through the research_unit → supervisor edge.
 */
export async function supervisorTools(state: SupervisorStateValue, config: LangGraphRunnableConfig) {
  const configuration = readConfiguration(config);
  const toolCalls = toolCallsOf(state.supervisor_messages.at(-1));
  const plan = planSupervisorTurn(toolCalls, state.research_iterations, configuration);
  const update = { supervisor_messages: plan.replies };
  if (plan.done) return new Command({ goto: END, update });
  if (plan.units.length === 0) return new Command({ goto: "supervisor", update });
  for (const unit of plan.units) {
    countUnit("started", unit.tool_call_id);
    emitProgress(config, { type: "unit_started", topic: unit.research_topic, id: unit.tool_call_id });
  }
  return new Command({
    goto: plan.units.map((unit) => new Send("research_unit", unit)),
    update,
  });
}
