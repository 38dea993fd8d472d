import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { BaseCheckpointSaver } from "@langchain/langgraph";
import { CORPUS, sharedStandIn } from "../../support/harness.js";
import { main } from "../../../src/cli/main.js";
import type { CliIo } from "../../../src/cli/io.js";
import { LeanSqliteSaver } from "../../../src/checkpoint/sqlite-saver.js";

const LOCAL = ["--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, "--set", "allow_clarification=false"];

function quietIo(): CliIo {
  const stdout = new PassThrough();
  stdout.resume();
  const stderr = new PassThrough();
  stderr.resume();
  return { stdin: new PassThrough() as unknown as NodeJS.ReadStream, stdout, stderr: stderr as unknown as NodeJS.WriteStream, onInterrupt: () => () => undefined };
}

/**
 * Reading a thread's state rebuilds its delta fields (conversations, notes, sources) from every
 * checkpoint of its history, the biggest read a run makes: the CLI reads it once per run.
 */
describe("the CLI reads a thread's whole history", () => {
  sharedStandIn();
  const saved = { home: process.env.FANOUT_HOME, pg: process.env.POSTGRES_URI };
  const home = mkdtempSync(path.join(tmpdir(), "fanout-history-reads-"));
  const walk = LeanSqliteSaver.prototype.getDeltaChannelHistory;
  let reads = 0;
  before(() => {
    process.env.FANOUT_HOME = home;
    delete process.env.POSTGRES_URI;
    LeanSqliteSaver.prototype.getDeltaChannelHistory = function (this: BaseCheckpointSaver, options) {
      if (!options.config.configurable?.checkpoint_ns) reads += 1;
      return walk.call(this, options);
    };
  });
  after(() => {
    LeanSqliteSaver.prototype.getDeltaChannelHistory = walk;
    if (saved.home === undefined) delete process.env.FANOUT_HOME;
    else process.env.FANOUT_HOME = saved.home;
    if (saved.pg) process.env.POSTGRES_URI = saved.pg;
    rmSync(home, { recursive: true, force: true });
  });

  test("once at the end of a run, and once to show a finished one", async () => {
    const thread = `history-reads-${Date.now()}`;
    assert.equal(await main(["-q", "--thread", thread, "How does a bicycle gear work?", ...LOCAL], quietIo()), 0);
    assert.equal(reads, 1);
    reads = 0;
    assert.equal(await main(["-q", "--thread", thread], quietIo()), 0);
    assert.equal(reads, 1);
  });
});
