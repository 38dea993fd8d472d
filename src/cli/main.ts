import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../util/packageRoot.js";
import { describeError, rootErrors } from "../util/errors.js";
import { CheckpointConfigError } from "../checkpoint/errors.js";
import { HELP, parseCliArgs, UsageError, type CliArgs } from "./args.js";
import { EXIT, processIo, type CliIo } from "./io.js";
import { checkReportPath } from "./reportFile.js";
import type { BaseCheckpointSaver } from "@langchain/langgraph";

export { setPackageImporter } from "../util/packageImport.js";

let lastCommand: CliArgs["command"] | undefined;

/** The command the last main() call parsed (bin/fanout.js keeps the code cache a research run compiled). */
export function ranCommand(): CliArgs["command"] | undefined {
  return lastCommand;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit itself. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
    lastCommand = args.command;
    if (args.command === "help") {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    if (args.command === "version") {
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    if (args.command === "index") return await (await import("./indexCommand.js")).indexCommand(args, io);
    if (args.command === "config") {
      const { configCommand } = await import("./configCommand.js");
      return configCommand(io, args.settings, args.json);
    }
    // The graph, models and stores load only now: --help and bad arguments answer at once.
    if ((args.command === "run" || args.command === "show" || args.command === "export") && args.out !== undefined) await checkReportPath(args.out);
    if (args.command === "run" || args.command === "show") (await import("./reportFormat.js")).checkFormat(args.format);
    const { preflight, configurationFromPairs } = await import("./run.js");
    if (args.command === "run" && args.question) await preflight(configurationFromPairs(args.settings));
    const { checkpointOptionsFromEnv, openCheckpointer } = await import("../checkpoint/index.js");
    const opened = await openCheckpointer(checkpointOptionsFromEnv(process.env));
    try {
      return await dispatch(args, opened.saver, io);
    } finally {
      await opened.close();
      // MCP servers a run started (child processes, connections) would keep the process alive.
      await (await import("../mcp/tools.js")).closeMcpClients();
    }
  } catch (error) {
    return reportError(error, io);
  }
}

async function dispatch(args: Exclude<CliArgs, { command: "help" | "version" | "config" | "index" }>, saver: BaseCheckpointSaver, io: CliIo): Promise<number> {
  const { runCommand } = await import("./run.js");
  const { pruneCommand, showCommand, threadsCommand } = await import("./threads.js");
  switch (args.command) {
    case "run":
      return runCommand(args, saver, io);
    case "threads":
      return threadsCommand(saver, io, args.json);
    case "show":
      return showCommand(saver, io, args);
    case "prune":
      return pruneCommand(saver, io, args.olderThan, args.thread);
    case "export":
      return (await import("./export.js")).exportCommand(saver, io, args.thread, args.out);
  }
}

/** Errors that mean "fix your input or setup", reported as exit 2. */
function isUsageProblem(error: unknown): boolean {
  return (
    error instanceof UsageError ||
    (error instanceof Error && error.name === "ConfigurationError") || // by name: config.js (zod) loads only for a run
    error instanceof CheckpointConfigError ||
    (error instanceof Error && (error.name === "LocalCorpusError" || error.name === "ThreadLeaseHeldError"))
  );
}

function reportError(error: unknown, io: CliIo): number {
  // A run that failed part-way keeps what it finished: say how to go on.
  const resumable = error instanceof Error && error.name === "RunFailed" ? (error as Error & { threadId: string; cause: unknown }) : undefined;
  const cause = resumable ? resumable.cause : error;
  const hint = resumable ? `\nthe work so far is saved; resume with: fanout --thread ${resumable.threadId}\n` : "\n";
  if (rootErrors(cause).every(isUsageProblem)) {
    io.stderr.write(`fanout: ${describeError(cause)}${hint}`);
    return EXIT.usage;
  }
  io.stderr.write(`fanout: the run failed: ${describeError(cause)}${hint}`);
  return EXIT.failed;
}
