import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { startStandIn } from "../../standin/server.js";
import { startCli } from "../../support/cli.js";
import { assertReport, embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

describe("a signal during the last step", () => {
  test("a run whose last step finishes during the drain is done: exit 0 and the report, not 130", async (t) => {
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let reportAsked = () => {};
    const reportInFlight = new Promise<void>((resolve) => (reportAsked = resolve));
    const standin = await startStandIn({
      latencyMs: 5,
      units: 1,
      // The final report's request is held until the test releases it.
      behaviour: async (request) => {
        if (request.role !== "writer" || !request.topic.startsWith("You write the final report")) return undefined;
        reportAsked();
        await released;
        return undefined;
      },
    });
    t.after(async () => {
      release();
      await standin.close();
    });
    const run = startCli(["How does tidal power generate electricity?", ...RESEARCH], {
      env: { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY },
    });
    await reportInFlight;
    run.child.kill("SIGINT");
    await run.stderrLines((line) => line.includes("stopping after the steps in flight"));
    release();
    const stopped = await run.done;
    assert.equal(stopped.code, 0, stopped.stderr);
    assertReport(stopped.stdout);
    assert.doesNotMatch(stopped.stderr, /resume with/);
  });
});
