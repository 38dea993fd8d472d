import { Client } from "@langchain/langgraph-sdk";
import { CORPUS } from "./harness.js";

export type LoadResult = { finished: number; failed: string[]; perRunMs: number[]; wallMs: number };

/** Starts `count` runs at once on the server, each on a thread of its own, and waits for all of them. */
export async function concurrentRuns(apiUrl: string, count: number, headers: Record<string, string> = {}): Promise<LoadResult> {
  const client = new Client({ apiUrl, defaultHeaders: headers, timeoutMs: 600_000 });
  const failed: string[] = [];
  const perRunMs: number[] = [];
  const started = Date.now();
  const one = async (index: number) => {
    const runStarted = Date.now();
    const thread = await client.threads.create();
    for await (const chunk of client.runs.stream(thread.thread_id, "deep_researcher", {
      input: { messages: [{ role: "user", content: `How does tidal power generate electricity? (${index})` }] },
      config: { configurable: { search_api: "local", local_corpus_path: CORPUS, allow_clarification: false } },
      streamMode: ["updates"],
    })) {
      if (chunk.event === "error") throw new Error(JSON.stringify(chunk.data));
    }
    const state = await client.threads.getState<{ final_report?: string }>(thread.thread_id);
    if (!state.values.final_report?.startsWith("# ")) throw new Error(`run ${index} ended without a report`);
    perRunMs.push(Date.now() - runStarted);
  };
  const results = await Promise.allSettled(Array.from({ length: count }, (_, index) => one(index)));
  for (const result of results) if (result.status === "rejected") failed.push(String(result.reason));
  return { finished: perRunMs.length, failed, perRunMs, wallMs: Date.now() - started };
}
