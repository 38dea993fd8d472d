/**
 * Test helpers for the stand-in server (a test tool): the real ChatOpenAI client pointed at it.
 */
import { ChatOpenAI, OpenAIEmbeddings, type ChatOpenAIFields } from "@langchain/openai";
import type { StandIn } from "./types.js";

/** Retries off unless a test asks for them; Chat Completions, never the Responses API. */
export function chatModel(standIn: StandIn, fields: ChatOpenAIFields = {}): ChatOpenAI {
  return new ChatOpenAI({
    model: "gpt-4.1",
    apiKey: "standin",
    configuration: { baseURL: standIn.url },
    useResponsesApi: false,
    maxRetries: 0,
    ...fields,
  });
}

export function embeddingsModel(standIn: StandIn): OpenAIEmbeddings {
  return new OpenAIEmbeddings({ model: "text-embedding-3-small", apiKey: "standin", configuration: { baseURL: standIn.url }, maxRetries: 0 });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests dig into arbitrary response JSON
export async function postJson(url: string, body: unknown): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, json: await response.json(), headers: response.headers };
}

/** The server root (without /v1), for admin routes. */
export function rootOf(standIn: StandIn): string {
  return standIn.url.replace(/\/v1$/, "");
}
