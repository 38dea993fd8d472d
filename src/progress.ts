import { getWriter, type LangGraphRunnableConfig } from "@langchain/langgraph";

/** The top-level stages of a run, named as the graph's nodes are. */
export type Stage = "clarify_with_user" | "write_research_brief" | "research_supervisor" | "final_report_generation";

/**
 * Progress events nodes emit on LangGraph's "custom" stream: the one
 * vocabulary the CLI's display and API clients (`streamMode: "custom"`) read.
 * A research unit is named by `id` (the supervisor's ConductResearch call id)
 * and `topic` in every event about it.
 */
export type ProgressEvent =
  /** A stage began (clarify_with_user may begin again when a question is answered). */
  | { type: "stage"; stage: Stage }
  | { type: "unit_started"; id: string; topic: string }
  /** A unit ended: `done` with the sources it retrieved, or `failed` with no findings. */
  | { type: "unit_finished"; id: string; topic: string; status: "done" | "failed"; sources: number }
  /** Pages or documents one unit's searches returned in one turn. */
  | { type: "sources_found"; unit: string; topic: string; urls: string[] }
  /** A researcher's tool call failed (the unit goes on; the model sees the error). */
  | { type: "tool_failed"; unit: string; topic: string; tool: string; error: string }
  /** A step went on without what the model should have given it, and says what it used instead. */
  | { type: "step_degraded"; step: string; detail: string }
  /**
   * A model call got what it needed only by a fallback: structured output by a forced tool call
   * or JSON found in plain text, tool calls written as text, a text answer kept as notes.
   */
  | { type: "model_fallback"; call: string; fallback: string };

/**
 * Emits an event from wherever a call runs inside a graph run, nodes and tools alike, taking
 * the writer from the call's context; a no-op outside a run or when nobody streams "custom".
 */
export function emitFromContext(event: ProgressEvent): void {
  let writer: ((chunk: unknown) => void) | undefined;
  try {
    writer = getWriter();
  } catch {
    return;
  }
  writer?.(event);
}

/** Emits an event when someone is streaming "custom"; a no-op otherwise. */
export function emitProgress(config: LangGraphRunnableConfig, event: ProgressEvent): void {
  config.writer?.(event);
}
