import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { describeIndexedCorpus, describeLocalCorpus } from "../../../src/cli/localCorpus.js";
import { preflight } from "../../../src/cli/run.js";
import { corpusFilesRead } from "../../../src/search/local/cache.js";
import { createLocalSearch, LocalCorpusError } from "../../../src/search/local/index.js";

process.env.OPENAI_API_KEY ??= "sk-test-not-used";

test("start-up only checks the corpus folder: its files are read on the first search", async () => {
  const folder = mkdtempSync(path.join(tmpdir(), "fanout-lazy-corpus-"));
  after(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(path.join(folder, "tides.html"), "<html><body><h1>Tides</h1><p>Tidal barrages turn turbines.</p></body></html>");
  writeFileSync(path.join(folder, "bees.md"), "# Bees\n\nBees dance to show where flowers are.");
  const settings = { search_api: "local", local_corpus_path: folder };

  const before = corpusFilesRead();
  await preflight(settings);
  const startLine = await describeLocalCorpus(settings);
  assert.equal(corpusFilesRead() - before, 0, "no file was read before the first search");
  assert.equal(startLine, "local corpus: 2 files, read on the first search");
  assert.equal(describeIndexedCorpus(settings), undefined, "nothing indexed yet");

  await createLocalSearch(folder).search("tidal turbines");
  assert.equal(corpusFilesRead() - before, 2, "the first search read each file once");
  assert.equal(describeIndexedCorpus(settings), "local corpus: 2 files indexed");
});

test("start-up still refuses a missing folder, and one with no file it could read", async () => {
  const folder = mkdtempSync(path.join(tmpdir(), "fanout-lazy-corpus-"));
  after(() => rmSync(folder, { recursive: true, force: true }));
  writeFileSync(path.join(folder, "data.json"), "{}");
  const problem = (error: unknown, expected: string) => error instanceof LocalCorpusError && error.problem === expected;
  await assert.rejects(preflight({ search_api: "local", local_corpus_path: path.join(folder, "missing") }), (e) => problem(e, "missing"));
  await assert.rejects(preflight({ search_api: "local", local_corpus_path: folder }), (e) => problem(e, "empty"));
});
