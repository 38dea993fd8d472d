import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { redactSecrets, secretForms, secretValues } from "../secrets.js";

type SerializerProtocol = BaseCheckpointSaver["serde"];

/**
 * A serializer that removes secrets from everything it writes. Upstream error text is stored
 * verbatim (a failed step's error, a tool's error message), and some services echo the caller's
 * key in their errors; this keeps such keys out of the store whatever the node did with them.
 * Only JSON is text; raw bytes pass through.
 */
export class RedactingSerializer implements SerializerProtocol {
  /** Each form of each secret as UTF-8 bytes: a write is searched as it is, and decoded only when one is in it. */
  private readonly needles: Buffer[];

  constructor(
    private readonly inner: SerializerProtocol,
    private readonly secrets: readonly string[] = secretValues(),
  ) {
    this.needles = secrets.flatMap(secretForms).map((form) => Buffer.from(form, "utf8"));
  }

  async dumpsTyped(data: unknown): Promise<[string, Uint8Array]> {
    const [type, bytes] = await this.inner.dumpsTyped(data);
    if (type !== "json" || !this.holdsSecret(bytes)) return [type, bytes];
    const text = new TextDecoder().decode(bytes);
    const redacted = redactSecrets(text, this.secrets);
    return [type, redacted === text ? bytes : new TextEncoder().encode(redacted)];
  }

  private holdsSecret(bytes: Uint8Array): boolean {
    const haystack = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return this.needles.some((needle) => haystack.includes(needle));
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
