import { AsyncLocalStorage } from "node:async_hooks";
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
  | { type: "model_fallback"; call: string; fallback: string }
  /**
   * One model call's tokens as the provider counted them (a cached reply counts what it cost
   * when it was made, as the run's usage does); `unit` and `topic` when a research unit made it.
   * Summed over a run they are the run's usage: input_tokens and output_tokens.
   */
  | TokensEvent;

export type TokensEvent = {
  type: "tokens";
  /** The graph node whose model call it was (researcher_tools for page summaries). */
  step: string;
  model: string;
  input: number;
  output: number;
  cached: boolean;
  unit?: string;
  topic?: string;
};

/** The research unit a node runs in, when it runs in one. */
export type UnitRef = { id: string; topic: string };

type TokenScope = { writer: (chunk: unknown) => void; unit?: UnitRef };

/**
 * Where a node's model calls report their tokens. LangChain runs callback handlers outside
 * LangGraph's own context (so `getWriter()` finds nothing there), but inside this one.
 */
const tokenScope = new AsyncLocalStorage<TokenScope>();

/**
 * A node whose model calls, however deep (tools, retries, structured-output fallbacks), each
 * emit a `tokens` event on the run's custom stream; `unitOf` names the unit it runs in.
 */
export function reportingTokens<S, R>(node: (state: S, config: LangGraphRunnableConfig) => R, unitOf?: (state: S) => UnitRef) {
  return (state: S, config: LangGraphRunnableConfig): R => {
    const writer = config.writer;
    if (!writer) return node(state, config);
    return tokenScope.run({ writer, unit: unitOf?.(state) }, () => node(state, config));
  };
}

/** Emits a `tokens` event for a model call that ended inside a reportingTokens node; a no-op elsewhere. */
export function emitTokens(call: Omit<TokensEvent, "type" | "unit" | "topic">): void {
  const scope = tokenScope.getStore();
  if (!scope) return;
  const unit = scope.unit ? { unit: scope.unit.id, topic: scope.unit.topic } : {};
  scope.writer({ type: "tokens", ...call, ...unit } satisfies TokensEvent);
}

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
