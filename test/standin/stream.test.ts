/** Stand-in server (a test tool): SSE streaming through ChatOpenAI's .stream(). */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import type { AIMessageChunk } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { chatModel, suiteStandIn } from "./helpers.js";
import type { StandIn } from "./types.js";

const conductResearch = tool(async () => "", { name: "ConductResearch", description: "Delegate", schema: z.object({ research_topic: z.string() }) });

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<{ chunks: AIMessageChunk[]; whole: AIMessageChunk }> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { chunks, whole: chunks.reduce((sum, chunk) => sum.concat(chunk)) };
}

describe("stand-in streaming", () => {
  const current = suiteStandIn();
  let standIn: StandIn;
  beforeEach(() => {
    standIn = current();
  });

  it("streams content in several deltas that add up to the non-streamed reply, with usage", async () => {
    const model = chatModel(standIn);
    const prompt = "Summarise what is known about urban beekeeping and honey yields";
    const { chunks, whole } = await collect(await model.stream(prompt));
    const contentChunks = chunks.filter((chunk) => typeof chunk.content === "string" && chunk.content.length > 0);
    assert.ok(contentChunks.length >= 3, `only ${contentChunks.length} content chunks`);
    const plain = await model.invoke(prompt);
    assert.equal(whole.content, plain.content);
    assert.ok(whole.usage_metadata && whole.usage_metadata.output_tokens > 0);
    const tokens = (usage: { input_tokens: number; output_tokens: number; total_tokens: number } | undefined) => [
      usage?.input_tokens,
      usage?.output_tokens,
      usage?.total_tokens,
    ];
    assert.deepEqual(tokens(whole.usage_metadata), tokens(plain.usage_metadata));
    const stats = standIn.stats();
    assert.equal(stats.streamed, 1);
    assert.equal(stats.total, 2);
  });

  it("streams tool calls in pieces that reassemble into parsed calls", async () => {
    standIn.configure({ units: 2 });
    const { chunks, whole } = await collect(await chatModel(standIn).bindTools([conductResearch]).stream("Insect decline in Europe"));
    assert.ok(chunks.filter((chunk) => (chunk.tool_call_chunks?.length ?? 0) > 0).length >= 4);
    assert.equal(whole.tool_calls?.length, 2);
    assert.ok(whole.tool_calls!.every((call) => call.name === "ConductResearch" && typeof call.args.research_topic === "string"));
    assert.equal(whole.response_metadata.finish_reason, "tool_calls");
    standIn.configure({ units: 3 });
  });

  it("sends OpenAI's SSE framing: role first, finish_reason, a usage chunk with no choices, [DONE]", async () => {
    const response = await fetch(`${standIn.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "gpt-4.1",
        stream: true,
        stream_options: { include_usage: true },
        tools: [
          { type: "function", function: { name: "web_search", parameters: { type: "object", properties: { queries: { type: "array", items: { type: "string" } } } } } },
        ],
        messages: [{ role: "user", content: "Glacier retreat in the Alps" }],
      }),
    });
    assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
    const events = (await response.text()).split("\n\n").filter(Boolean);
    assert.equal(events.at(-1), "data: [DONE]");
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event.replace(/^data: /, "")));
    assert.equal(chunks[0].choices[0].delta.role, "assistant");
    const toolDeltas = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
    assert.equal(toolDeltas[0].index, 0);
    assert.equal(toolDeltas[0].function.name, "web_search");
    assert.ok(toolDeltas[0].id);
    const args = toolDeltas.map((delta: { function: { arguments: string } }) => delta.function.arguments).join("");
    assert.ok(Array.isArray(JSON.parse(args).queries));
    assert.equal(chunks.at(-2).choices[0].finish_reason, "tool_calls");
    assert.deepEqual(chunks.at(-1).choices, []);
    assert.ok(chunks.at(-1).usage.total_tokens > 0);
  });
});
