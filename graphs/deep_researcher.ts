/**
 * The whole Fanout graph on one page.
 *
 *   clarify_with_user → write_research_brief → research_supervisor → final_report_generation
 *   research_supervisor:  supervisor ⇄ supervisor_tools ─Send→ research_unit (×N) → supervisor
 *   research_unit:        researcher ⇄ researcher_tools → compress_research (a turn without tool calls: researcher → compress_research)
 *
 * Nodes that route with Command declare `ends` and have no edges out, so
 * LangGraph follows only the Command and Studio still draws the edges.
 * Each graph is compiled with a name, which traces show for its run.
 */
import { EventEmitter, setMaxListeners } from "node:events";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseCheckpointSaver, LangGraphRunnableConfig } from "@langchain/langgraph";
import { END, START, StateGraph } from "@langchain/langgraph";
import { compressResearch } from "../src/researcher/compressResearch.js";
import { createResearcher } from "../src/researcher/researcher.js";
import { createResearcherTools } from "../src/researcher/researcherTools.js";
import { createToolbox } from "../src/researcher/toolbox.js";
import { emitProgress, reportingTokens, type Stage } from "../src/progress.js";
import { finalReport } from "../src/report/finalReport.js";
import { clarifyWithUser } from "../src/scoping/clarifyWithUser.js";
import { writeResearchBrief } from "../src/scoping/writeResearchBrief.js";
import { SettingsContextSchema } from "../src/settingsSchema.js";
import { AgentInput, AgentState, ResearcherOutput, ResearcherState, SupervisorOutput, SupervisorState } from "../src/state.js";
import { supervisor } from "../src/supervisor/supervisor.js";
import { supervisorTools } from "../src/supervisor/supervisorTools.js";

/**
 * Every research unit, and every step inside it, listens on the run's cancel
 * signal (LangGraph passes the caller's signal down to each subgraph run), so
 * a fan-out passes Node's default of 10 listeners and a server that hosts the
 * graph would warn of a leak that is none. The limit is only ever raised.
 */
const RUN_SIGNAL_LISTENERS = 1_000;
if (EventEmitter.defaultMaxListeners < RUN_SIGNAL_LISTENERS) setMaxListeners(RUN_SIGNAL_LISTENERS);

export type BuildOptions = {
  checkpointer?: BaseCheckpointSaver;
  /** Extra researcher tools (MCP tools, or a test's own). */
  tools?: StructuredToolInterface[];
};

/**
 * A node that first emits the `stage` progress event (on its first round only, when `first` says
 * which), and whose model calls emit `tokens` events.
 */
function announcing<S, R>(stage: Stage, node: (state: S, config: LangGraphRunnableConfig) => R, first: (state: S) => boolean = () => true) {
  return reportingTokens((state: S, config: LangGraphRunnableConfig): R => {
    if (first(state)) emitProgress(config, { type: "stage", stage });
    return node(state, config);
  });
}

/** A research unit's node, whose model calls' `tokens` events name the unit. */
function inUnit<S extends { tool_call_id: string; research_topic: string }, R>(node: (state: S, config: LangGraphRunnableConfig) => R) {
  return reportingTokens(node, (state: S) => ({ id: state.tool_call_id, topic: state.research_topic }));
}

export function buildResearcherGraph(tools: StructuredToolInterface[] = []) {
  const toolbox = createToolbox(tools);
  return new StateGraph(ResearcherState, { output: ResearcherOutput })
    .addNode("researcher", inUnit(createResearcher(toolbox)), { ends: ["researcher_tools", "compress_research"] })
    .addNode("researcher_tools", inUnit(createResearcherTools(toolbox)), { ends: ["researcher", "compress_research"] })
    .addNode("compress_research", inUnit(compressResearch))
    .addEdge(START, "researcher")
    .addEdge("compress_research", END)
    .compile({ name: "researcher" });
}

export function buildSupervisorGraph(tools: StructuredToolInterface[] = []) {
  return new StateGraph(SupervisorState, { output: SupervisorOutput })
    .addNode(
      "supervisor",
      announcing("research_supervisor", supervisor, (state) => state.research_iterations === 0),
    )
    .addNode("supervisor_tools", supervisorTools, { ends: ["supervisor", "research_unit", END] })
    .addNode("research_unit", buildResearcherGraph(tools))
    .addEdge(START, "supervisor")
    .addEdge("supervisor", "supervisor_tools")
    .addEdge("research_unit", "supervisor")
    .compile({ name: "supervisor" });
}

export function buildDeepResearcher(options: BuildOptions = {}) {
  return new StateGraph(AgentState, { input: AgentInput, context: SettingsContextSchema })
    .addNode("clarify_with_user", announcing("clarify_with_user", clarifyWithUser), { ends: ["clarify_with_user", "write_research_brief"] })
    .addNode("write_research_brief", announcing("write_research_brief", writeResearchBrief))
    .addNode("research_supervisor", buildSupervisorGraph(options.tools))
    .addNode("final_report_generation", announcing("final_report_generation", finalReport))
    .addEdge(START, "clarify_with_user")
    .addEdge("write_research_brief", "research_supervisor")
    .addEdge("research_supervisor", "final_report_generation")
    .addEdge("final_report_generation", END)
    .compile({ checkpointer: options.checkpointer, name: "deep_researcher" });
}

/** The graph langgraph.json names; the dev server brings its own checkpointer. */
export const graph = buildDeepResearcher();
