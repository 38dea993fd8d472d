import { createHash } from "node:crypto";
import { BaseCache, deserializeStoredGeneration, serializeGeneration } from "@langchain/core/caches";
import type { Generation } from "@langchain/core/outputs";
import { limitSettings } from "./settings.js";
import { countCacheLookup } from "./usage.js";

/** Where finished model responses outlive the process (the run store); values are JSON text. */
export interface ResponseStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/**
 * The key an entry is filed under: a hash of the model's parameters (LangChain's llm string,
 * which includes the client's settings, the API key among them) and the prompt. Only the hash is
 * kept, so no entry, in memory or on disk, contains a key.
 */
export function entryKey(prompt: string, llmKey: string): string {
  return createHash("sha256").update(llmKey).update("\u0000").update(prompt).digest("hex");
}

/** Most recently used last; evicts from the front until the bytes fit. */
class BoundedMemory {
  private readonly entries = new Map<string, string>();
  private bytes = 0;

  get(key: string): string | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: string, value: string, maxBytes: number): void {
    this.delete(key);
    const size = Buffer.byteLength(value) + key.length;
    if (size > maxBytes) return;
    this.entries.set(key, value);
    this.bytes += size;
    for (const [oldest] of this.entries) {
      if (this.bytes <= maxBytes) break;
      this.delete(oldest);
    }
  }

  get size(): number {
    return this.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private delete(key: string): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.bytes -= Buffer.byteLength(value) + key.length;
  }
}

/**
 * LangChain's cache interface for chat models: identical calls (same model, parameters, tools
 * and messages) are answered from memory (bounded by cache_max_bytes), else from the run store,
 * so asking again is near free and a resumed run does not pay twice for a call that finished.
 * `cache=false` turns it off. A cache that fails to read or write only costs the saving.
 */
export class ResponseCache extends BaseCache<Generation[]> {
  private readonly memory = new BoundedMemory();
  private store: ResponseStore | undefined;

  /** Keeps entries in `store` too (undefined: memory only). */
  useStore(store: ResponseStore | undefined): void {
    this.store = store;
  }

  async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    if (!limitSettings().cache) return null;
    const key = entryKey(prompt, llmKey);
    let text = this.memory.get(key);
    if (text === undefined && this.store) {
      text = await this.store.get(key).catch(() => undefined);
      if (text !== undefined) this.memory.set(key, text, limitSettings().cache_max_bytes);
    }
    countCacheLookup("model", text !== undefined);
    return text === undefined ? null : (JSON.parse(text) as ReturnType<typeof serializeGeneration>[]).map(deserializeStoredGeneration);
  }

  async update(prompt: string, llmKey: string, generations: Generation[]): Promise<void> {
    if (!limitSettings().cache) return;
    const key = entryKey(prompt, llmKey);
    const text = JSON.stringify(generations.map(serializeGeneration));
    this.memory.set(key, text, limitSettings().cache_max_bytes);
    await this.store?.set(key, text).catch(() => undefined);
  }

  /** Bytes held in memory. */
  get memoryBytes(): number {
    return this.memory.size;
  }

  /** Empties the memory level (tests: a fresh process). */
  clearMemory(): void {
    this.memory.clear();
  }
}

/** The one response cache every model client in the process shares. */
export const responseCache = new ResponseCache();
