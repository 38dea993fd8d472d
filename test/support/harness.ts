import { HumanMessage } from "@langchain/core/messages";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { MemorySaver, type BaseCheckpointSaver } from "@langchain/langgraph";
import { fileURLToPath } from "node:url";
import { startStandIn, type StandIn, type StandInConfig, type StandInOptions } from "../standin/server.js";
import { suiteStandIn } from "../standin/helpers.js";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";

export const CORPUS = fileURLToPath(new URL("../fixtures/corpus/", import.meta.url));

/** Points Tavily searches at the stand-in's Tavily with a test key; returns what puts the environment back. */
export function useStandInTavily(standin: StandIn): () => void {
  const saved = { TAVILY_API_KEY: process.env.TAVILY_API_KEY, TAVILY_API_BASE_URL: process.env.TAVILY_API_BASE_URL };
  process.env.TAVILY_API_KEY = "tvly-test";
  process.env.TAVILY_API_BASE_URL = standin.tavilyUrl;
  return () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** Starts a stand-in and points every OpenAI model at it, through the real client. */
export async function useStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const standin = await startStandIn(options);
  process.env.OPENAI_BASE_URL = standin.url;
  process.env.OPENAI_API_KEY = "test-key-not-secret";
  // Tests count the calls the stand-in sees, so the caches are on only where a test asks for them.
  process.env.FANOUT_CACHE ??= "false";
  process.env.FANOUT_SEARCH_CACHE_TTL_SECONDS ??= "0";
  return standin;
}

export type RunRecord = {
  /** "node" for top-level updates, "ns/node" inside subgraphs (task ids stripped). */
  updates: string[];
  custom: unknown[];
  values: Record<string, unknown>;
};

/** Runs the compiled graph on one question, collecting what it streamed. */
export async function runGraph(
  question: string,
  settings: Record<string, unknown>,
  options: { tools?: StructuredToolInterface[]; checkpointer?: BaseCheckpointSaver; threadId?: string; callbacks?: BaseCallbackHandler[] } = {},
): Promise<RunRecord> {
  const graph = buildDeepResearcher({ checkpointer: options.checkpointer ?? new MemorySaver(), tools: options.tools });
  const config = {
    configurable: {
      thread_id: options.threadId ?? `t-${Math.random().toString(36).slice(2)}`,
      search_api: "local",
      local_corpus_path: CORPUS,
      allow_clarification: false,
      ...settings,
    },
  };
  const record: RunRecord = { updates: [], custom: [], values: {} };
  const stream = await graph.stream(
    { messages: [new HumanMessage(question)] },
    {
      ...config,
      streamMode: ["updates", "custom"],
      subgraphs: true,
      recursionLimit: 500,
      callbacks: options.callbacks,
    },
  );
  for await (const [namespace, mode, data] of stream as AsyncIterable<[string[], string, unknown]>) {
    if (mode === "custom") record.custom.push(data);
    else for (const node of Object.keys(data as object)) record.updates.push([...namespace.map((n) => n.split(":")[0]), node].join("/"));
  }
  record.values = (await graph.getState(config)).values as Record<string, unknown>;
  return record;
}

/** URLs listed in a report's Sources section. */
export function listedSources(report: string): string[] {
  const section = report.split(/^## Sources\s*$/m)[1] ?? "";
  return [...section.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1]);
}

/** One stand-in for the enclosing suite, with every OpenAI model pointed at it; see suiteStandIn. */
export function sharedStandIn(defaults: StandInConfig = {}): () => StandIn {
  return suiteStandIn({ latencyMs: 0, behaviour: undefined, ...defaults }, () => useStandIn());
}

/** The distinct topics of the requests of one role the stand-in has seen (the research units that asked, for "researcher"). */
export function topicsAsked(standin: StandIn, role: string): Set<string> {
  return new Set(
    standin
      .requests()
      .filter((request) => request.role === role)
      .map((request) => request.topic),
  );
}
