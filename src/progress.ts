import { getWriter, type LangGraphRunnableConfig } from "@langchain/langgraph";

/** Progress events nodes emit on the "custom" stream, for the CLI and Studio. */
export type ProgressEvent =
  | { type: "unit_started"; id: string; topic: string }
  | { type: "sources_found"; urls: string[] }
  | { type: "tool_failed"; tool: string; error: string }
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
