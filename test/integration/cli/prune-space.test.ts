import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { rmSync, statSync } from "node:fs";
import path from "node:path";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { runCli } from "../../support/cli.js";
import { embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

/** The embedded store's bytes on disk (its WAL is folded back in when the last process closes it). */
function storeBytes(home: string): number {
  const file = path.join(home, "checkpoints.sqlite");
  const size = (p: string) => {
    try {
      return statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(file) + size(`${file}-wal`);
}

describe("fanout prune gives the space back (embedded store)", () => {
  let standin: StandIn;
  const store = embeddedEnv();
  const home = store.FANOUT_HOME!;
  const cli = (args: string[]) => runCli(args, { env: { ...store, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY } });
  const runs = async (count: number, tag: string) => {
    for (let i = 0; i < count; i += 1) {
      const run = await cli(["--thread", `${tag}-${i}`, "How does tidal power generate electricity?", ...RESEARCH]);
      assert.equal(run.code, 0, run.stderr);
    }
  };

  before(async () => {
    standin = await startStandIn({ latencyMs: 2, units: 2 });
  });
  after(async () => {
    await standin.close();
    rmSync(home, { recursive: true, force: true });
  });

  test("pruning every run shrinks the file, the first time and again later", async () => {
    for (const round of ["first", "second"]) {
      await runs(3, round);
      const full = storeBytes(home);
      const pruned = await cli(["prune", "--older-than", "0s"]);
      assert.equal(pruned.code, 0, pruned.stderr);
      const empty = storeBytes(home);
      assert.ok(empty < full / 4, `${round} prune: ${full} bytes before, ${empty} after`);
      assert.match(pruned.stderr, /^deleted 3 threads not updated since .*\ncompacted .*checkpoints\.sqlite: .* → .*\n$/);
    }
    const left = await cli(["threads"]);
    assert.equal(left.stderr, "no runs yet\n");
  });
});
