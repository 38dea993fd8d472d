import { createHash } from "node:crypto";
import { BaseCache, deserializeStoredGeneration, serializeGeneration } from "@langchain/core/caches";
import type { Generation } from "@langchain/core/outputs";
import { redactSecrets } from "../secrets.js";
import { limitSettings } from "./settings.js";
import { countCacheLookup } from "./usage.js";

/** Where finished model responses outlive the process (the run store); values are JSON text. */
export interface ResponseStore {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/**
 * Call options LangGraph and LangChain add to every call that differ from run to run (the
 * checkpoint and task ids, the run's signal and stream writer) and say nothing about the request.
 */
const PER_RUN_OPTIONS = new Set(["executionInfo", "control", "signal", "writer", "interrupt", "callbacks", "runId", "configurable"]);

/** `key:json` entries of LangChain's llm string, split at the commas between them. */
function llmKeyEntries(llmKey: string): string[] {
  const entries: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < llmKey.length; i += 1) {
    const char = llmKey[i];
    if (inString) {
      if (char === "\\") i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === "{" || char === "[") depth += 1;
    else if (char === "}" || char === "]") depth -= 1;
    else if (char === "," && depth === 0) {
      entries.push(llmKey.slice(start, i));
      start = i + 1;
    }
  }
  entries.push(llmKey.slice(start));
  return entries;
}

/** The llm string without the per-run options, so the same request in another run has the same key. */
export function stableLlmKey(llmKey: string): string {
  return llmKeyEntries(llmKey)
    .filter((entry) => !PER_RUN_OPTIONS.has(entry.slice(0, entry.indexOf(":"))))
    .join(",");
}

/**
 * LangChain's prompt text writes "undefined" after an AI message whose reply carried an empty
 * `function_call` field; the same message replayed from the cache has no such field. Dropped, so
 * a conversation that went on from a cached reply has the key it had when the reply was fresh.
 */
function stablePrompt(prompt: string): string {
  return prompt.replace(/undefined(?=\n(?:Human|AI|System|Tool): |$)/g, "");
}

/**
 * The key an entry is filed under: a hash of the model's parameters (LangChain's llm string,
 * which includes the client's settings, the API key among them) and the prompt. Only the hash is
 * kept, so no entry, in memory or on disk, contains a key.
 */
export function entryKey(prompt: string, llmKey: string): string {
  return createHash("sha256").update(stableLlmKey(llmKey)).update("\u0000").update(stablePrompt(prompt)).digest("hex");
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
    // A reply that repeats a secret (a key the model was shown or echoed) is not kept: the store
    // must never hold one, and a reply served later must be the model's as it was, not redacted.
    if (redactSecrets(text) !== text) return;
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
