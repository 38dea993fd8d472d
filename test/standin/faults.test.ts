/** Stand-in server (a test tool): latency, injected faults and client retries, concurrency, scripting. */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { chatModel, postJson, suiteStandIn } from "./helpers.js";
import type { ParsedRequest, StandIn } from "./types.js";

const lookup = tool(async () => "", { name: "lookup", description: "Look up", schema: z.object({ term: z.string() }) });
const chatBody = (content: string) => ({ model: "gpt-4.1", messages: [{ role: "user", content }] });

describe("stand-in faults, latency and concurrency", () => {
  const current = suiteStandIn({ latencyMs: 0, jitterMs: 0, faults: { rate429: 0, rate500: 0, seed: 1, atOnce: false }, behaviour: undefined });
  let standIn: StandIn;
  beforeEach(() => {
    standIn = current();
  });

  it("adds latency (and seeded jitter) to each request", async () => {
    standIn.configure({ latencyMs: 150, jitterMs: 50 });
    const started = Date.now();
    await chatModel(standIn).invoke("slow please");
    assert.ok(Date.now() - started >= 145);
    const logged = standIn.requests()[0]!;
    assert.ok(logged.durationMs >= 148 && logged.durationMs < 400, `took ${logged.durationMs}ms`);
  });

  it("a 429 carries retry-after headers and is retried by the client's maxRetries", async () => {
    standIn.failNext(1, 429);
    const raw = await postJson(`${standIn.url}/chat/completions`, chatBody("hi"));
    assert.equal(raw.status, 429);
    assert.equal(raw.headers.get("retry-after"), "0");
    assert.equal(raw.headers.get("retry-after-ms"), "0");
    assert.equal(raw.json.error.code, "rate_limit_exceeded");
    standIn.reset();
    standIn.failNext(1, 429);
    const reply = await chatModel(standIn, { maxRetries: 2 }).invoke("Retry me");
    assert.ok((reply.content as string).length > 0);
    assert.deepEqual(standIn.stats().byStatus, { 429: 1, 200: 1 });
  });

  it("a 500 is retried by the client's maxRetries", async () => {
    standIn.failNext(1, 500);
    const reply = await chatModel(standIn, { maxRetries: 1 }).invoke("Retry me");
    assert.ok((reply.content as string).length > 0);
    assert.deepEqual(standIn.stats().byStatus, { 500: 1, 200: 1 });
  });

  it("a fault reaches the caller when the client does not retry", async () => {
    standIn.failNext(1, 429);
    await assert.rejects(chatModel(standIn).invoke("No retries"), (error: { status?: number }) => error.status === 429);
    assert.equal(standIn.stats().byStatus["429"], 1);
  });

  it("draws probabilistic faults from a seeded PRNG: same seed, same sequence", async () => {
    standIn.configure({ faults: { rate500: 0.5, seed: 7 } });
    const run = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await postJson(`${standIn.url}/chat/completions`, chatBody(`q${i}`))).status);
      return statuses;
    };
    const first = await run();
    standIn.reset();
    const second = await run();
    assert.deepEqual(first, second);
    assert.ok(first.includes(500) && first.includes(200), first.join(","));
  });

  it("faults.atOnce draws the same faults, and answers them without waiting out the latency", async () => {
    standIn.configure({ faults: { rate500: 0.5, seed: 7 } });
    const statuses = async () => {
      const seen: number[] = [];
      for (let i = 0; i < 20; i += 1) seen.push((await postJson(`${standIn.url}/chat/completions`, chatBody(`q${i}`))).status);
      return seen;
    };
    const after = await statuses();
    standIn.reset();
    standIn.configure({ faults: { atOnce: true } });
    assert.deepEqual(await statuses(), after);
    // A minute of latency: only a fault answered before it lets this request end within the test's time.
    standIn.configure({ latencyMs: 60_000, faults: { rate500: 1 } });
    assert.equal((await postJson(`${standIn.url}/chat/completions`, chatBody("at once"))).status, 500);
  });

  it("counts peak in-flight requests, overall and per role", async () => {
    standIn.configure({ latencyMs: 200 });
    const model = chatModel(standIn);
    await Promise.all(Array.from({ length: 6 }, (_, i) => model.invoke(`parallel ${i}`)));
    await model.bindTools([lookup]).invoke("one more");
    const stats = standIn.stats();
    assert.equal(stats.peakInFlight, 6);
    assert.equal(stats.peakInFlightByRole.writer, 6);
    assert.equal(stats.peakInFlightByRole.other, 1);
    assert.equal(stats.inFlight, 0);
    assert.equal(stats.total, 7);
  });

  it("runs a scripted behaviour and falls back to the default roles", async () => {
    const seen: ParsedRequest[] = [];
    standIn.configure({
      behaviour: (request) => {
        seen.push(request);
        if (request.topic === "script content") return { content: "scripted!" };
        if (request.topic === "script tools") return { toolCalls: [{ name: "lookup", args: { term: "owl" } }] };
        if (request.topic === "script failure") return { status: 503, message: "scripted outage" };
        return undefined;
      },
    });
    const model = chatModel(standIn).bindTools([lookup]);
    assert.equal((await model.invoke("script content")).content, "scripted!");
    assert.deepEqual(
      (await model.invoke("script tools")).tool_calls?.map((call) => [call.name, call.args]),
      [["lookup", { term: "owl" }]],
    );
    await assert.rejects(model.invoke("script failure"), /scripted outage/);
    assert.match((await model.invoke("anything else")).content as string, /anything else/);
    assert.deepEqual(
      seen.map((request) => request.role),
      ["other", "other", "other", "other"],
    );
    assert.deepEqual(seen[0]!.toolNames, ["lookup"]);
    assert.equal(standIn.stats().byStatus["503"], 1);
  });

  it("a scripted failure with echoKey puts the caller's key in its message, as careless services do", async () => {
    standIn.configure({ behaviour: () => ({ status: 401, message: "Incorrect API key provided", echoKey: true }) });
    await assert.rejects(chatModel(standIn, { apiKey: "sk-echoed-back-123" }).invoke("hi"), /Incorrect API key provided \(key sent: sk-echoed-back-123\)/);
    assert.equal(standIn.stats().byStatus["401"], 1);
  });

  it("a scripted hang outlasts a client timeout and frees its in-flight slot", async () => {
    standIn.configure({ behaviour: (request) => (request.topic === "hang" ? { hangMs: 5_000 } : undefined) });
    const started = Date.now();
    await assert.rejects(chatModel(standIn, { timeout: 200 }).invoke("hang"));
    assert.ok(Date.now() - started < 2_000);
    for (let i = 0; i < 50 && standIn.stats().inFlight > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(standIn.stats().inFlight, 0);
    assert.equal(standIn.requests()[0]!.status, 499);
  });
});
