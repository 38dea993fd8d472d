/**
 * `npm run eval` with LANGSMITH_API_KEY: the same runs and evaluators through LangSmith's
 * evaluate(), against a local server that records what would be sent to LangSmith.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { StandIn } from "../standin/server.js";
import { useStandIn } from "../support/harness.js";
import { startLangSmithRecorder } from "../support/langsmithRecorder.js";
import { parseEvalArgs, runEvaluation } from "../../eval/main.js";

const KEY = "lsv2-recorder-key-0123456789";

describe("npm run eval through LangSmith's evaluate()", () => {
  let standin: StandIn;
  let recorder: Awaited<ReturnType<typeof startLangSmithRecorder>>;
  const names = ["FANOUT_HOME", "POSTGRES_URI", "LANGSMITH_API_KEY", "LANGSMITH_ENDPOINT", "LANGSMITH_TRACING"] as const;
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  before(async () => {
    standin = await useStandIn({ units: 1 });
    recorder = await startLangSmithRecorder();
    process.env.FANOUT_HOME = mkdtempSync(path.join(tmpdir(), "fanout-eval-ls-"));
    delete process.env.POSTGRES_URI;
    delete process.env.LANGSMITH_TRACING;
    process.env.LANGSMITH_API_KEY = KEY;
    process.env.LANGSMITH_ENDPOINT = recorder.url;
  });
  after(async () => {
    await standin.close();
    await recorder.close();
    for (const name of names) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  test("the dataset is created once and reused; each question's run is traced under its thread id, with its scores as feedback", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "fanout-eval-ls-results-"));
    const first = await runEvaluation({ ...parseEvalArgs(["--limit", "1", "--results", root]), log: () => {} });
    assert.deepEqual(first, { failed: 0 });
    assert.equal(recorder.datasets.length, 1);
    assert.equal(recorder.datasets[0].name, "fanout-package-readmes");
    assert.equal(recorder.examples.length, 1);

    const second = await runEvaluation({ ...parseEvalArgs(["--limit", "2", "--results", root]), log: () => {} });
    assert.deepEqual(second, { failed: 0 });
    assert.equal(recorder.datasets.length, 1, "the dataset is reused");
    assert.deepEqual(
      recorder.examples.map((example) => (example.inputs as { id: string }).id),
      ["readme-01", "readme-02"],
      "only the missing question is added",
    );
    assert.equal(recorder.sessions.length, 2, "one experiment per evaluation");
    assert.ok(recorder.sessions.every((session) => String(session.name).startsWith("fanout-")));

    const sent = recorder.requests
      .filter((request) => request.path === "/runs/multipart")
      .map((request) => request.body)
      .join("\n");
    const threads = new Set(sent.match(/eval-\d{14}-readme-0\d/g));
    assert.equal(threads.size, 3, `three runs traced with their thread ids: ${[...threads].join(", ")}`);
    for (const key of ["citation_validity", "sources_used", "structure", "aspect_coverage"]) assert.match(sent, new RegExp(`"key":"${key}"`), `${key} sent as feedback`);
    assert.doesNotMatch(sent, new RegExp(KEY), "the API key is never in what is sent");
  });
});
