/**
 * Test helpers for the stand-in server (a test tool): the real ChatOpenAI client pointed at it.
 */
import { ChatOpenAI, OpenAIEmbeddings, type ChatOpenAIFields } from "@langchain/openai";
import { after, before, beforeEach } from "node:test";
import { startStandIn } from "./server.js";
import type { StandIn, StandInConfig } from "./types.js";

/**
 * One stand-in for the enclosing suite: started before its tests (by `start`,
 * default a plain startStandIn), closed after, reset to `defaults` before each.
 */
export function suiteStandIn(defaults: StandInConfig = {}, start: () => Promise<StandIn> = () => startStandIn()): () => StandIn {
  let standIn: StandIn | undefined;
  before(async () => {
    standIn = await start();
  });
  after(() => standIn?.close());
  beforeEach(() => {
    standIn!.reset();
    standIn!.configure(defaults);
  });
  return () => standIn!;
}

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
