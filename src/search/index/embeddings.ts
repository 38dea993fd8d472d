import { OpenAIEmbeddings } from "@langchain/openai";
import { ConfigurationError } from "../../config.js";

/** Turns texts into vectors; one request per batch. */
export type Embedder = { model: string; embed(texts: string[]): Promise<number[][]> };

/** Texts per embeddings request. */
const BATCH_SIZE = 128;

/**
 * An embedder for `provider:model`. `openai` reaches any OpenAI-compatible
 * `/v1/embeddings` (OPENAI_BASE_URL: Ollama, vLLM, llama.cpp, the stand-in).
 */
export function createEmbedder(spec: string, env: NodeJS.ProcessEnv = process.env): Embedder {
  const [provider, ...rest] = spec.split(":");
  const model = rest.join(":");
  if (provider !== "openai" || !model)
    throw new ConfigurationError(`embedding_model "${spec}" is not supported; use openai:<model> (any OpenAI-compatible server via OPENAI_BASE_URL)`);
  const baseURL = env.OPENAI_BASE_URL?.trim() || undefined;
  const apiKey = env.OPENAI_API_KEY?.trim() || (baseURL ? "not-needed" : undefined);
  if (!apiKey) throw new ConfigurationError("OPENAI_API_KEY is not set (needed for the embedding model); set it, or OPENAI_BASE_URL for a local server");
  const client = new OpenAIEmbeddings({ model, apiKey, batchSize: BATCH_SIZE, maxRetries: 2, configuration: baseURL ? { baseURL } : undefined });
  return {
    model: spec,
    embed: (texts) => (texts.length === 0 ? Promise.resolve([]) : client.embedDocuments(texts)),
  };
}
