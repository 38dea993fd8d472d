/**
 * `fanout index <folder>` through the compiled CLI: it builds the index (with embeddings
 * from the stand-in's /v1/embeddings), a second run reads nothing, and a research run with
 * search_api=local then searches that index.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startStandIn } from "../../standin/server.js";
import { runCli } from "../../support/cli.js";
import { CORPUS, embeddedEnv, TEST_KEY } from "./common.js";

async function setUp(t: TestContext) {
  const standin = await startStandIn({ latencyMs: 0, units: 1 });
  t.after(() => standin.close());
  const folder = mkdtempSync(path.join(tmpdir(), "fanout-index-cli-"));
  cpSync(CORPUS, folder, { recursive: true });
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const env: Record<string, string | undefined> = { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
  return { standin, folder, env };
}

describe("fanout index", () => {
  test("builds a hybrid index, reindexes nothing unchanged, and a local run searches it", async (t) => {
    const { standin, folder, env } = await setUp(t);
    const built = await runCli(["index", folder, "--set", "embedding_model=openai:text-embedding-3-small", "--json"], { env });
    assert.equal(built.code, 0, built.stderr);
    const report = JSON.parse(built.stdout) as { read: number; chunks: number; embedded: number; file: string };
    assert.ok(report.read > 0 && report.chunks > 0);
    assert.equal(report.embedded, report.chunks);
    assert.ok(report.file.startsWith(env.FANOUT_HOME!));

    const again = await runCli(["index", folder, "--set", "embedding_model=openai:text-embedding-3-small"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /; 0 read \(\d+ unchanged, 0 removed\); \d+ chunks, 0 embedded with openai:text-embedding-3-small/);

    const before = standin.stats().embeddings;
    const run = await runCli(
      ["How does tidal power generate electricity?", "--set", "search_api=local", "--set", `local_corpus_path=${folder}`, "--set", "allow_clarification=false"],
      { env },
    );
    assert.equal(run.code, 0, run.stderr);
    // Each query's embedding is asked of the index's model: the index answered the searches.
    assert.ok(standin.stats().embeddings > before);
    assert.match(run.stderr, /local index: \d+ chunks, hybrid \(openai:text-embedding-3-small\)/);
  });

  test("a missing folder is exit 2; failing embeddings are exit 1 with a keyword index left", async (t) => {
    const { standin, folder, env } = await setUp(t);
    const missing = await runCli(["index", path.join(folder, "nope")], { env });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /the local corpus folder does not exist/);
    standin.failNext(3, 500, "embeddings down");
    const failed = await runCli(["index", folder, "--set", "embedding_model=openai:text-embedding-3-small"], { env });
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /embeddings failed \(.*\); the index is keyword-only until fanout index runs again/);
    assert.match(failed.stdout, /\d+ chunks, 0 embedded/);
  });
});
