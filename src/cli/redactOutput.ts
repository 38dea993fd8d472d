import { redactSecrets, secretValues } from "../secrets.js";

const guarded = new WeakSet<NodeJS.WritableStream>();

/**
 * Makes a stream redact secrets from everything written to it: the report, --json, progress,
 * error messages, and whatever a library prints with console.warn. Upstream errors sometimes
 * echo the caller's key, and this is the last place it can be stopped before a terminal or log.
 */
export function redactWrites(stream: NodeJS.WritableStream, secrets: readonly string[] = secretValues()): void {
  if (guarded.has(stream) || secrets.length === 0) return;
  guarded.add(stream);
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === "string") return write(redactSecrets(chunk, secrets), ...rest);
    if (chunk instanceof Uint8Array) {
      const text = Buffer.from(chunk).toString("utf8");
      const redacted = redactSecrets(text, secrets);
      if (redacted !== text) return write(Buffer.from(redacted, "utf8"), ...rest);
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
