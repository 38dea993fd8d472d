import { redactWrites } from "./redactOutput.js";

/** Exit codes, as --help documents them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, waiting: 3, partial: 4, interrupted: 130 } as const;

/** The process surfaces the CLI touches, so tests can drive it in-process. */
export type CliIo = {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
  /** Calls back on SIGINT/SIGTERM; returns a function that stops listening. */
  onInterrupt(handler: () => void): () => void;
};

/** The real process: stdout and stderr redact secrets from anything written to them. */
export function processIo(): CliIo {
  endQuietlyOnClosedPipe(process.stdout);
  endQuietlyOnClosedPipe(process.stderr);
  redactWrites(process.stdout);
  redactWrites(process.stderr);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    onInterrupt(handler) {
      process.on("SIGINT", handler);
      process.on("SIGTERM", handler);
      return () => {
        process.off("SIGINT", handler);
        process.off("SIGTERM", handler);
      };
    },
  };
}

const quieted = new WeakSet<NodeJS.WritableStream>();

/**
 * A reader that stops reading (`fanout threads | head`) is not a failure: the stream is
 * closed and later writes are dropped, instead of an unhandled EPIPE and a stack trace.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WritableStream): void {
  if (quieted.has(stream)) return;
  quieted.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}
