import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { deleteThread, listThreads, type ThreadSummary } from "../checkpoint/index.js";
import { parseDuration, UsageError } from "./args.js";
import type { CliIo } from "./io.js";
import { EXIT } from "./io.js";
import { readRunMetadata } from "./runMetadata.js";
import { THREAD_COLUMNS } from "./threadColumns.js";
import { countFinishedUnits, readThreadState, threadStatus, type ThreadStatus } from "./threadState.js";

type ThreadView = {
  thread_id: string;
  question: string;
  status: ThreadStatus;
  /** Why, for any status but done: the partial outcome's reason, the error, the question. */
  reason: string;
  started: string;
  updated: string;
  units_done: number;
  pending: string[];
};

type Graph = ReturnType<typeof buildDeepResearcher>;

/** One thread's view, and its state values, from a single read of its state. */
async function viewThread(graph: Graph, thread: ThreadSummary): Promise<{ view: ThreadView; values: Record<string, unknown> }> {
  const state = await readThreadState(graph, thread.thread_id);
  const run = readRunMetadata(thread.metadata);
  const view = {
    thread_id: thread.thread_id,
    question: run?.question ?? firstQuestion(state.values),
    ...threadStatus(state),
    started: run?.started_at || thread.created_at,
    updated: thread.updated_at,
    units_done: countFinishedUnits(state),
    // The steps not yet checkpointed as done, including any whose results were saved before a kill.
    pending: state.tasks.map((task) => task.name),
  };
  return { view, values: state.values };
}

function firstQuestion(values: Record<string, unknown>): string {
  const messages = (values.messages ?? []) as { content?: unknown }[];
  return typeof messages[0]?.content === "string" ? messages[0].content : "";
}

/** `fanout threads`: one line per run, newest first. */
export async function threadsCommand(saver: BaseCheckpointSaver, io: CliIo, json: boolean): Promise<number> {
  const graph = buildDeepResearcher({ checkpointer: saver });
  const threads = await listThreads(saver);
  const views = (await Promise.all(threads.map((thread) => viewThread(graph, thread)))).map(({ view }) => view);
  if (json) {
    io.stdout.write(`${JSON.stringify(views, null, 2)}\n`);
    return EXIT.ok;
  }
  if (views.length === 0) {
    io.stderr.write("no runs yet\n");
    return EXIT.ok;
  }
  io.stdout.write(`${THREAD_COLUMNS.map((column) => column.header).join("\t")}\n`);
  for (const view of views) {
    io.stdout.write(`${THREAD_COLUMNS.map(({ field }) => (field === "question" ? oneLine(view.question) : String(view[field]))).join("\t")}\n`);
  }
  return EXIT.ok;
}

/** `fanout show ID`: status, pending step, and the report when there is one. */
export async function showCommand(saver: BaseCheckpointSaver, io: CliIo, threadId: string, json: boolean): Promise<number> {
  const threads = await listThreads(saver);
  const found = threads.find((t) => t.thread_id === threadId);
  if (!found) throw new UsageError(`no thread ${threadId}`);
  const { view, values } = await viewThread(buildDeepResearcher({ checkpointer: saver }), found);
  const report = String(values.final_report ?? "");
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...view, report }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(
    [
      `thread:   ${view.thread_id}`,
      `question: ${oneLine(view.question)}`,
      `status:   ${view.status}${view.status === "done" ? "" : `: ${view.reason}`}`,
      `pending:  ${view.pending.join(", ") || "nothing"}`,
      `units:    ${view.units_done} done`,
      `started:  ${view.started}`,
      `updated:  ${view.updated}`,
      "",
      report || "(no report yet)",
      "",
    ].join("\n"),
  );
  return EXIT.ok;
}

/** `fanout prune --older-than 7d` or `--thread ID`. */
export async function pruneCommand(saver: BaseCheckpointSaver, io: CliIo, olderThan?: string, threadId?: string): Promise<number> {
  if (threadId) {
    const existed = await deleteThread(saver, threadId);
    if (!existed) throw new UsageError(`no thread ${threadId}`);
    io.stderr.write(`deleted thread ${threadId}\n`);
    return EXIT.ok;
  }
  const cutoff = Date.now() - parseDuration(olderThan ?? "");
  const stale = (await listThreads(saver)).filter((t) => Date.parse(t.updated_at) < cutoff);
  for (const thread of stale) await deleteThread(saver, thread.thread_id);
  io.stderr.write(`deleted ${stale.length} thread${stale.length === 1 ? "" : "s"} not updated since ${new Date(cutoff).toISOString()}\n`);
  return EXIT.ok;
}

function oneLine(text: string, max = 70): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
