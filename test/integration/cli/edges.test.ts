import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStandIn, type StandIn, type StandInOptions } from "../../standin/server.js";
import { runCli, startCli, type CliResult } from "../../support/cli.js";
import { CORPUS, embeddedEnv, escapeRegExp, listedSources, TEST_KEY } from "./common.js";

const QUESTION = "How does tidal power generate electricity?";
const QUICK = ["--set", "allow_clarification=false"];

async function ownRun(t: TestContext, options: StandInOptions = {}): Promise<{ standin: StandIn; env: Record<string, string | undefined> }> {
  const standin = await startStandIn({ latencyMs: 5, units: 1, ...options });
  t.after(() => standin.close());
  return { standin, env: { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY } };
}

/** Runs the CLI with its stdout already closed by the reader, as `fanout … | head` does once head has enough. */
function runWithClosedStdout(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  const started = startCli(args, { env });
  started.child.stdout!.destroy();
  return started.done;
}

describe("fanout CLI edges", { concurrency: true }, () => {
  test("a reader that goes away (`fanout threads | head`) ends the command quietly with exit 0", async (t) => {
    const { env } = await ownRun(t);
    const run = await runCli([QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, ...QUICK], { env });
    assert.equal(run.code, 0, run.stderr);
    for (const args of [["threads"], ["--help"], ["--version"], ["--thread", /^thread: (\S+)$/m.exec(run.stderr)![1]]]) {
      const result = await runWithClosedStdout(args, env);
      assert.equal(result.stderr, "", `${args.join(" ")}: nothing on stderr`);
      assert.equal(result.code, 0, args.join(" "));
    }
  });

  test("local_corpus_path is kept as an absolute path: a resume from another folder searches the same corpus", async (t) => {
    // Two folders that both hold a ./corpus: the run starts in one and resumes in the other.
    const base = mkdtempSync(path.join(tmpdir(), "fanout-cwd-"));
    const [first, second] = [path.join(base, "first"), path.join(base, "second")];
    cpSync(CORPUS, path.join(first, "corpus"), { recursive: true });
    mkdirSync(path.join(second, "corpus"), { recursive: true });
    writeFileSync(path.join(second, "corpus", "impostor.md"), "# Tidal power impostor\n\nTidal power generates electricity from tides, says the wrong folder.\n");
    t.after(() => rmSync(base, { recursive: true, force: true }));

    // The first attempt fails at the supervisor (before any search), leaving a thread to resume.
    const { standin, env } = await ownRun(t, { behaviour: (request) => (request.role === "supervisor" ? { status: 400, message: "not yet" } : undefined) });
    const research = [QUESTION, "--set", "search_api=local", "--set", "local_corpus_path=./corpus", ...QUICK];
    const failed = await runCli([...research, "--set", "max_structured_output_retries=1"], { env, cwd: first });
    assert.equal(failed.code, 1, failed.stderr);
    const thread = /resume with: fanout --thread (\S+)/.exec(failed.stderr)![1];

    standin.configure({ behaviour: undefined });
    const resumed = await runCli(["--thread", thread], { env, cwd: second });
    assert.equal(resumed.code, 0, resumed.stderr);
    const cited = listedSources(resumed.stdout);
    assert.ok(cited.length > 0, resumed.stdout);
    for (const url of cited) assert.ok(decodeURIComponent(new URL(url).pathname).startsWith(path.join(first, "corpus") + path.sep), url);
  });

  /** An --out path whose folder passes the check before the run, then goes away while the run works. */
  async function vanishingOut(t: TestContext): Promise<{ out: string; env: Record<string, string | undefined> }> {
    const folder = mkdtempSync(path.join(tmpdir(), "fanout-out-"));
    const { env } = await ownRun(t, {
      behaviour: () => {
        rmSync(folder, { recursive: true, force: true });
        return undefined;
      },
    });
    return { out: path.join(folder, "report.md"), env };
  }

  test("--out that can no longer be written at the end: exit 1, the report kept in the thread and how to print it", async (t) => {
    const { out, env } = await vanishingOut(t);
    const result = await runCli([QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, ...QUICK, "--out", out], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    const thread = /^thread: (\S+)$/m.exec(result.stderr)![1];
    const [failure, hint] = result.stderr.trimEnd().split("\n").slice(-2);
    assert.match(failure, new RegExp(`^fanout: cannot write the report to ${escapeRegExp(out)}: .*ENOENT`));
    assert.equal(hint, `the report is saved in thread ${thread}; print it with: fanout --thread ${thread} (or fanout show ${thread})`);

    const printed = await runCli(["--thread", thread], { env });
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^# /);
  });

  test("--json with an --out that can no longer be written: a failed result naming the problem", async (t) => {
    const { out, env } = await vanishingOut(t);
    const result = await runCli([QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, ...QUICK, "--out", out, "--json"], { env });
    assert.equal(result.code, 1, result.stderr);
    const parsed = JSON.parse(result.stdout) as { status: string; reason: string; resume: string; thread_id: string };
    assert.equal(parsed.status, "failed");
    assert.match(parsed.reason, /^cannot write the report to .*ENOENT/);
    assert.equal(parsed.resume, `fanout --thread ${parsed.thread_id}`);
  });
});
