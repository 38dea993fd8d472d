import { setMaxListeners } from "node:events";
import { ToolMessage, type ToolCall } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";

/**
 * Runs one tool call under a timeout. A tool that is unknown, throws, or
 * overruns becomes an error tool message: one bad tool never ends a run.
 * A run that is itself being cancelled still throws, so it stops promptly.
 * The timeout is an abort signal: tools made with LangChain's `tool()` stop
 * waiting as soon as it fires, and a search passes it on to its model calls.
 */
export async function runToolCall(call: ToolCall, tools: Map<string, StructuredToolInterface>, timeoutMs: number, config: LangGraphRunnableConfig): Promise<ToolMessage> {
  const tool = tools.get(call.name);
  if (!tool) return errorMessage(call, `unknown tool "${call.name}"; available: ${[...tools.keys()].join(", ")}`);
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = config.signal ? AbortSignal.any([config.signal, deadline]) : deadline;
  // A search summarises many pages at once, each listening on this signal.
  setMaxListeners(100, signal);
  try {
    // A tool's config keeps `configurable` but not the stream writer, which LangGraph's getWriter() also looks for there.
    const configurable = config.writer ? { ...config.configurable, writer: config.writer } : config.configurable;
    const result: unknown = await tool.invoke({ ...call, type: "tool_call" }, { ...config, configurable, signal });
    return ToolMessage.isInstance(result) ? result : new ToolMessage({ content: String(result), tool_call_id: call.id ?? "", name: call.name });
  } catch (error) {
    if (config.signal?.aborted) throw error;
    if (deadline.aborted) return errorMessage(call, `timed out after ${timeoutMs / 1000} s`);
    return errorMessage(call, error instanceof Error ? error.message : String(error));
  }
}

/** The failure as the model reads it; the bare reason rides along as the artifact, for progress. */
function errorMessage(call: ToolCall, reason: string): ToolMessage {
  return new ToolMessage({
    content: `Error: tool ${call.name} failed: ${reason}. Try another approach.`,
    tool_call_id: call.id ?? "",
    name: call.name,
    status: "error",
    artifact: { error: reason },
  });
}

/** Why a tool call failed, from a message runToolCall made; undefined when it did not fail. */
export function toolFailure(message: ToolMessage): string | undefined {
  if (message.status !== "error") return undefined;
  const reason = (message.artifact as { error?: unknown } | undefined)?.error;
  return typeof reason === "string" ? reason : String(message.content);
}
