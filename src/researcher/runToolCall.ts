import { setMaxListeners } from "node:events";
import { ToolMessage, type ToolCall } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";

/**
 * Runs one tool call under a timeout. A tool that is unknown, throws, or
 * overruns becomes an error tool message: one bad tool never ends a run.
 * A run that is itself being cancelled still throws, so it stops promptly.
 */
export async function runToolCall(
  call: ToolCall,
  tools: Map<string, StructuredToolInterface>,
  timeoutMs: number,
  config: LangGraphRunnableConfig,
): Promise<ToolMessage> {
  const tool = tools.get(call.name);
  if (!tool) return errorMessage(call, `unknown tool "${call.name}"; available: ${[...tools.keys()].join(", ")}`);
  const controller = new AbortController();
  // A search summarises many pages at once, each listening on this signal.
  setMaxListeners(100, controller.signal);
  const onRunAbort = () => controller.abort(config.signal?.reason);
  config.signal?.addEventListener("abort", onRunAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`timed out after ${timeoutMs / 1000} s`);
      controller.abort(error);
      reject(error);
    }, timeoutMs);
  });
  try {
    const result: unknown = await Promise.race([
      tool.invoke({ ...call, type: "tool_call" }, { ...config, signal: controller.signal }),
      timedOut,
    ]);
    return ToolMessage.isInstance(result) ? result : new ToolMessage({ content: String(result), tool_call_id: call.id ?? "", name: call.name });
  } catch (error) {
    if (config.signal?.aborted) throw error;
    return errorMessage(call, error instanceof Error ? error.message : String(error));
  } finally {
    clearTimeout(timer);
    config.signal?.removeEventListener("abort", onRunAbort);
  }
}

function errorMessage(call: ToolCall, reason: string): ToolMessage {
  return new ToolMessage({
    content: `Error: tool ${call.name} failed: ${reason}. Try another approach.`,
    tool_call_id: call.id ?? "",
    name: call.name,
    status: "error",
  });
}
