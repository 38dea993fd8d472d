/**
 * `npm run eval`, offline: the graph over the dataset against the stand-in, every report
 * scored, results written to a folder of the test's own.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { StandIn } from "../standin/server.js";
import { CORPUS, useStandIn } from "../support/harness.js";
import { parseEvalArgs, runEvaluation } from "../../eval/main.js";
import { loadDataset } from "../../eval/dataset.js";
import type { ResultLine } from "../../eval/results.js";

const COMPUTED = ["citation_validity", "citation_support", "sources_used", "structure", "aspect_coverage"];
const JUDGED = ["quality", "groundedness", "completeness"];

function readLines<T>(file: string): T[] {
  return readFileSync(file, "utf8")
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as T);
}

describe("npm run eval (offline)", () => {
  let standin: StandIn;
  const saved = { home: process.env.FANOUT_HOME, postgres: process.env.POSTGRES_URI, langsmith: process.env.LANGSMITH_API_KEY };
  before(async () => {
    standin = await useStandIn({ units: 2 });
    process.env.FANOUT_HOME = mkdtempSync(path.join(tmpdir(), "fanout-eval-home-"));
    delete process.env.POSTGRES_URI;
    delete process.env.LANGSMITH_API_KEY;
  });
  after(async () => {
    await standin.close();
    if (saved.home === undefined) delete process.env.FANOUT_HOME;
    else process.env.FANOUT_HOME = saved.home;
    if (saved.postgres) process.env.POSTGRES_URI = saved.postgres;
    if (saved.langsmith) process.env.LANGSMITH_API_KEY = saved.langsmith;
  });

  test("the project's dataset has at least 20 questions, each with aspects", () => {
    const items = loadDataset(parseEvalArgs([]).datasets);
    assert.ok(items.length >= 20, `${items.length} questions`);
    for (const item of items) assert.ok(item.aspects.length >= 2, `${item.id} has aspects`);
  });

  test("--limit 2 runs two questions over the README corpus, scores each, and writes results, reports and a summary", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "fanout-eval-results-"));
    const logged: string[] = [];
    const options = parseEvalArgs(["--limit", "2", "--results", root, "--set", "judge_model=openai:judge-model", "--set", "verify_citations=claims"]);
    const { folder, failed } = await runEvaluation({ ...options, log: (line) => logged.push(line) });
    assert.equal(failed, 0, logged.join("\n"));
    const lines = readLines<ResultLine>(path.join(folder!, "results.jsonl"));
    assert.deepEqual(
      lines.map((line) => line.id),
      ["readme-01", "readme-02"],
    );
    for (const line of lines) {
      assert.equal(line.status, "done");
      assert.deepEqual(Object.keys(line.scores), [...COMPUTED, ...JUDGED]);
      assert.equal(line.scores.citation_validity, 1, line.comments.citation_validity);
      assert.equal(typeof line.scores.citation_support, "number", "claims were checked");
      assert.equal(line.scores.structure, 1, line.comments.structure);
      assert.ok(line.sources_retrieved > 0);
      assert.match(readFileSync(path.join(folder!, "reports", `${line.id}.md`), "utf8"), /\.md\)$/m, "cites corpus files");
    }
    const judged = standin.requests().filter((request) => request.model === "judge-model");
    assert.equal(judged.length, 2, "the judge model scored each report once");
    const sources = readFileSync(path.join(folder!, "reports", "readme-01.md"), "utf8");
    assert.match(sources, /fanout-eval-corpus-[^/]+\/[^/]+\.md\)/, "sources are README copies");
    const corpus = /(\/[^()\s]*fanout-eval-corpus-[^/]+)\//.exec(sources)![1];
    assert.equal(existsSync(corpus), false, "the corpus is removed afterwards");
    const articles = readLines<{ id: string; prompt: string; article: string }>(path.join(folder!, "articles.jsonl"));
    assert.deepEqual(
      articles.map((article) => Object.keys(article)),
      [
        ["id", "prompt", "article"],
        ["id", "prompt", "article"],
      ],
    );
    const summary = readFileSync(path.join(folder!, "summary.md"), "utf8");
    assert.match(summary, /^\| readme-01 \| done \| 1\.00 \|/m);
    assert.match(summary, /^\| \*\*mean\*\* \| 2\/2 done \|/m);
    assert.match(summary, /judge openai:judge-model/);
  });

  test("--dataset runs a prompt file (DeepResearch Bench's shape); --compare runs each question twice and the judge picks", async () => {
    const root = mkdtempSync(path.join(tmpdir(), "fanout-eval-results-"));
    const dataset = path.join(root, "tasks.jsonl");
    writeFileSync(dataset, `${JSON.stringify({ id: 7, topic: "Energy", language: "en", prompt: "How does tidal power generate electricity?" })}\n`);
    const options = parseEvalArgs([
      "--dataset",
      dataset,
      "--results",
      root,
      "--set",
      "search_api=local",
      "--set",
      `local_corpus_path=${CORPUS}`,
      "--set",
      "judge_model=openai:judge-model",
      "--compare",
      "max_search_results=2",
    ]);
    const { folder, failed } = await runEvaluation({ ...options, log: () => {} });
    assert.equal(failed, 0);
    const lines = readLines<ResultLine>(path.join(folder!, "results.jsonl"));
    assert.deepEqual(
      lines.map((line) => [line.id, line.side]),
      [
        ["7", "A"],
        ["7", "B"],
      ],
    );
    assert.equal(lines[0].scores.aspect_coverage, null, "no aspects in a prompt file");
    assert.deepEqual(readdirSync(path.join(folder!, "reports")).sort(), ["7-A.md", "7-B.md"]);
    const [verdict] = readLines<{ id: string; preferred: string }>(path.join(folder!, "pairwise.jsonl"));
    assert.equal(verdict.id, "7");
    assert.ok(["A", "B", "tie"].includes(verdict.preferred));
    const [article] = readLines<{ id: unknown; prompt: string }>(path.join(folder!, "articles.jsonl"));
    assert.equal(article.id, 7, "the bench's numeric id is kept");
    assert.match(readFileSync(path.join(folder!, "summary.md"), "utf8"), /## Pairwise/);
  });

  test("a bad dataset line or --limit is refused naming what is wrong", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "fanout-eval-bad-")), "bad.jsonl");
    writeFileSync(file, '{"id": 1, "question": "ok"}\n{"id": 2}\n');
    assert.throws(() => loadDataset([file]), /bad\.jsonl:2: needs a question \(or prompt\)/);
    assert.throws(() => parseEvalArgs(["--limit", "0"]), /--limit takes a whole number/);
  });
});
