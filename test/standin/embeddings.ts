/**
 * Stand-in server (a test tool): deterministic embeddings. Lowercase word tokens are hashed
 * into signed buckets and the vector is L2-normalised, so texts sharing words are near.
 */
import type { EmbeddingsBody } from "./request.js";
import { estimateTokens, fnv1a } from "./text.js";

export const DEFAULT_DIMENSIONS = 64;

export function embed(text: string, dimensions = DEFAULT_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const token of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const hash = fnv1a(token);
    vector[hash % dimensions]! += hash & 0x80000000 ? -1 : 1;
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((value) => value / norm);
}

/** The SDK asks for base64 by default: little-endian float32, as OpenAI sends it. */
function encode(vector: number[], format: "float" | "base64"): number[] | string {
  if (format === "float") return vector;
  return Buffer.from(new Float32Array(vector).buffer).toString("base64");
}

export function embeddingsBody(body: EmbeddingsBody, charsPerToken: number): { json: object; promptTokens: number } {
  const inputs = typeof body.input === "string" ? [body.input] : body.input;
  const format = body.encoding_format ?? "float";
  const data = inputs.map((input, index) => ({ object: "embedding", index, embedding: encode(embed(input, body.dimensions), format) }));
  const promptTokens = inputs.reduce((sum, input) => sum + estimateTokens(input.length, charsPerToken), 0);
  return { json: { object: "list", data, model: body.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } }, promptTokens };
}
