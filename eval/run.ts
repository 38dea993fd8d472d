import { HumanMessage } from "@langchain/core/messages";
import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { buildDeepResearcher } from "../graphs/deep_researcher.js";
import { withRunMetadata } from "../src/cli/runMetadata.js";
import type { CitationCheck, RunOutcome, Source } from "../src/state.js";
import { describeError } from "../src/util/errors.js";
import type { RunOutput } from "./evaluators.js";

/**
 * Runs one question through the graph, saved in `saver` under `threadId` with
 * the same run metadata the CLI keeps, so `fanout show` and `fanout export`
 * see evaluation runs like any other. A run that throws is a `failed` output,
 * not an exception: one bad question does not stop an evaluation.
 */
export async function runQuestion(
  saver: BaseCheckpointSaver,
  question: string,
  threadId: string,
  settings: Record<string, string>,
  callbacks?: Callbacks,
): Promise<RunOutput & { thread_id: string; duration_ms: number }> {
  const graph = buildDeepResearcher({ checkpointer: withRunMetadata(saver, { question, settings, started_at: new Date().toISOString() }) });
  const config = { configurable: { thread_id: threadId, ...settings } };
  const started = performance.now();
  let failure: string | undefined;
  try {
    await graph.invoke(
      { messages: [new HumanMessage(question)] },
      { ...config, recursionLimit: 1_000, durability: "sync", callbacks, metadata: { thread_id: threadId } },
    );
  } catch (error) {
    failure = describeError(error);
  }
  const { values } = await graph.getState(config);
  const outcome = values.outcome as RunOutcome | undefined;
  const report = String(values.final_report ?? "");
  const status = failure !== undefined || !report ? "failed" : (outcome?.status ?? "done");
  return {
    thread_id: threadId,
    status,
    reason: failure ?? (report ? (outcome?.reason ?? "") : "no report was written"),
    report,
    sources: (values.sources ?? []) as Source[],
    citation_check: values.citation_check as CitationCheck | undefined,
    research_brief: String(values.research_brief ?? ""),
    raw_notes: (values.raw_notes ?? []) as string[],
    duration_ms: Math.round(performance.now() - started),
  };
}
