import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { compactStore, deleteIdleThread, heldThreadLeases, listThreads, type Compaction, type ThreadSummary } from "../checkpoint/index.js";
import { parseDuration, UsageError, type CliArgs } from "./args.js";
import { writeReportFile } from "./reportFile.js";
import { formatReport } from "./reportFormat.js";
import type { CliIo } from "./io.js";
import { EXIT } from "./io.js";
import { readRunMetadata } from "./runMetadata.js";
import { THREAD_COLUMNS } from "./threadColumns.js";
import { countFinishedUnits, readThreadState, threadStatus, type ThreadStatus } from "./threadState.js";
import { describeError } from "../util/errors.js";
import { countOf } from "../util/plural.js";

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
type ShowArgs = Extract<CliArgs, { command: "show" }>;

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
  await markRunning(saver, views);
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

/**
 * `fanout show ID`: status, pending step, and the report when there is one.
 * With --format html or pdf, or --out, only the report is written, in that format.
 */
export async function showCommand(saver: BaseCheckpointSaver, io: CliIo, args: ShowArgs): Promise<number> {
  const { thread: threadId, json } = args;
  const [found] = await listThreads(saver, { threadId });
  if (!found) throw new UsageError(`no thread ${threadId}`);
  const { view, values } = await viewThread(buildDeepResearcher({ checkpointer: saver }), found);
  await markRunning(saver, [view]);
  const report = String(values.final_report ?? "");
  if ((args.format !== "md" && args.format !== "json") || args.out !== undefined) return writeReportOnly(report, view, io, args);
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...view, report, citations: values.citation_check }, null, 2)}\n`);
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

/** `show --format html|pdf` or `--out`: the report alone; a thread with none yet is an error, not an empty page. */
async function writeReportOnly(report: string, view: ThreadView, io: CliIo, args: ShowArgs): Promise<number> {
  if (!report) throw new UsageError(`thread ${view.thread_id} has no report yet (status: ${view.status})`);
  const formatted = await formatReport(report, args.format === "json" ? "md" : args.format, { threadId: view.thread_id, question: view.question });
  if (args.json) io.stdout.write(`${JSON.stringify({ ...view, report }, null, 2)}\n`);
  if (args.out === undefined) {
    io.stdout.write(String(formatted));
    return EXIT.ok;
  }
  const problem = await writeReportFile(args.out, formatted, view.thread_id, io);
  if (problem) return EXIT.failed;
  io.stderr.write(`report written to ${args.out}\n`);
  return EXIT.ok;
}

/** `fanout prune --older-than 7d` or `--thread ID`; a running thread is skipped, never deleted. */
export async function pruneCommand(saver: BaseCheckpointSaver, io: CliIo, olderThan?: string, threadId?: string): Promise<number> {
  if (threadId) {
    const outcome = await deleteIdleThread(saver, threadId);
    if (outcome === "missing") throw new UsageError(`no thread ${threadId}`);
    if (outcome === "running") throw new UsageError(`skipped thread ${threadId}: it is running in another process`);
    io.stderr.write(`deleted thread ${threadId}\n`);
    compact(saver, io);
    return EXIT.ok;
  }
  const cutoff = Date.now() - parseDuration(olderThan ?? "");
  const stale = (await listThreads(saver)).filter((t) => Date.parse(t.updated_at) < cutoff);
  const running: string[] = [];
  let deleted = 0;
  for (const thread of stale) {
    const outcome = await deleteIdleThread(saver, thread.thread_id);
    if (outcome === "running") running.push(thread.thread_id);
    if (outcome === "deleted") deleted += 1;
  }
  io.stderr.write(`deleted ${countOf(deleted, "thread")} not updated since ${new Date(cutoff).toISOString()}\n`);
  if (running.length > 0) io.stderr.write(`skipped ${countOf(running.length, "running thread")}: ${running.join(", ")}\n`);
  if (deleted > 0) compact(saver, io);
  return EXIT.ok;
}

/** Shrinks the embedded store after deleting; a failure costs only the space, which later runs reuse. */
function compact(saver: BaseCheckpointSaver, io: CliIo): void {
  let compaction: Compaction | undefined;
  try {
    compaction = compactStore(saver);
  } catch (error) {
    io.stderr.write(`could not compact the store (${describeError(error)}); later runs reuse its free space\n`);
    return;
  }
  if (compaction) io.stderr.write(`compacted ${compaction.file}: ${fileSize(compaction.beforeBytes)} → ${fileSize(compaction.afterBytes)}\n`);
}

function fileSize(bytes: number): string {
  return bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

/** A thread whose lease is held is being run right now, whatever its checkpoints say. */
async function markRunning(saver: BaseCheckpointSaver, views: ThreadView[]): Promise<void> {
  const running = await heldThreadLeases(
    saver,
    views.map((view) => view.thread_id),
  );
  for (const view of views) if (running.has(view.thread_id)) view.status = "running";
}

function oneLine(text: string, max = 70): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
