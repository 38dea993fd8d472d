/**
 * Runs the CLI's own `main()` inside this process: the same argument parsing, store, graph,
 * durability and report printing as `fanout "<question>"`, without a process start.
 */
import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main.js";
import type { CliIo } from "../../src/cli/io.js";
import { RESEARCH } from "./cli.js";

export type CliRun = { code: number; stdout: string; stderr: string };

/** An io that keeps what the CLI writes, answers no prompt and ignores signals. */
function capturingIo(): { io: CliIo; output: () => { stdout: string; stderr: string } } {
  let stdout = "";
  let stderr = "";
  const out = new PassThrough();
  const err = new PassThrough();
  out.on("data", (chunk) => (stdout += chunk));
  err.on("data", (chunk) => (stderr += chunk));
  const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
  return {
    io: { stdout: out, stderr: err as unknown as NodeJS.WriteStream, stdin, onInterrupt: () => () => undefined },
    output: () => ({ stdout, stderr }),
  };
}

/** One `fanout -q --thread ID QUESTION` over the fixture corpus with `units` research units allowed per turn. */
export async function runCliInProcess(threadId: string, units: number, extra: string[] = []): Promise<CliRun> {
  const { io, output } = capturingIo();
  const code = await main(
    ["-q", "--thread", threadId, "How do everyday technologies and crafts work?", ...RESEARCH, "--set", `max_concurrent_research_units=${units}`, ...extra],
    io,
  );
  const run = { code, ...output() };
  if (code !== 0) throw new Error(`the in-process CLI run exited ${code}: ${run.stderr.slice(-400)}`);
  return run;
}
