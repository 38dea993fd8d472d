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

export function processIo(): CliIo {
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
