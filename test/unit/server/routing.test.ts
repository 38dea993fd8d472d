import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ConfigurationSchema } from "../../../src/config.js";
import { configureLimits, declaredLimitSettings, limitSettings, limitShare, limitsDifferingFrom } from "../../../src/limits/settings.js";
import { serverWorkersFrom } from "../../../src/server/pool.js";
import { routeOf, startsRun, workerOfThread } from "../../../src/server/routing.js";

describe("the server's workers: routing", () => {
  test("a thread's requests go by its id; runs without one to the least busy; the rest to the first", () => {
    const id = "6f1c1b7e-2d1a-4f51-9d2e-3a0c7b8e9f10";
    for (const path of [`/threads/${id}`, `/threads/${id}/state`, `/threads/${id}/runs/stream`, `/threads/${id}/runs/abc/join`]) {
      assert.deepEqual(routeOf("POST", path), { kind: "thread", threadId: id }, path);
    }
    assert.deepEqual(routeOf("POST", "/threads/search"), { kind: "first" });
    assert.deepEqual(routeOf("POST", "/threads"), { kind: "first" });
    assert.deepEqual(routeOf("GET", "/health"), { kind: "first" });
    for (const path of ["/runs", "/runs/wait", "/runs/stream"]) assert.deepEqual(routeOf("POST", path), { kind: "new-run" }, path);
    assert.deepEqual(routeOf("GET", "/runs"), { kind: "first" });
    assert.equal(startsRun("POST", `/threads/${id}/runs/wait`), true);
    assert.equal(startsRun("POST", "/runs"), true);
    assert.equal(startsRun("POST", `/threads/${id}/runs/r1/cancel`), false);
  });

  test("thread ids spread over the workers, always the same way", () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[workerOfThread(randomUUID(), 3)] += 1;
    for (const count of counts) assert.ok(count > 800, `each worker gets about a third: ${counts.join(", ")}`);
    assert.equal(workerOfThread("thread-a", 4), workerOfThread("thread-a", 4));
  });

  test("FANOUT_SERVER_WORKERS is a whole number from 1, default 1", () => {
    assert.equal(serverWorkersFrom(undefined), 1);
    assert.equal(serverWorkersFrom(" 3 "), 3);
    for (const bad of ["0", "1.5", "two", "65"]) assert.throws(() => serverWorkersFrom(bad), /FANOUT_SERVER_WORKERS must be a whole number/);
  });
});

describe("the server's workers: limits shared among them", () => {
  test("each worker gets its share of widths and budgets (0 stays unlimited); runs are checked against the whole", () => {
    const whole = ConfigurationSchema.parse({ max_model_concurrency: 5, max_fetch_concurrency: 2, model_requests_per_minute: 600, model_retries: 3 });
    const share = limitShare(whole, 2);
    assert.equal(share.max_model_concurrency, 3, "the first worker takes the remainder");
    assert.equal(limitShare(whole, 2, 1).max_model_concurrency, 2);
    assert.equal(share.max_fetch_concurrency, 1);
    assert.equal(share.model_requests_per_minute, 300);
    assert.equal(share.max_search_concurrency, 0, "unlimited stays unlimited");
    assert.equal(share.model_retries, 3, "retries are per request, not shared");

    const before = limitSettings();
    try {
      configureLimits(whole, 2);
      assert.equal(limitSettings().max_model_concurrency, 3, "the lanes follow the share");
      assert.equal(declaredLimitSettings().max_model_concurrency, 5);
      assert.deepEqual(limitsDifferingFrom(whole), [], "a run with the server's settings is not refused");
    } finally {
      configureLimits(before);
    }
    assert.equal(limitSettings().max_model_concurrency, before.max_model_concurrency);
  });

  test("the workers' shares add up to the whole limit, never more", () => {
    for (let workers = 2; workers <= 5; workers++) {
      for (let width = workers; width <= 23; width++) {
        const whole = ConfigurationSchema.parse({ max_model_concurrency: width, model_tokens_per_minute: width * 1000 + 7 });
        const shares = Array.from({ length: workers }, (_, index) => limitShare(whole, workers, index));
        const sum = (key: "max_model_concurrency" | "model_tokens_per_minute") => shares.reduce((total, share) => total + share[key], 0);
        assert.equal(sum("max_model_concurrency"), width, `${width} over ${workers} workers`);
        assert.equal(sum("model_tokens_per_minute"), width * 1000 + 7);
        assert.ok(shares.every((share) => share.max_model_concurrency >= 1));
      }
    }
  });

  test("a limit smaller than the number of workers is refused, naming it", () => {
    const whole = ConfigurationSchema.parse({ max_model_concurrency: 2, model_requests_per_minute: 100 });
    assert.throws(
      () => limitShare(whole, 3),
      (error: Error) => {
        assert.equal(error.name, "LimitTooNarrow");
        assert.match(error.message, /FANOUT_SERVER_WORKERS=3 is more than max_model_concurrency=2 allows/);
        assert.match(error.message, /use at most 2 workers/);
        assert.doesNotMatch(error.message, /model_requests_per_minute/);
        return true;
      },
    );
  });
});
