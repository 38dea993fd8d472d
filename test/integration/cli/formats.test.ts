/**
 * `--format md|html|json|pdf`: the same report, printed for people, for a
 * browser or for a program, on a new run, a resume, a finished thread and `show`.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { runCli } from "../../support/cli.js";
import { assertReport, assertUsageError, embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

const QUESTION = "How does tidal power generate electricity?";

async function ownRun(t: TestContext, behaviour?: Parameters<StandIn["configure"]>[0]["behaviour"]) {
  const standin = await startStandIn({ latencyMs: 2, units: 2, behaviour });
  t.after(() => standin.close());
  return { standin, env: { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY } };
}

/** The HTML page's checks: one document, a contents list, citations that jump to numbered, linked sources. */
function assertReportPage(html: string): void {
  assert.match(html, /^<!doctype html>/);
  assert.equal(html.match(/<html/g)?.length, 1, "one document");
  assert.doesNotMatch(html, /<(?:script|link|img)\b/, "self-contained: no scripts, stylesheets or images to fetch");
  assert.match(html, /<nav class="toc"[\s\S]*<a href="#sources">Sources<\/a>/);
  const sources = [...html.matchAll(/<li id="source-(\d+)" value="\d+"><a href="([^"]+)">/g)];
  assert.ok(sources.length > 0, "numbered sources that are links");
  assert.deepEqual(
    sources.map((match) => Number(match[1])),
    sources.map((_, index) => index + 1),
  );
  for (const [, , href] of sources) assert.match(href, /^file:\/\//);
  const citations = [...html.matchAll(/<sup class="cite"><a href="#source-(\d+)">/g)].map((match) => Number(match[1]));
  assert.ok(citations.length > 0, "citations link to their source");
  for (const number of citations) assert.ok(number <= sources.length, `citation ${number} has a source`);
}

function threadOf(stderr: string): string {
  const id = /^thread: (\S+)$/m.exec(stderr)?.[1];
  assert.ok(id, stderr);
  return id;
}

describe("report formats", { concurrency: true }, () => {
  test("a new run prints an HTML page; --thread and show print the same page from the store", async (t) => {
    const { env } = await ownRun(t);
    const run = await runCli([QUESTION, ...RESEARCH, "--format", "html"], { env });
    assert.equal(run.code, 0, run.stderr);
    assertReportPage(run.stdout);
    const thread = threadOf(run.stderr);

    const again = await runCli(["--thread", thread, "--format", "html"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, run.stdout);

    const out = path.join(mkdtempSync(path.join(tmpdir(), "fanout-format-")), "report.html");
    const shown = await runCli(["show", thread, "--format", "html", "--out", out], { env });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(readFileSync(out, "utf8"), run.stdout);

    const markdown = await runCli(["show", thread, "--format", "md", "--out", out], { env });
    assert.equal(markdown.code, 0, markdown.stderr);
    assertReport(readFileSync(out, "utf8"));

    const json = await runCli(["--thread", thread, "--format", "json"], { env });
    assert.equal(json.code, 0, json.stderr);
    const result = JSON.parse(json.stdout) as { status: string; report: string };
    assert.equal(result.status, "done");
    assertReport(result.report);
  });

  test("a resumed run prints its report in the format asked for", async (t) => {
    const writerFails = (request: { role: string; topic: string }) =>
      request.role === "writer" && request.topic.startsWith("You write the final report") ? { status: 400, message: "writer refuses" } : undefined;
    const { standin, env } = await ownRun(t, writerFails);
    const failed = await runCli([QUESTION, ...RESEARCH], { env });
    assert.equal(failed.code, 1, failed.stderr);
    standin.configure({ behaviour: undefined });
    const resumed = await runCli(["--thread", threadOf(failed.stderr), "--format", "html"], { env });
    assert.equal(resumed.code, 0, resumed.stderr);
    assertReportPage(resumed.stdout);
  });

  test("export --format drb writes finished runs as DeepResearch Bench {id, prompt, article} lines", async (t) => {
    const { env } = await ownRun(t);
    const numbered = await runCli(["--thread", "12", QUESTION, ...RESEARCH], { env });
    assert.equal(numbered.code, 0, numbered.stderr);
    const other = await runCli(["What is a honeybee waggle dance?", ...RESEARCH], { env });
    assert.equal(other.code, 0, other.stderr);

    const all = await runCli(["export", "--format", "drb"], { env });
    assert.equal(all.code, 0, all.stderr);
    const lines = all.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line) as { id: unknown; prompt: string; article: string });
    assert.deepEqual(
      lines.map((line) => Object.keys(line)),
      [
        ["id", "prompt", "article"],
        ["id", "prompt", "article"],
      ],
    );
    assert.deepEqual(
      lines.map((line) => line.prompt),
      [QUESTION, "What is a honeybee waggle dance?"],
      "oldest first",
    );
    assert.equal(lines[0].id, 12, "an all-digit thread id is the bench's numeric task id");
    assert.equal(lines[1].id, threadOf(other.stderr));
    assert.equal(lines[0].article, numbered.stdout);

    const out = path.join(mkdtempSync(path.join(tmpdir(), "fanout-drb-")), "articles.jsonl");
    const one = await runCli(["export", "--format", "drb", "--thread", "12", "--out", out], { env });
    assert.equal(one.code, 0, one.stderr);
    assert.equal(readFileSync(out, "utf8"), `${all.stdout.split("\n")[0]}\n`);
    assertUsageError(await runCli(["export"], { env }), /fanout export needs --format drb/);
  });

  test("bad format requests are refused before any work", async () => {
    const env = { ...embeddedEnv(), OPENAI_API_KEY: TEST_KEY };
    assertUsageError(await runCli([QUESTION, "--format", "docx"], { env }), /--format "docx" is not one of md, html, json, pdf/);
    assertUsageError(await runCli([QUESTION, "--format", "pdf"], { env }), /--format pdf writes a file: add --out FILE\.pdf/);
    assertUsageError(await runCli([QUESTION, "--json", "--format", "html"], { env }), /with --format html add --out FILE/);
    const noBrowser = await runCli([QUESTION, "--format", "pdf", "--out", path.join(tmpdir(), "r.pdf")], {
      env: { ...env, PATH: mkdtempSync(path.join(tmpdir(), "fanout-no-browser-")), CHROME_PATH: undefined },
    });
    assertUsageError(noBrowser, /needs a headless Chromium and none was found .*apt-get install chromium/);
  });
});
