import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { HumanMessage } from "@langchain/core/messages";
import { Command, RunControl, isGraphDrained, type BaseCheckpointSaver } from "@langchain/langgraph";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { configurationFromEnv, configurationFromPairs, parseConfiguration, type Configuration } from "../config.js";
import { checkModelCredentials } from "../models.js";
import { createSearchBackend } from "../search/tool.js";
import { createLocalSearch } from "../search/local/index.js";
import type { Source } from "../state.js";
import { UsageError, type RunArgs } from "./args.js";
import { describeError } from "../util/errors.js";
import { RunProgress, renderProgress } from "./progress.js";
import { readRunMetadata, withRunMetadata, type RunMetadata } from "./runMetadata.js";
import type { CliIo } from "./io.js";
import { EXIT } from "./io.js";

export { configurationFromPairs };

type Graph = ReturnType<typeof buildDeepResearcher>;

/** Checks settings, keys and search before any work starts, so mistakes cost nothing. */
export async function preflight(settings: Record<string, string>): Promise<Configuration> {
  const configuration = parseConfiguration({ ...configurationFromEnv(), ...settings }, "--set");
  checkModelCredentials([
    configuration.research_model,
    configuration.summarization_model,
    configuration.compression_model,
    configuration.final_report_model,
  ]);
  createSearchBackend(configuration);
  // A missing or empty folder would otherwise only show as failed searches and a report with no sources.
  // The index built here is cached in-process, so the run's first search reuses it.
  if (configuration.search_api === "local") await createLocalSearch(configuration.local_corpus_path).documentCount();
  return configuration;
}

/** `fanout "<question>"` and `fanout --thread ID`: start, resume, or show a run. */
export async function runCommand(args: RunArgs, saver: BaseCheckpointSaver, io: CliIo): Promise<number> {
  const threadId = args.thread ?? randomUUID();
  const existing = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
  if (args.question && existing) {
    throw new UsageError(`thread ${threadId} already exists; resume it with: fanout --thread ${threadId} (without a question), or pick a new id`);
  }
  if (!args.question && !existing) throw new UsageError(`no thread ${threadId}; start one with: fanout --thread ${threadId} "<question>"`);
  const stored = readRunMetadata(existing?.metadata);
  const settings = { ...(stored?.settings ?? {}), ...configurationFromPairs(args.settings) };
  const run: RunMetadata = stored ?? { question: args.question ?? "", settings, started_at: new Date().toISOString() };
  run.settings = settings;
  const graph = buildDeepResearcher({ checkpointer: withRunMetadata(saver, run) });
  const threadConfig = { configurable: { thread_id: threadId } };
  if (existing) {
    const state = await graph.getState(threadConfig);
    // A finished run only prints its stored report: no settings or corpus need to work for that.
    if (state.next.length === 0 && state.values.final_report) return printResult(graph, threadId, io, args, new RunProgress());
    // A new run's settings were checked by main before the store opened; a resume's are checked here.
    await preflight(settings);
    io.stderr.write(`resuming thread ${threadId}: ${await describeSkipped(graph, threadId)}\n`);
  } else {
    io.stderr.write(`thread: ${threadId}\n`);
  }
  const input = args.question ? { messages: [new HumanMessage(args.question)] } : null;
  return execute(graph, threadId, input, settings, args, io);
}

async function execute(
  graph: Graph,
  threadId: string,
  firstInput: unknown,
  settings: Record<string, string>,
  args: RunArgs,
  io: CliIo,
): Promise<number> {
  const progress = new RunProgress();
  const view = args.quiet ? undefined : renderProgress(progress, io.stderr);
  const stopRendering = () => view?.stop();
  const control = new RunControl();
  const abort = new AbortController();
  const stopSignals = io.onInterrupt(() => {
    if (!control.drainRequested) {
      control.requestDrain("interrupted");
      io.stderr.write("\nstopping after the steps in flight (again to stop now)…\n");
    } else abort.abort(new Error("interrupted"));
  });
  let input = firstInput;
  let answer = args.answer;
  /** The user's answer to a clarifying question: --answer once, else a prompt on a terminal. */
  const answerFor = async (question: string): Promise<string | undefined> => {
    view?.hold(true);
    const reply = answer ?? (io.stdin.isTTY ? await ask(question, io) : undefined);
    view?.hold(false);
    answer = undefined;
    return reply?.trim() || undefined;
  };
  try {
    for (;;) {
      // A paused thread is answered directly: resuming with null would only ask again.
      const question = await pendingQuestion(graph, threadId);
      if (question !== undefined) {
        const reply = await answerFor(question);
        if (!reply) {
          stopRendering();
          io.stderr.write(`clarifying question: ${question}\nanswer with: fanout --thread ${threadId} --answer "…"\n`);
          return EXIT.waiting;
        }
        input = new Command({ resume: reply });
      } else if (input === undefined) {
        break;
      }
      const stream = await graph.stream(input as never, {
        configurable: { thread_id: threadId, ...settings },
        streamMode: ["updates", "custom"],
        subgraphs: true,
        durability: "sync",
        recursionLimit: 1_000,
        control,
        signal: abort.signal,
      });
      for await (const [namespace, mode, data] of stream as AsyncIterable<[string[], string, unknown]>) {
        progress.observe(namespace, mode, data);
      }
      if (control.drainRequested) return interrupted(threadId, io);
      input = undefined;
    }
  } catch (error) {
    if (isGraphDrained(error) || abort.signal.aborted || control.drainRequested) return interrupted(threadId, io, stopRendering);
    throw new RunFailed(threadId, error);
  } finally {
    stopRendering();
    stopSignals();
  }
  return printResult(graph, threadId, io, args, progress);
}

/** A run that stopped on an error; every step finished before it is saved. */
export class RunFailed extends Error {
  constructor(
    readonly threadId: string,
    readonly cause: unknown,
  ) {
    super(describeError(cause));
    this.name = "RunFailed";
  }
}

function interrupted(threadId: string, io: CliIo, stopRendering?: () => void): number {
  stopRendering?.();
  io.stderr.write(`resume with: fanout --thread ${threadId}\n`);
  return EXIT.interrupted;
}

/** The clarifying question a paused thread is waiting on, if any. */
export async function pendingQuestion(graph: Graph, threadId: string): Promise<string | undefined> {
  return questionIn(await graph.getState({ configurable: { thread_id: threadId } }));
}

/** The clarifying question a state snapshot is paused on, if any. */
export function questionIn(state: Snapshot): string | undefined {
  for (const task of state.tasks) {
    for (const pending of task.interrupts ?? []) {
      const value = pending.value as { question?: unknown } | undefined;
      if (typeof value?.question === "string") return value.question;
    }
  }
  return undefined;
}

async function ask(question: string, io: CliIo): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  try {
    return (await rl.question(`\n${question}\n> `)).trim();
  } finally {
    rl.close();
  }
}

/** What a resume will not redo: finished research units and completed stages. */
export async function describeSkipped(graph: Graph, threadId: string): Promise<string> {
  const state = await graph.getState({ configurable: { thread_id: threadId } }, { subgraphs: true });
  const next = state.next.join(", ") || "the end";
  const units = countFinishedUnits(state);
  return `${units} research unit${units === 1 ? "" : "s"} already finished; continuing at ${next}`;
}

type Snapshot = Awaited<ReturnType<Graph["getState"]>>;

/** Research units whose answers reached the supervisor, in the top state or a paused supervisor's. */
export function countFinishedUnits(state: Snapshot): number {
  const notes = (state.values as { notes?: string[] }).notes?.length ?? 0;
  let nested = 0;
  for (const task of state.tasks) {
    const sub = task.state as Snapshot | undefined;
    const messages = (sub?.values as { supervisor_messages?: { name?: string; status?: string; getType?: () => string }[] } | undefined)?.supervisor_messages ?? [];
    nested += messages.filter((m) => m.getType?.() === "tool" && m.name === "ConductResearch" && m.status !== "error").length;
  }
  return Math.max(notes, nested);
}

async function printResult(graph: Graph, threadId: string, io: CliIo, args: RunArgs, progress: RunProgress): Promise<number> {
  const { values } = await graph.getState({ configurable: { thread_id: threadId } });
  const report = String(values.final_report ?? "");
  const sources = (values.sources ?? []) as Source[];
  if (args.out) await writeFile(args.out, report, "utf8");
  if (args.json) {
    const result = {
      thread_id: threadId,
      status: "done",
      report,
      sources,
      counts: { units: progress.unitsFinished || (values.notes as string[]).length, sources: sources.length, tool_errors: progress.toolErrors },
      timings: { total_ms: progress.elapsedMs(), stages_ms: progress.stageTimings },
    };
    io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (!args.out) {
    io.stdout.write(report.endsWith("\n") ? report : `${report}\n`);
  } else {
    io.stderr.write(`report written to ${args.out}\n`);
  }
  return EXIT.ok;
}
