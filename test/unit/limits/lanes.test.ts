import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { HumanMessage } from "@langchain/core/messages";
import { createChatModel } from "../../../src/models.js";
import { Lane, OUTCOMES_KEPT, RATE_LIMITED_TO_NARROW, SLOW_START_WIDTH } from "../../../src/limits/lane.js";
import { laneKit, laneNamed, resetLanes } from "../../../src/limits/limitedFetch.js";
import { estimatedRequestTokens, rateGate } from "../../../src/limits/rateGate.js";
import { metricsRegistry } from "../../../src/limits/metrics.js";
import { createTavilyBackend } from "../../../src/search/tavily.js";
import { sharedStandIn } from "../../support/harness.js";
import { freshLimits } from "./support.js";

const askMany = (count: number) =>
  Promise.all(
    Array.from({ length: count }, (_, i) => createChatModel("openai:gpt-4.1", { maxTokens: 100, timeoutSeconds: 30 }).invoke([new HumanMessage(`Question ${i}`)])),
  );

describe("lanes shared by every call in the process", () => {
  const standin = sharedStandIn({ latencyMs: 30 });

  for (const limit of [1, 3]) {
    test(`max_model_concurrency=${limit}: 12 calls at once never have more than ${limit} in flight`, async () => {
      freshLimits({ max_model_concurrency: limit });
      await askMany(12);
      assert.equal(standin().stats().total, 12);
      assert.equal(standin().stats().peakInFlight, limit);
    });
  }

  test("max_model_concurrency=0 is unlimited (without adaptation, all 12 go at once)", async () => {
    freshLimits({ max_model_concurrency: 0, adaptive_concurrency: false });
    // Each request is held until all 12 have arrived (or a second has passed).
    let arrived = 0;
    let allHere: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (allHere = resolve));
    setTimeout(allHere, 1000).unref();
    standin().configure({
      behaviour: async () => {
        arrived += 1;
        if (arrived === 12) allHere();
        await gate;
        return undefined;
      },
    });
    await askMany(12);
    assert.equal(standin().stats().peakInFlight, 12);
  });

  test("search requests go through their own lane, search:tavily", async () => {
    freshLimits({ max_search_concurrency: 2 });
    const backend = createTavilyBackend({ TAVILY_API_KEY: "tvly-test", TAVILY_API_BASE_URL: standin().tavilyUrl });
    let inFlight = 0;
    let peak = 0;
    const lane = laneNamed("search:tavily");
    const watch = setInterval(() => {
      inFlight = lane.inFlight;
      peak = Math.max(peak, inFlight);
    }, 1);
    try {
      await Promise.all(Array.from({ length: 8 }, (_, i) => backend.search(`query ${i}`, 3)));
    } finally {
      clearInterval(watch);
    }
    assert.equal(standin().tavily.calls().length, 8);
    assert.ok(peak <= 2, `peak ${peak}`);
    assert.equal(lane.width, 2);
  });

  test("the lane's width, in-flight and queue are in the metrics registry", async () => {
    freshLimits({ max_model_concurrency: 2, adaptive_concurrency: false });
    await askMany(3);
    const text = await metricsRegistry.metrics();
    assert.match(text, /fanout_lane_width\{lane="model:openai"\} 2/);
    assert.match(text, /fanout_lane_in_flight\{lane="model:openai"\} 0/);
    assert.match(text, /fanout_requests_total\{lane="model:openai",outcome="ok"\} \d+/);
  });
});

describe("adaptive width (AIMD)", () => {
  const ticketOf = async (lane: Lane) => {
    let ticket = { epoch: -1 };
    await lane.run(async (t) => {
      ticket = t;
    });
    return ticket;
  };
  /** A call that started with the lane at its width. */
  const fullTicketOf = async (lane: Lane) => ({ ...(await ticketOf(lane)), full: true });

  test("slow start grows by one per success up to the ceiling", async () => {
    const lane = new Lane("test", { maxInFlight: 10, adaptive: true });
    assert.equal(lane.width, SLOW_START_WIDTH);
    for (let i = 0; i < 20; i += 1) lane.feedback(await fullTicketOf(lane), "ok");
    assert.equal(lane.width, 10);
  });

  test("successes of calls that found the lane with room to spare do not widen it", async () => {
    const lane = new Lane("test", { maxInFlight: 10, adaptive: true });
    for (let i = 0; i < 20; i += 1) lane.feedback(await ticketOf(lane), "ok");
    assert.equal(lane.width, SLOW_START_WIDTH);
  });

  test("a burst of 429s narrows once, below the calls the provider accepted; successes widen by one per 2×width", async () => {
    const lane = new Lane("test", { maxInFlight: 0, adaptive: true });
    const release: Array<() => void> = [];
    const tickets: Array<{ epoch: number }> = [];
    const running = Array.from({ length: 4 }, () =>
      lane.run(
        (ticket) =>
          new Promise<void>((resolve) => {
            tickets.push(ticket);
            release.push(resolve);
          }),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(lane.inFlight, 4);
    for (const ticket of tickets) lane.feedback(ticket, "rate_limited");
    assert.equal(lane.width, 2, "one narrowing (at the third 429), to 80% of the 3 others in flight");
    release.forEach((resolve) => resolve());
    await Promise.all(running);
    for (let i = 0; i < 3; i += 1) lane.feedback(await fullTicketOf(lane), "ok");
    assert.equal(lane.width, 2);
    lane.feedback(await fullTicketOf(lane), "ok");
    assert.equal(lane.width, 3);
  });

  /** A call's ticket as the lane would have given it, started with `inFlight` calls in flight (itself included). */
  const startedWith = (inFlight: number) => ({ epoch: 0, inFlight });

  test("a lone 429 among successes (a random fault, not a limit) does not narrow the lane", async () => {
    const lane = new Lane("test", { maxInFlight: 0, adaptive: true });
    for (let round = 0; round < 5; round += 1) {
      for (let i = 0; i < OUTCOMES_KEPT - 1; i += 1) lane.feedback(await ticketOf(lane), "ok");
      lane.feedback(await ticketOf(lane), "rate_limited");
    }
    assert.equal(lane.width, SLOW_START_WIDTH);
  });

  test("429s of calls that started with no more in flight than recent successes are noise, however many", () => {
    const lane = new Lane("test", { maxInFlight: 0, adaptive: true });
    for (let i = 0; i < 4; i += 1) lane.feedback(startedWith(6), "ok");
    for (const inFlight of [1, 3, 6, 2]) lane.feedback(startedWith(inFlight), "rate_limited");
    assert.equal(lane.width, SLOW_START_WIDTH);
  });

  test(`${RATE_LIMITED_TO_NARROW} 429s among the last ${OUTCOMES_KEPT} answers, of calls started with more in flight than any success, narrow the lane`, () => {
    const lane = new Lane("test", { maxInFlight: 0, adaptive: true });
    for (let i = 0; i < 3; i += 1) lane.feedback(startedWith(5), "ok");
    lane.feedback(startedWith(7), "rate_limited");
    lane.feedback(startedWith(4), "ok");
    assert.equal(lane.width, SLOW_START_WIDTH);
    lane.feedback(startedWith(6), "rate_limited");
    assert.equal(lane.width, 1, "narrowed to the calls in flight beside it (none here), at least 1");
  });

  test("a lane that is not adaptive keeps its width", async () => {
    const lane = new Lane("test", { maxInFlight: 5, adaptive: false });
    lane.feedback(await ticketOf(lane), "rate_limited");
    assert.equal(lane.width, 5);
  });
});

describe("per-minute budgets", () => {
  const standin = sharedStandIn();

  test("a request budget lets `limit` calls through per interval and queues the rest", async () => {
    const stop = new AbortController();
    const gate = rateGate(2, 60_000, stop.signal);
    let passed = 0;
    const calls = Array.from({ length: 5 }, () => gate().then(() => (passed += 1)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(passed, 2);
    assert.equal(gate.queueSize, 3);
    stop.abort();
    assert.equal((await Promise.allSettled(calls)).filter((call) => call.status === "rejected").length, 3);
  });

  test("a token budget charges each call its estimated tokens, at most the whole budget", async () => {
    const stop = new AbortController();
    const gate = rateGate(1000, 60_000, stop.signal);
    let passed = 0;
    const calls = [600, 300, 200, 5000].map((weight) => gate(weight).then(() => (passed += 1)));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(passed, 2, "600 + 300 fit in 1000; 200 more does not");
    assert.equal(gate.queueSize, 2);
    stop.abort();
    await Promise.allSettled(calls);
  });

  test("a request's tokens are its text at ~4 characters a token plus the reply it allows", () => {
    const body = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(400) }], max_tokens: 100 });
    assert.equal(estimatedRequestTokens(body), Math.ceil(body.length / 4) + 100);
  });

  test("search_requests_per_minute holds a search lane: 2 of 5 queries go out this minute, 3 wait; model lanes are not held", async () => {
    freshLimits({ search_requests_per_minute: 2 });
    const backend = createTavilyBackend({ TAVILY_API_KEY: "tvly-test", TAVILY_API_BASE_URL: standin().tavilyUrl });
    const searches = Promise.allSettled(Array.from({ length: 5 }, (_, i) => backend.search(`query ${i}`, 3)));
    for (let tick = 0; tick < 200 && standin().tavily.calls().length < 2; tick += 1) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(standin().tavily.calls().length, 2);
    assert.equal(laneKit("search:tavily").requests?.queueSize, 3);
    assert.equal(laneKit("model:openai").requests, undefined);
    resetLanes(); // ends the three still waiting, instead of waiting out the minute
    assert.equal((await searches).filter((search) => search.status === "rejected").length, 3);
    assert.equal(standin().tavily.calls().length, 2);
  });

  test("model_requests_per_minute holds the process's requests to a provider", async () => {
    freshLimits({ model_requests_per_minute: 2 });
    const kit = laneKit("model:openai");
    assert.ok(kit.requests);
    assert.equal(kit.tokens, undefined);
    freshLimits({ model_tokens_per_minute: 10_000 });
    assert.equal(laneKit("model:openai").requests, undefined);
    assert.ok(laneKit("model:openai").tokens);
    assert.equal(laneKit("search:tavily").tokens, undefined);
  });
});
