import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ServerRun, withoutUnseenTokens, type ApiRun } from "../../../src/server/runs.js";

const RECORD: ApiRun = {
  run_id: "r",
  thread_id: "t",
  assistant_id: "deep_researcher",
  status: "pending",
  metadata: {},
  multitask_strategy: "reject",
  created_at: "",
  updated_at: "",
};

/** An SSE body with these events, all available at once. */
function body(events: [string, unknown][]): ReadableStream<Uint8Array> {
  const text = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join("");
  return new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(text));
      controller.close();
    },
  });
}

test("a slow reader gets every event of a run that ends meanwhile; a reader joining after the end gets its final values", async () => {
  let ended = 0;
  const run = new ServerRun(
    { ...RECORD },
    body([
      ["metadata", { run_id: "r" }],
      ["custom", { type: "unit_started" }],
      ["values", { final_report: "# Report" }],
    ]),
    new AbortController(),
    async () => void (ended += 1),
    async () => null,
  );
  const slow: string[] = [];
  for await (const event of run.follow()) {
    slow.push(event.event ?? "");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  await run.done;
  assert.deepEqual(slow, ["metadata", "custom", "values"]);
  const late: string[] = [];
  for await (const event of run.follow()) late.push(event.data);
  assert.deepEqual(late, [JSON.stringify({ final_report: "# Report" })]);
  assert.deepEqual([run.record.status, ended], ["success", 1]);
  assert.deepEqual(run.result(), { final_report: "# Report" });
});

describe("withoutUnseenTokens", () => {
  const body = { assistant_id: "deep_researcher" };
  test("a run whose stream modes show no tokens gets stream_tokens off, its own settings kept", () => {
    const out = withoutUnseenTokens({ ...body, stream_mode: ["updates", "custom"], config: { configurable: { search_api: "local" } } });
    assert.deepEqual(out.config, { configurable: { search_api: "local", stream_tokens: false } });
    assert.deepEqual(withoutUnseenTokens(body).config, { configurable: { stream_tokens: false } }, "no stream_mode: values only");
  });
  test("a run that shows tokens, or sets stream_tokens itself, is left as it is", () => {
    for (const stream_mode of ["messages", ["values", "messages-tuple"], ["events"]]) {
      const request = { ...body, stream_mode };
      assert.equal(withoutUnseenTokens(request), request);
    }
    const own = { ...body, stream_mode: "values", config: { configurable: { stream_tokens: true } } };
    assert.equal(withoutUnseenTokens(own), own);
    const inContext = { ...body, context: { stream_tokens: true } };
    assert.equal(withoutUnseenTokens(inContext), inContext);
  });
});
