import { after, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStandIn, type StandIn, type StandInOptions } from "../../standin/server.js";
import { ROOT, runCli } from "../../support/cli.js";
import { assertReport, assertUsageError, CORPUS, embeddedEnv, escapeRegExp, listedSources, RESEARCH, TEST_KEY } from "./common.js";

const QUESTION = "How does tidal power generate electricity?";

/** A stand-in and an embedded store of the test's own, so every test here can run at the same time. */
async function ownRun(t: TestContext, options: StandInOptions = {}): Promise<{ standin: StandIn; env: Record<string, string | undefined> }> {
  const standin = await startStandIn({ latencyMs: 5, ...options });
  t.after(() => standin.close());
  return { standin, env: { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY } };
}

describe("fanout CLI basics", { concurrency: true }, () => {
  test("--help exits 0 with usage", async () => {
    const result = await runCli(["--help"], { env: embeddedEnv() });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage:$/m);
    assert.match(result.stdout, /fanout "<question>"/);
    assert.equal(result.stderr, "");
  });

  test("--version prints the package.json version", async () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    const result = await runCli(["--version"], { env: embeddedEnv() });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${pkg.version}\n`);
  });

  describe("bad input exits 2 with one line naming the problem, before any model call or store write", () => {
    const missingFolder = path.join(tmpdir(), `fanout-no-such-corpus-${process.pid}`);
    const outFolder = mkdtempSync(path.join(tmpdir(), "fanout-out-"));
    const missingOut = path.join(outFolder, "no-such-folder", "report.md");
    const tooBig = mkdtempSync(path.join(tmpdir(), "fanout-big-corpus-"));
    writeFileSync(path.join(tooBig, "huge.md"), Buffer.alloc(5 * 1024 * 1024 + 1, "a"));
    after(() => {
      rmSync(tooBig, { recursive: true, force: true });
      rmSync(outFolder, { recursive: true, force: true });
    });
    const cases: { name: string; args: string[]; env?: Record<string, string | undefined>; pattern: RegExp }[] = [
      { name: "empty question", args: ["   ", ...RESEARCH], pattern: /the question is empty/ },
      { name: "20,001-character question", args: ["x".repeat(20_001), ...RESEARCH], pattern: /question is 20001 characters; the limit is 20000/ },
      { name: "unknown --set key", args: [QUESTION, ...RESEARCH, "--set", "colour=blue"], pattern: /unknown --set key "colour"/ },
      {
        name: "bad --set value",
        args: [QUESTION, ...RESEARCH, "--set", "max_concurrent_research_units=lots"],
        pattern: /bad value "lots" for "max_concurrent_research_units".*whole number from 1 to 64/,
      },
      {
        name: "missing OPENAI_API_KEY",
        args: [QUESTION, ...RESEARCH],
        env: { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined },
        pattern: /OPENAI_API_KEY is not set/,
      },
      {
        name: "search_api=tavily without TAVILY_API_KEY",
        args: [QUESTION, "--set", "search_api=tavily", "--set", "allow_clarification=false"],
        env: { TAVILY_API_KEY: undefined },
        pattern: /TAVILY_API_KEY is not set/,
      },
      {
        name: "search_api=local with a missing folder",
        args: [QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${missingFolder}`],
        pattern: new RegExp(`local corpus folder does not exist: ${missingFolder}$`),
      },
      {
        name: "search_api=local with a folder whose only file is too big",
        args: [QUESTION, "--set", "search_api=local", "--set", `local_corpus_path=${tooBig}`],
        pattern: new RegExp(`local corpus folder has no file that can be indexed \\(skipped: 1 over 5 MB\\): ${escapeRegExp(tooBig)}$`),
      },
      { name: '--thread ""', args: [QUESTION, ...RESEARCH, "--thread", ""], pattern: /--thread is empty/ },
      { name: "a thread id with a newline", args: [QUESTION, ...RESEARCH, "--thread", "a\nb"], pattern: /thread id "a\\nb" has a control character/ },
      {
        name: "a bad FANOUT_ environment value",
        args: [QUESTION, ...RESEARCH],
        env: { FANOUT_MAX_CONCURRENT_RESEARCH_UNITS: "lots" },
        pattern: /bad value "lots" for FANOUT_MAX_CONCURRENT_RESEARCH_UNITS: expected a whole number from 1 to 64$/,
      },
      {
        name: "--out in a folder that does not exist",
        args: [QUESTION, ...RESEARCH, "--out", missingOut],
        pattern: new RegExp(`--out ${escapeRegExp(missingOut)}: the folder ${escapeRegExp(path.dirname(missingOut))} does not exist$`),
      },
      { name: "--out naming a folder", args: [QUESTION, ...RESEARCH, "--out", outFolder], pattern: new RegExp(`--out ${escapeRegExp(outFolder)} is a folder`) },
    ];
    for (const { name, args, env: extra, pattern } of cases) {
      test(name, async (t) => {
        // A store folder that does not exist yet: a check that ran too late would create it.
        const { standin, env } = await ownRun(t);
        const home = path.join(mkdtempSync(path.join(tmpdir(), "fanout-cli-")), "never-created");
        const result = await runCli(args, { env: { ...env, FANOUT_HOME: home, ...extra } });
        assertUsageError(result, pattern);
        assert.equal(standin.stats().total, 0, "no model request was made");
        assert.equal(existsSync(home), false, "the store was not opened");
      });
    }
  });

  test("a good run: thread id first on stderr, plain progress lines, the report on stdout", async (t) => {
    const { env } = await ownRun(t, { units: 3 });
    const result = await runCli([QUESTION, ...RESEARCH], { env });
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stderr.trimEnd().split("\n");
    assert.match(lines[0], /^thread: [0-9a-f-]{36}$/);
    // eslint-disable-next-line no-control-regex -- ESC is exactly what must not appear
    assert.doesNotMatch(result.stderr, /\x1b/, "no terminal escapes when stderr is not a TTY");
    assert.ok(
      lines.slice(1).every((line) => /^\[\d\d:\d\d\] \S/.test(line)),
      `timestamped progress lines:\n${result.stderr}`,
    );
    assert.match(lines[1], /^\[\d\d:\d\d\] local corpus: 10 files, read on the first search$/, "what the corpus holds comes first");
    assert.ok(
      lines.some((l) => /^\[\d\d:\d\d\] local corpus: 10 files indexed$/.test(l)),
      "after the searches, what they indexed",
    );
    assert.ok(lines.some((l) => / stage: researching \(tokens so far: \d+ in, \d+ out\)$/.test(l)));
    assert.ok(lines.some((l) => / stage: writing report \(tokens so far: \d+ in, \d+ out\)$/.test(l)));
    assert.equal(lines.filter((l) => / unit started: /.test(l)).length, 3);
    assert.equal(lines.filter((l) => / unit finished \(\d+ sources?\): /.test(l)).length, 3);
    assertReport(result.stdout);
    const cited = listedSources(result.stdout);
    assert.ok(cited.length > 0, "the report lists sources");
    for (const url of cited) assert.ok(url.startsWith("file://") && decodeURIComponent(new URL(url).pathname).startsWith(CORPUS), url);
  });

  test("--out FILE writes the report there and nothing to stdout", async (t) => {
    const { env } = await ownRun(t);
    const out = path.join(mkdtempSync(path.join(tmpdir(), "fanout-out-")), "report.md");
    const result = await runCli([QUESTION, ...RESEARCH, "--out", out], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, "");
    assertReport(readFileSync(out, "utf8"));
    assert.match(result.stderr, new RegExp(`report written to ${out}`));
  });

  test("--json prints the report, sources, counts and timings", async (t) => {
    const { standin, env } = await ownRun(t, { units: 3 });
    const result = await runCli([QUESTION, ...RESEARCH, "--json"], { env });
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout) as {
      thread_id: string;
      report: string;
      sources: { url: string; title: string }[];
      counts: { units: number; sources: number };
      timings: { total_ms: number };
    };
    assert.equal(result.stderr.split("\n")[0], `thread: ${json.thread_id}`);
    assertReport(json.report);
    assert.ok(Array.isArray(json.sources) && json.sources.length > 0);
    for (const source of json.sources) {
      assert.equal(typeof source.url, "string");
      assert.equal(typeof source.title, "string");
    }
    const known = new Set(json.sources.map((s) => s.url));
    for (const url of listedSources(json.report)) assert.ok(known.has(url), `cited ${url} is among the sources`);
    assert.equal(json.counts.units, 3);
    assert.equal(json.counts.sources, json.sources.length);
    assert.equal(standin.stats().byRole.writer, 3 + 1, "three compressions and one final report");
    assert.ok(Number.isFinite(json.timings.total_ms) && json.timings.total_ms > 0);
  });

  test("a run whose model calls all fail exits 1 at the brief, saving no stand-in brief; the resume writes it", async (t) => {
    // 400 is not retried by the HTTP client, and a failed request is not asked again for structure.
    const { standin, env } = await ownRun(t, { behaviour: () => ({ status: 400, message: "stand-in refuses" }) });
    const result = await runCli([QUESTION, ...RESEARCH], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    const [failure, hint] = result.stderr.trimEnd().split("\n").slice(-2);
    assert.match(failure, /^fanout: the run failed: 400 stand-in refuses$/);
    assert.match(hint, /^the work so far is saved; resume with: fanout --thread [0-9a-f-]{36}$/);
    assert.deepEqual(
      standin.requests().map((r) => `${r.role}:${r.status}`),
      ["brief:400"],
      "a failed brief is not replaced by the question",
    );

    // The model recovers: the resume starts at the brief.
    const thread = /--thread ([0-9a-f-]{36})/.exec(hint)![1];
    standin.configure({ behaviour: undefined });
    const resumed = await runCli(["--thread", thread], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /^# /);
    assert.deepEqual(
      standin
        .requests()
        .filter((r) => r.role === "brief")
        .map((r) => r.status),
      [400, 200],
      "the brief was written on resume",
    );
    assert.notEqual(standin.requests().find((r) => r.role === "supervisor")?.topic, QUESTION, "the supervisor got the model's brief");
  });
});
