import { writeFile } from "node:fs/promises";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { listThreads } from "../checkpoint/index.js";
import { UsageError } from "./args.js";
import type { CliIo } from "./io.js";
import { EXIT } from "./io.js";
import { readRunMetadata } from "./runMetadata.js";
import { readThreadState, threadStatus } from "./threadState.js";

/** One line of DeepResearch Bench's article file. */
type BenchArticle = { id: number | string; prompt: string; article: string };

/**
 * `fanout export --format drb`: finished threads (done or partial) as
 * DeepResearch Bench's `{id, prompt, article}` JSONL, oldest first, for the
 * bench's own RACE and FACT scripts. The id is the thread id, as a number
 * when it is all digits, so `fanout --thread 12 "<task 12's prompt>"` lines
 * up with the bench's task 12.
 */
export async function exportCommand(saver: BaseCheckpointSaver, io: CliIo, threadId: string | undefined, out: string | undefined): Promise<number> {
  const graph = buildDeepResearcher({ checkpointer: saver });
  const threads = await listThreads(saver, { threadId });
  if (threadId !== undefined && threads.length === 0) throw new UsageError(`no thread ${threadId}`);
  const articles: BenchArticle[] = [];
  for (const thread of [...threads].reverse()) {
    const state = await readThreadState(graph, thread.thread_id);
    const { status } = threadStatus(state);
    if (status !== "done" && status !== "partial") {
      if (threadId !== undefined) throw new UsageError(`thread ${threadId} has no finished report (status: ${status})`);
      continue;
    }
    const prompt = readRunMetadata(thread.metadata)?.question ?? "";
    articles.push({ id: /^\d+$/.test(thread.thread_id) ? Number(thread.thread_id) : thread.thread_id, prompt, article: String(state.values.final_report) });
  }
  const jsonl = articles.map((article) => `${JSON.stringify(article)}\n`).join("");
  if (out === undefined) io.stdout.write(jsonl);
  else await writeFile(out, jsonl);
  io.stderr.write(`exported ${articles.length} finished run${articles.length === 1 ? "" : "s"}${out ? ` to ${out}` : ""}\n`);
  return EXIT.ok;
}
