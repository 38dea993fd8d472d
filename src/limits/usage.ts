import { AsyncLocalStorage } from "node:async_hooks";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import { cacheLookupsTotal, modelCallSeconds, modelCallsTotal, modelCostTotal, modelTokensTotal, unitsTotal } from "./metrics.js";
import { estimatedCostUsd } from "./prices.js";
import { emitTokens } from "../progress.js";

/** What a run (or the process) spent on models, as --json reports it. */
export type UsageSummary = {
  model_calls: number;
  cached_calls: number;
  failed_calls: number;
  input_tokens: number;
  output_tokens: number;
  /** Null when a model in use has no known price. */
  cost_usd: number | null;
  units_started: number;
  units_finished: number;
};

type Started = { model: string; node: string; startedAt: number };

/**
 * Counts model calls, tokens and an estimated cost from LangChain's model callbacks, so it works
 * for any provider, and the research units a run starts and finishes. A run's own tally is the
 * instance in whose `tallyUsage` scope it runs: the instance every model client carries (`processUsage`,
 * which also feeds the process's metrics registry) hands each call on to it. A run-level callback
 * would do the same but be handed every step of the run too (each node, subgraph and unit), which
 * costs CPU on every step of every unit; given as a model call's callbacks, an instance counts that call.
 */
export class ModelUsage extends BaseCallbackHandler {
  name = "fanout_model_usage";
  // Counted before the run's result is read, not in the background.
  override awaitHandlers = true;
  private readonly calls = new Map<string, Started>();
  private summary: UsageSummary = {
    model_calls: 0,
    cached_calls: 0,
    failed_calls: 0,
    input_tokens: 0,
    output_tokens: 0,
    cost_usd: 0,
    units_started: 0,
    units_finished: 0,
  };
  private unpriced = false;
  private readonly unitsSeen = new Set<string>();

  constructor(private readonly publish = false) {
    super();
  }

  override handleChatModelStart(
    _llm: Serialized,
    _messages: BaseMessage[][],
    runId: string,
    _parent?: string,
    extra?: Record<string, unknown>,
    _tags?: string[],
    metadata?: Record<string, unknown>,
  ): void {
    const params = (extra?.invocation_params ?? {}) as { model?: unknown };
    const model = String(metadata?.ls_model_name ?? params.model ?? "unknown");
    this.calls.set(runId, { model, node: String(metadata?.langgraph_node ?? ""), startedAt: performance.now() });
    this.scoped()?.handleChatModelStart(_llm, _messages, runId, _parent, extra, _tags, metadata);
  }

  override handleLLMEnd(output: LLMResult, runId: string, _parent?: string, _tags?: string[], extra?: Record<string, unknown>): void {
    this.scoped()?.handleLLMEnd(output, runId, _parent, _tags, extra);
    const call = this.take(runId);
    const cached = extra?.cached === true;
    const { input, output: out } = tokensOf(output);
    this.summary.model_calls += 1;
    if (cached) this.summary.cached_calls += 1;
    this.summary.input_tokens += input;
    this.summary.output_tokens += out;
    const cost = estimatedCostUsd(call.model, input, out);
    if (cost === undefined && !cached) this.unpriced = true;
    this.summary.cost_usd = (this.summary.cost_usd ?? 0) + (cost ?? 0);
    if (!this.publish) return;
    // Only the process's instance, which every client carries, so each call is told once.
    emitTokens({ step: call.node, model: call.model, input, output: out, cached });
    modelCallsTotal.inc({ model: call.model, outcome: cached ? "cached" : "ok" });
    modelCallSeconds.observe({ model: call.model }, (performance.now() - call.startedAt) / 1000);
    modelTokensTotal.inc({ model: call.model, direction: "input" }, input);
    modelTokensTotal.inc({ model: call.model, direction: "output" }, out);
    if (cost) modelCostTotal.inc({ model: call.model }, cost);
  }

  override handleLLMError(_error: unknown, runId: string, _parent?: string, _tags?: string[], extra?: Record<string, unknown>): void {
    this.scoped()?.handleLLMError(_error, runId, _parent, _tags, extra);
    const call = this.take(runId);
    this.summary.failed_calls += 1;
    if (this.publish) modelCallsTotal.inc({ model: call.model, outcome: extra?.cached === true ? "cached" : "error" });
  }

  /**
   * A research unit started (its Send went out) or finished (its answer is written). A unit
   * that finishes unseen was resumed from an earlier process's dispatch: it counts as started
   * here too, so a resume never reports more units finished than started.
   */
  countUnit(event: "started" | "finished", unitId: string): void {
    if (!this.unitsSeen.has(unitId)) {
      this.unitsSeen.add(unitId);
      this.summary.units_started += 1;
    }
    if (event === "finished") this.summary.units_finished += 1;
  }

  /** The counts so far; cost_usd is null when some model's price is unknown. */
  totals(): UsageSummary {
    const cost = this.summary.cost_usd ?? 0;
    return { ...this.summary, cost_usd: this.unpriced ? null : Math.round(cost * 1e6) / 1e6 };
  }

  /** The run's own tally, when this is the process's instance and the call runs in a `tallyUsage` scope. */
  private scoped(): ModelUsage | undefined {
    if (!this.publish) return undefined;
    const run = runUsage.getStore();
    return run === this ? undefined : run;
  }

  private take(runId: string): Started {
    const call = this.calls.get(runId) ?? { model: "unknown", node: "", startedAt: performance.now() };
    this.calls.delete(runId);
    return call;
  }
}

/** Tokens the provider reported, from llmOutput or the messages' usage_metadata. */
function tokensOf(output: LLMResult): { input: number; output: number } {
  const usage = output.llmOutput?.tokenUsage as { promptTokens?: number; completionTokens?: number } | undefined;
  if (usage && (usage.promptTokens || usage.completionTokens)) return { input: usage.promptTokens ?? 0, output: usage.completionTokens ?? 0 };
  let input = 0;
  let out = 0;
  for (const generation of output.generations.flat()) {
    const metadata = (generation as { message?: { usage_metadata?: { input_tokens?: number; output_tokens?: number } } }).message?.usage_metadata;
    input += metadata?.input_tokens ?? 0;
    out += metadata?.output_tokens ?? 0;
  }
  return { input, output: out };
}

/** The tally of the run whose work is on this async path. */
const runUsage = new AsyncLocalStorage<ModelUsage>();

/** Runs `work` (and everything it starts) as a run tallied by `usage`. */
export function tallyUsage<T>(usage: ModelUsage, work: () => T): T {
  return runUsage.run(usage, work);
}

/** Counts a research unit starting or finishing: in the metrics, and in the tally of the run it belongs to. */
export function countUnit(event: "started" | "finished", unitId: string): void {
  unitsTotal.inc({ event });
  runUsage.getStore()?.countUnit(event, unitId);
}

/** The instance every model client carries: it feeds the process's metrics. */
export const processUsage = new ModelUsage(true);

/** Counts a cache lookup in the metrics. */
export function countCacheLookup(cache: "model" | "search", hit: boolean): void {
  cacheLookupsTotal.inc({ cache, result: hit ? "hit" : "miss" });
}
