import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { redactSecrets, secretValues } from "../secrets.js";

type SerializerProtocol = BaseCheckpointSaver["serde"];

/**
 * A serializer that removes secrets from everything it writes. Upstream error text is stored
 * verbatim (a failed step's error, a tool's error message), and some services echo the caller's
 * key in their errors; this keeps such keys out of the store whatever the node did with them.
 * Only JSON is text; raw bytes pass through.
 */
export class RedactingSerializer implements SerializerProtocol {
  constructor(
    private readonly inner: SerializerProtocol,
    private readonly secrets: readonly string[] = secretValues(),
  ) {}

  async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    const [type, bytes] = await this.inner.dumpsTyped(data);
    if (type !== "json" || this.secrets.length === 0) return [type, bytes];
    const text = new TextDecoder().decode(bytes);
    const redacted = redactSecrets(text, this.secrets);
    return [type, redacted === text ? bytes : new TextEncoder().encode(redacted)];
  }

  loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    return this.inner.loadsTyped(type, data);
  }
}

/** Makes a saver write through a RedactingSerializer; returns the same saver. */
export function redactingSaver<T extends BaseCheckpointSaver>(saver: T, secrets: readonly string[] = secretValues()): T {
  if (!(saver.serde instanceof RedactingSerializer)) saver.serde = new RedactingSerializer(saver.serde, secrets);
  return saver;
}
