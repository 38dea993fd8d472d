import type { CliIo } from "./io.js";

/** How a `fanout` run ended, as --json and `fanout threads` name it. */
export type RunStatus = "done" | "partial" | "failed" | "waiting for answer" | "interrupted";

/**
 * What --json prints on every outcome: always thread_id, status and reason
 * (empty when done); `resume` for a run that can go on; the report, sources,
 * counts and timings when one was written.
 */
export type RunResult = {
  thread_id: string;
  status: RunStatus;
  reason: string;
  resume?: string;
  question?: string;
  [detail: string]: unknown;
};

export function writeResult(io: CliIo, result: RunResult): void {
  io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** The command that carries a stopped run on. */
export function resumeCommand(threadId: string): string {
  return `fanout --thread ${threadId}`;
}
