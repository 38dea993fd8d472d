import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline/promises";
import { HumanMessage } from "@langchain/core/messages";
import { Command, RunControl, isGraphDrained, type BaseCheckpointSaver } from "@langchain/langgraph";
import { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import { acquireThreadLease, runUnderLease } from "../checkpoint/index.js";
import { configurationFromEnv, configurationFromPairs, parseConfiguration, type Configuration } from "../config.js";
import { configureLimits } from "../limits/settings.js";
import { checkRunReady } from "../readiness.js";
import type { RunOutcome, Source } from "../state.js";
import { UsageError, type RunArgs } from "./args.js";
import { describeError } from "../util/errors.js";
import { countOf } from "../util/plural.js";
import { signalEchoFilter } from "../util/signals.js";
import { describeIndexedCorpus, describeLocalCorpus } from "./localCorpus.js";
import { RunProgress, renderProgress } from "./progress.js";
import { writeReportFile } from "./reportFile.js";
import { formatReport } from "./reportFormat.js";
import { resumeCommand, writeResult } from "./result.js";
import { countFinishedUnits, questionIn, readThreadState, type Snapshot } from "./threadState.js";
import { readRunMetadata, settingsToKeep, withRunMetadata, type RunMetadata } from "./runMetadata.js";
import { startTracing } from "./tracing.js";
import { ModelUsage, tallyUsage } from "../limits/usage.js";
import { responseCache } from "../limits/cache.js";
import { responseStoreFor } from "../limits/responseStore.js";
import type { Callbacks } from "@langchain/core/callbacks/manager";
import type { CliIo } from "./io.js";
import { EXIT } from "./io.js";

export { configurationFromPairs };

type Graph = ReturnType<typeof buildDeepResearcher>;

/** One thread being run by this invocation: what the run's steps and its result all need. */
type ThreadRun = { graph: Graph; threadId: string; args: RunArgs; io: CliIo };

/** How long the first Ctrl-C waits for the steps in flight to finish and save before cutting them off. */
const DRAIN_GRACE_MS = 5_000;

/** Checks settings, keys and search before any work starts, so mistakes cost nothing. */
export async function preflight(settings: Record<string, string>): Promise<Configuration> {
  const configuration = parseConfiguration({ ...configurationFromEnv(), ...settings }, "--set");
  configureLimits(configuration);
  await checkRunReady(configuration);
  return configuration;
}

/** `fanout "<question>"` and `fanout --thread ID`: start, resume, or show a run. */
export async function runCommand(args: RunArgs, saver: BaseCheckpointSaver, io: CliIo): Promise<number> {
  const threadId = args.thread ?? randomUUID();
  // Held until we stop, also while creating the thread: no other process runs it meanwhile.
  const lease = await acquireThreadLease(saver, threadId);
  responseCache.useStore(responseStoreFor(saver));
  try {
    return await runUnderLease(lease, () => runLeased(args, threadId, saver, io, lease.lost));
  } finally {
    await lease.release();
  }
}

/** The thread's latest checkpoint; refuses a question for an existing thread, or a resume of a missing one. */
async function readThread(args: RunArgs, threadId: string, saver: BaseCheckpointSaver) {
  const existing = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } });
  if (args.question && existing) {
    throw new UsageError(`thread ${threadId} already exists; resume it with: fanout --thread ${threadId} (without a question), or pick a new id`);
  }
  if (!args.question && !existing) throw new UsageError(`no thread ${threadId}; start one with: fanout --thread ${threadId} "<question>"`);
  return existing;
}

async function runLeased(args: RunArgs, threadId: string, saver: BaseCheckpointSaver, io: CliIo, leaseLost: AbortSignal): Promise<number> {
  const existing = await readThread(args, threadId, saver);
  const stored = readRunMetadata(existing?.metadata);
  const settings = settingsToKeep({ ...(stored?.settings ?? {}), ...configurationFromPairs(args.settings) });
  const run: RunMetadata = stored ?? { question: args.question ?? "", settings, started_at: new Date().toISOString() };
  run.settings = settings;
  const graph = buildDeepResearcher({ checkpointer: withRunMetadata(saver, run) });
  const threadConfig = { configurable: { thread_id: threadId } };
  const thread: ThreadRun = { graph, threadId, args, io };
  if (existing) {
    const state = await graph.getState(threadConfig);
    // A finished run only prints its stored report: no settings or corpus need to work for that.
    // (Tasks left over mean its last step's results were saved but not yet checkpointed: resume.)
    if (state.tasks.length === 0 && state.values.final_report) return printResult(thread, state, new RunProgress());
    // A new run's settings were checked by main before the store opened; a resume's are checked here.
    await preflight(settings);
    io.stderr.write(`resuming thread ${threadId}: ${await describeSkipped(graph, threadId)}\n`);
  } else {
    io.stderr.write(`thread: ${threadId}\n`);
  }
  const input = args.question ? { messages: [new HumanMessage(args.question)] } : null;
  const tracing = startTracing();
  const usage = new ModelUsage();
  try {
    // Tallied in a scope, not as a run-level callback: that would be handed every step of every unit.
    return await tallyUsage(usage, () => execute(thread, input, { settings, callbacks: tracing?.callbacks, usage, leaseLost }));
  } finally {
    await tracing?.finish(io.stderr);
  }
}

async function execute(
  thread: ThreadRun,
  firstInput: unknown,
  run: { settings: Record<string, string>; callbacks?: Callbacks; usage: ModelUsage; leaseLost: AbortSignal },
): Promise<number> {
  const { graph, threadId, args, io } = thread;
  const corpus = await describeLocalCorpus(run.settings);
  const progress = new RunProgress();
  const view = args.quiet ? undefined : renderProgress(progress, io.stderr);
  if (corpus) progress.note(corpus);
  const stopRendering = () => view?.stop();
  const control = new RunControl();
  const abort = new AbortController();
  let drainDeadline: NodeJS.Timeout | undefined;
  const isEcho = signalEchoFilter();
  const stopSignals = io.onInterrupt(() => {
    if (isEcho()) return;
    if (!control.drainRequested) {
      control.requestDrain("interrupted");
      // A step stuck in a hung call would hold the drain forever: after the grace period, cut it off.
      drainDeadline = setTimeout(() => abort.abort(new Error("interrupted")), DRAIN_GRACE_MS);
      io.stderr.write(`\nstopping after the steps in flight, at most ${DRAIN_GRACE_MS / 1000} s (again to stop now)…\n`);
    } else abort.abort(new Error("interrupted"));
  });
  let input = firstInput;
  let answer = args.answer;
  /** The thread's state after the last stream: read once, for the question check and the result. */
  let state: Snapshot;
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
      state = await graph.getState({ configurable: { thread_id: threadId } });
      const question = questionIn(state);
      if (question !== undefined) {
        const reply = await answerFor(question);
        if (!reply) {
          stopRendering();
          io.stderr.write(`clarifying question: ${question}\nanswer with: fanout --thread ${threadId} --answer "…"\n`);
          if (args.json)
            writeResult(io, {
              thread_id: threadId,
              status: "waiting for answer",
              reason: `clarifying question: ${question}`,
              question,
              resume: `${resumeCommand(threadId)} --answer "…"`,
            });
          return EXIT.waiting;
        }
        input = new Command({ resume: reply });
      } else if (input === undefined) {
        break;
      }
      const stream = await graph.stream(input as never, {
        configurable: { thread_id: threadId, ...run.settings },
        streamMode: ["updates", "custom"],
        subgraphs: true,
        durability: "sync",
        recursionLimit: 1_000,
        control,
        signal: AbortSignal.any([abort.signal, run.leaseLost]),
        callbacks: run.callbacks,
      });
      for await (const [namespace, mode, data] of stream as AsyncIterable<[string[], string, unknown]>) {
        progress.observe(namespace, mode, data);
      }
      // The drain may have let the last step finish: then the run is done, not interrupted.
      if (control.drainRequested && (await graph.getState({ configurable: { thread_id: threadId } })).next.length > 0) {
        return interrupted(thread, stopRendering);
      }
      input = undefined;
    }
    // The start line only counted files; now that searches read them, say which were left out.
    const indexed = describeIndexedCorpus(run.settings);
    if (indexed) progress.note(indexed);
  } catch (error) {
    if (isGraphDrained(error) || abort.signal.aborted || control.drainRequested) return interrupted(thread, stopRendering);
    // Sibling units' calls may still be in flight or waiting to retry; their results can no longer be
    // saved, so they stop now instead of calling on (and logging) after the failure is reported.
    abort.abort(error);
    const failed = new RunFailed(threadId, run.leaseLost.aborted ? run.leaseLost.reason : error);
    if (args.json) writeResult(io, { thread_id: threadId, status: "failed", reason: failed.message, resume: resumeCommand(threadId), usage: run.usage.totals() });
    throw failed;
  } finally {
    clearTimeout(drainDeadline);
    stopRendering();
    stopSignals();
  }
  return printResult(thread, state, progress, run.usage);
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

function interrupted({ threadId, io, args }: ThreadRun, stopRendering: () => void): number {
  stopRendering();
  io.stderr.write(`resume with: fanout --thread ${threadId}\n`);
  if (args.json) writeResult(io, { thread_id: threadId, status: "interrupted", reason: "stopped by a signal (Ctrl-C or SIGTERM)", resume: resumeCommand(threadId) });
  return EXIT.interrupted;
}

/** Asks on the terminal; Ctrl-C at the prompt is no answer, so the run waits for one rather than failing. */
async function ask(question: string, io: CliIo): Promise<string> {
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  const cancel = new AbortController();
  rl.on("SIGINT", () => cancel.abort());
  try {
    return (await rl.question(`\n${question}\n> `, { signal: cancel.signal })).trim();
  } catch (error) {
    if (cancel.signal.aborted) return "";
    throw error;
  } finally {
    rl.close();
  }
}

/** What a resume will not redo: finished research units and completed stages. */
export async function describeSkipped(graph: Graph, threadId: string): Promise<string> {
  const state = await readThreadState(graph, threadId);
  const next = state.next.join(", ") || "the end";
  const units = countFinishedUnits(state);
  return `${countOf(units, "research unit")} already finished; continuing at ${next}`;
}

/**
 * `state` is the thread's latest, as the caller just read it: reading it rebuilds every delta field
 * from the thread's whole history, so it is read once. `usage` is what this process spent on the
 * run (a resume counts only its own calls).
 */
async function printResult({ threadId, io, args }: ThreadRun, state: Snapshot, progress: RunProgress, usage?: ModelUsage): Promise<number> {
  const { values, metadata } = state;
  const report = String(values.final_report ?? "");
  const sources = (values.sources ?? []) as Source[];
  // Runs finished before outcomes were recorded count as done.
  const outcome = (values.outcome as RunOutcome | undefined) ?? { status: "done", reason: "" };
  const page = { threadId, question: readRunMetadata(metadata)?.question };
  const formatted = args.format === "json" ? report : await formatReport(report, args.format, page).catch((error: unknown) => error as Error);
  if (formatted instanceof Error) return formatFailed(formatted, threadId, io, args);
  const writeProblem = args.out ? await writeReportFile(args.out, formatted, threadId, io) : undefined;
  if (writeProblem) {
    if (args.json) writeResult(io, { thread_id: threadId, status: "failed", reason: writeProblem, resume: resumeCommand(threadId) });
    return EXIT.failed;
  }
  if (args.json) {
    writeResult(io, {
      thread_id: threadId,
      status: outcome.status,
      reason: outcome.reason,
      report,
      sources,
      // Units whose findings reached the report, whichever process ran them.
      counts: { units: (values.notes as string[]).length, sources: sources.length, tool_errors: progress.toolErrors, model_fallbacks: progress.modelFallbacks },
      citations: values.citation_check,
      timings: { total_ms: progress.elapsedMs(), stages_ms: progress.stageTimings },
      ...(usage ? { usage: usage.totals() } : {}),
    });
  } else if (!args.out) {
    const text = String(formatted);
    io.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  } else {
    io.stderr.write(`report written to ${args.out}\n`);
  }
  if (outcome.status === "partial") {
    io.stderr.write(`fanout: partial report: ${outcome.reason}\n`);
    return EXIT.partial;
  }
  return EXIT.ok;
}

/** A report that could not be put in the asked format (Chromium failed) is still kept in the thread. */
function formatFailed(error: Error, threadId: string, io: CliIo, args: RunArgs): number {
  const problem = `cannot render the report as ${args.format}: ${describeError(error)}`;
  io.stderr.write(`fanout: ${problem}\nthe report is saved in thread ${threadId}; print it with: fanout show ${threadId}\n`);
  if (args.json) writeResult(io, { thread_id: threadId, status: "failed", reason: problem, resume: resumeCommand(threadId) });
  return EXIT.failed;
}
