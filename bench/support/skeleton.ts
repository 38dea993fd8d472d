/**
 * The framework's share of a run: Fanout's graph with its real state schemas, node names, routing
 * (Command, Send) and subgraphs, but nodes that only return canned updates the size of a real
 * run's (no model, no search, no prompts, no progress events). Streamed and checkpointed as the
 * CLI does, its CPU is what LangGraph, the checkpointer and the state cost on their own.
 */
import { AIMessage, HumanMessage, ToolMessage } from "@langchain/core/messages";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { Command, END, Send, START, StateGraph } from "@langchain/langgraph";
import { AgentInput, AgentState, ResearcherOutput, ResearcherState, SupervisorOutput, SupervisorState } from "../../src/state.js";
import type { ResearcherStateValue, SupervisorStateValue } from "../../src/state.js";

/** Text of about `bytes` characters, different per call so nothing is shared between messages. */
const text = (bytes: number, tag: string) => `${tag}: ${"Tidal turbines convert the flow of water into electricity. ".repeat(Math.ceil(bytes / 58))}`.slice(0, bytes);

/** A real run's sizes, roughly: a search result of 5 summarised sources, a unit's compressed findings, its raw notes. */
const SEARCH_RESULT_BYTES = 4_000;
const FINDINGS_BYTES = 2_000;
const RAW_NOTES_BYTES = 4_000;

function researchUnit() {
  return new StateGraph(ResearcherState, { output: ResearcherOutput })
    .addNode(
      "researcher",
      (state: ResearcherStateValue) => {
        const searching = state.tool_call_iterations === 0;
        const reply = new AIMessage({
          content: "",
          tool_calls: searching ? [{ id: `${state.tool_call_id}-search`, name: "local_search", args: { queries: [state.research_topic] } }] : [],
        });
        const opening = state.tool_call_iterations === 0 ? [new HumanMessage(text(600, state.research_topic))] : [];
        return new Command({
          goto: searching ? "researcher_tools" : "compress_research",
          update: { researcher_messages: [...opening, reply], tool_call_iterations: state.tool_call_iterations + 1 },
        });
      },
      { ends: ["researcher_tools", "compress_research"] },
    )
    .addNode(
      "researcher_tools",
      (state: ResearcherStateValue) =>
        new Command({
          goto: "researcher",
          update: {
            researcher_messages: [new ToolMessage({ content: text(SEARCH_RESULT_BYTES, state.research_topic), tool_call_id: `${state.tool_call_id}-search` })],
            sources: [1, 2, 3, 4, 5].map((n) => ({ url: `file:///corpus/${state.tool_call_id}-${n}.md`, title: `Source ${n}` })),
            search_tally: { searches: 1, failed: 0, causes: [] },
          },
        }),
      { ends: ["researcher", "compress_research"] },
    )
    .addNode("compress_research", (state: ResearcherStateValue) => ({
      supervisor_messages: [new ToolMessage({ content: text(FINDINGS_BYTES, state.research_topic), tool_call_id: state.tool_call_id })],
      notes: [text(FINDINGS_BYTES, state.research_topic)],
      raw_notes: [text(RAW_NOTES_BYTES, state.research_topic)],
    }))
    .addEdge(START, "researcher")
    .addEdge("compress_research", END)
    .compile({ name: "researcher" });
}

function supervisorGraph(units: number) {
  return new StateGraph(SupervisorState, { output: SupervisorOutput })
    .addNode("supervisor", (state: SupervisorStateValue) => {
      const planning = state.research_iterations === 0;
      const calls = planning
        ? Array.from({ length: units }, (_, i) => ({ id: `unit-${i}`, name: "ConductResearch", args: { research_topic: `Topic ${i} of the brief` } }))
        : [{ id: "done", name: "ResearchComplete", args: {} }];
      return { supervisor_messages: [new AIMessage({ content: "", tool_calls: calls })], research_iterations: state.research_iterations + 1 };
    })
    .addNode(
      "supervisor_tools",
      (state: SupervisorStateValue) => {
        if (state.research_iterations > 1) return new Command({ goto: END });
        return new Command({
          goto: Array.from({ length: units }, (_, i) => new Send("research_unit", { research_topic: `Topic ${i} of the brief`, tool_call_id: `unit-${i}` })),
        });
      },
      { ends: ["supervisor", "research_unit", END] },
    )
    .addNode("research_unit", researchUnit())
    .addEdge(START, "supervisor")
    .addEdge("supervisor", "supervisor_tools")
    .addEdge("research_unit", "supervisor")
    .compile({ name: "supervisor" });
}

/** The skeleton of a run that fans out `units` research units, each searching once. */
export function buildSkeleton(units: number, checkpointer?: BaseCheckpointSaver) {
  return new StateGraph(AgentState, { input: AgentInput })
    .addNode("clarify_with_user", () => new Command({ goto: "write_research_brief" }), { ends: ["write_research_brief"] })
    .addNode("write_research_brief", () => ({ research_brief: text(1_000, "brief") }))
    .addNode("research_supervisor", supervisorGraph(units))
    .addNode("final_report_generation", () => ({ final_report: text(8_000, "report"), outcome: { status: "done" as const, reason: "" } }))
    .addEdge(START, "clarify_with_user")
    .addEdge("write_research_brief", "research_supervisor")
    .addEdge("research_supervisor", "final_report_generation")
    .addEdge("final_report_generation", END)
    .compile({ checkpointer, name: "deep_researcher" });
}

/** Runs the skeleton as the CLI streams a run: updates and custom events from subgraphs, durability sync. */
export async function skeletonRun(units: number, threadId: string, checkpointer?: BaseCheckpointSaver): Promise<void> {
  const graph = buildSkeleton(units, checkpointer);
  const stream = await graph.stream({ messages: [new HumanMessage("How do everyday technologies and crafts work?")] } as never, {
    configurable: { thread_id: threadId },
    streamMode: ["updates", "custom"],
    subgraphs: true,
    durability: "sync",
    recursionLimit: 1_000,
  });
  for await (const _ of stream);
}
