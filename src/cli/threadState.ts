import type { buildDeepResearcher } from "../../graphs/deep_researcher.js";
import type { RunOutcome } from "../state.js";

type Graph = ReturnType<typeof buildDeepResearcher>;
export type Snapshot = Awaited<ReturnType<Graph["getState"]>>;

/** A thread's status as `fanout threads` and `fanout show` name it, derived from what is stored. */
export type ThreadStatus = "done" | "partial" | "failed" | "unfinished" | "waiting for answer" | "running";

/**
 * A thread's state with its subgraphs' states. LangGraph's getState leaves out
 * the state of a task whose error was saved; it is read here from the task's
 * own namespace, so the work a failed step had finished still shows.
 */
export async function readThreadState(graph: Graph, threadId: string): Promise<Snapshot> {
  const state = await graph.getState({ configurable: { thread_id: threadId } }, { subgraphs: true });
  const tasks = await Promise.all(
    state.tasks.map(async (task) => {
      if (task.state || task.error === undefined) return task;
      const ownState = await graph.getState({ configurable: { thread_id: threadId, checkpoint_ns: `${task.name}:${task.id}` } }, { subgraphs: true });
      return { ...task, state: ownState };
    }),
  );
  return { ...state, tasks };
}

/**
 * The status a thread's stored state shows, and why. Done or partial only when
 * the run finished with a report (the recorded outcome tells which); failed when
 * a step's error was saved; waiting for answer when paused on a question;
 * otherwise unfinished: stopped, killed or interrupted between steps, resumable.
 * A step whose results were saved before its checkpoint was not (a kill at that
 * moment) leaves tasks behind, so that run is unfinished too.
 */
export function threadStatus(state: Snapshot): { status: ThreadStatus; reason: string } {
  const question = questionIn(state);
  if (question !== undefined) return { status: "waiting for answer", reason: `clarifying question: ${question}` };
  const values = state.values as { final_report?: string; outcome?: RunOutcome };
  if (state.tasks.length === 0 && values.final_report) {
    // Runs finished before outcomes were recorded count as done.
    return values.outcome ?? { status: "done", reason: "" };
  }
  const failed = state.tasks.find((task) => task.error !== undefined);
  if (failed) return { status: "failed", reason: errorText(failed.error) };
  return { status: "unfinished", reason: "stopped before the end (killed or interrupted)" };
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

/** Research units whose answers reached the supervisor, in the top state or a stopped supervisor's. */
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

/** A saved task error is stored as `{ message, name }`. */
function errorText(error: unknown): string {
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === "string" && message ? message : String(error);
}
