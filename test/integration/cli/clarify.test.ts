import { after, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import type { StandIn } from "../../standin/server.js";
import { CORPUS, sharedStandIn } from "../../support/harness.js";
import { dropStore, runCli, stores } from "../../support/cli.js";
import { main } from "../../../src/cli/main.js";
import type { CliIo } from "../../../src/cli/io.js";

// The stand-in asks for clarification when the conversation says "ambiguous".
const AMBIGUOUS = "Tell me about Mercury (ambiguous)";
const LOCAL = ["--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`];

for (const store of stores()) {
  describe(`clarification through interrupt (${store.name})`, () => {
    const current = sharedStandIn();
    let standin: StandIn;
    beforeEach(() => {
      standin = current();
    });
    after(() => dropStore(store));

    test("without a terminal or --answer it exits 3 with the question; --answer resumes without asking the model again", async () => {
      standin.reset();
      const thread = `clarify-${store.name}-${Date.now()}`;
      const paused = await runCli(["--thread", thread, AMBIGUOUS, ...LOCAL], { env: store.env });
      assert.equal(paused.code, 3, paused.stderr);
      assert.match(paused.stderr, /clarifying question: .*Mercury/);
      assert.match(paused.stderr, new RegExp(`answer with: fanout --thread ${thread} --answer`));
      assert.equal(paused.stdout, "");
      const clarifyCalls = standin.stats().byRole.clarify;
      assert.equal(clarifyCalls, 1);

      const answered = await runCli(["--thread", thread, "--answer", "the planet closest to the Sun"], { env: store.env });
      assert.equal(answered.code, 0, answered.stderr);
      assert.match(answered.stdout, /^# /);
      assert.equal(standin.stats().byRole.clarify, clarifyCalls, "the clarifying decision was not made again");
      const briefs = standin.requests().filter((r) => r.role === "brief");
      assert.equal(briefs.length, 1);
      assert.match(briefs[0].topic, /the planet closest to the Sun/, "the answer reached the brief");
    });

    test("--answer on the first run answers without pausing", async () => {
      standin.reset();
      const done = await runCli([AMBIGUOUS, "--answer", "the planet", ...LOCAL], { env: store.env });
      assert.equal(done.code, 0, done.stderr);
      assert.equal(standin.stats().byRole.clarify, 1);
      assert.match(done.stdout, /## Sources/);
    });

    test("a clear question is not paused", async () => {
      standin.reset();
      const done = await runCli(["How does tidal power generate electricity?", ...LOCAL], { env: store.env });
      assert.equal(done.code, 0, done.stderr);
      assert.doesNotMatch(done.stderr, /clarifying question/);
    });
  });
}

/** Runs `work` with the CLI's store in a fresh embedded folder, whatever the suite's environment says. */
async function onEmbeddedStore<T>(work: () => Promise<T>): Promise<T> {
  const saved = { home: process.env.FANOUT_HOME, pg: process.env.POSTGRES_URI };
  process.env.FANOUT_HOME = mkdtempSync(path.join(tmpdir(), "fanout-tty-"));
  delete process.env.POSTGRES_URI;
  try {
    return await work();
  } finally {
    // Assigning undefined would leave the string "undefined", a store folder named so in the checkout.
    if (saved.home === undefined) delete process.env.FANOUT_HOME;
    else process.env.FANOUT_HOME = saved.home;
    if (saved.pg) process.env.POSTGRES_URI = saved.pg;
  }
}

describe("clarification on a terminal", () => {
  const standin = sharedStandIn();

  test("the CLI asks on the terminal and goes on with the typed answer", async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true }) as unknown as NodeJS.ReadStream;
    const stdout = new PassThrough();
    const stderr = Object.assign(new PassThrough(), { isTTY: false }) as unknown as NodeJS.WriteStream;
    let asked = "";
    (stderr as unknown as PassThrough).on("data", (chunk) => {
      asked += chunk;
      if (asked.includes("> ") && !asked.includes("answered")) {
        asked += "answered";
        stdin.write("the planet closest to the Sun\n");
      }
    });
    let report = "";
    stdout.on("data", (chunk) => (report += chunk));
    const io: CliIo = { stdin, stdout, stderr, onInterrupt: () => () => undefined };
    const code = await onEmbeddedStore(() => main([AMBIGUOUS, ...LOCAL], io));
    assert.equal(code, 0, asked);
    assert.match(asked, /Mercury/);
    assert.match(report, /^# /);
    const brief = standin()
      .requests()
      .filter((r) => r.role === "brief");
    assert.equal(brief.length, 1);
    assert.match(brief[0].topic, /the planet closest to the Sun/);
  });

  test("Ctrl-C at the prompt leaves the question waiting (exit 3) instead of hanging", { timeout: 30_000 }, async () => {
    // A terminal on both sides, so readline reads keys raw and Ctrl-C arrives as a key.
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin }) as unknown as NodeJS.ReadStream;
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 80 }) as unknown as NodeJS.WriteStream;
    let asked = "";
    (stderr as unknown as PassThrough).on("data", (chunk) => {
      asked += chunk;
      if (asked.includes("> ") && !asked.includes("\u0003 sent")) {
        asked += "\u0003 sent";
        stdin.write("\u0003");
      }
    });
    const io: CliIo = { stdin, stdout: new PassThrough(), stderr, onInterrupt: () => () => undefined };
    const code = await onEmbeddedStore(() => main([AMBIGUOUS, "--quiet", ...LOCAL], io));
    assert.equal(code, 3, asked);
    assert.match(asked, /answer with: fanout --thread \S+ --answer/);
    assert.ok(
      standin()
        .requests()
        .every((r) => r.role !== "brief"),
      "no research started without an answer",
    );
  });
});
