import { readFileSync } from "node:fs";
import path from "node:path";
import { packageRoot } from "../util/packageRoot.js";
import { ConfigurationError } from "../config.js";
import { CheckpointConfigError, checkpointOptionsFromEnv, openCheckpointer } from "../checkpoint/index.js";
import { HELP, parseCliArgs, UsageError, type CliArgs } from "./args.js";
import { EXIT, processIo, type CliIo } from "./io.js";
import { preflight, runCommand } from "./run.js";
import { pruneCommand, showCommand, threadsCommand } from "./threads.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

/** Runs one CLI invocation and returns its exit code; never calls process.exit itself. */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  let args: CliArgs;
  try {
    args = parseCliArgs(argv);
    if (args.command === "help") {
      io.stdout.write(HELP);
      return EXIT.ok;
    }
    if (args.command === "version") {
      io.stdout.write(`${version()}\n`);
      return EXIT.ok;
    }
    if (args.command === "run" && args.question) preflight(settingsOf(args.settings));
    const opened = await openCheckpointer(checkpointOptionsFromEnv(process.env));
    try {
      return await dispatch(args, opened.saver, io);
    } finally {
      await opened.close();
    }
  } catch (error) {
    return reportError(error, io);
  }
}

function settingsOf(pairs: string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)]).filter(([key]) => key));
}

async function dispatch(args: Exclude<CliArgs, { command: "help" | "version" }>, saver: Parameters<typeof runCommand>[1], io: CliIo): Promise<number> {
  switch (args.command) {
    case "run":
      return runCommand(args, saver, io);
    case "threads":
      return threadsCommand(saver, io, args.json);
    case "show":
      return showCommand(saver, io, args.thread, args.json);
    case "prune":
      return pruneCommand(saver, io, args.olderThan, args.thread);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof UsageError || error instanceof ConfigurationError || error instanceof CheckpointConfigError) {
    io.stderr.write(`fanout: ${error.message}\n`);
    return EXIT.usage;
  }
  if (error instanceof Error && error.name === "LocalCorpusError") {
    io.stderr.write(`fanout: ${error.message}\n`);
    return EXIT.usage;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`fanout: the run failed: ${message}\n`);
  return EXIT.failed;
}
