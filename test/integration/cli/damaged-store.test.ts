import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { copyFileSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { runCli } from "../../support/cli.js";
import { assertUsageError, embeddedEnv, escapeRegExp, RESEARCH, TEST_KEY } from "./common.js";

const FILE = "checkpoints.sqlite";

/** Ways a store gets damaged, each applied to a copy of a store holding two finished runs. */
const DAMAGE: Record<string, (source: string, home: string) => void> = {
  // Cut short while a WAL was live: SQLite only notices when it reads a missing page, mid-command.
  "truncated, with its WAL": (source, home) => {
    copyWithLiveWal(source, home);
    cutLastPages(path.join(home, FILE));
  },
  truncated: (source, home) => {
    copyFileSync(source, path.join(home, FILE));
    cutLastPages(path.join(home, FILE));
  },
  "random bytes": (_source, home) => writeFileSync(path.join(home, FILE), randomBytes(64 * 1024)),
};

describe("a damaged embedded store", () => {
  let standin: StandIn;
  const healthy = embeddedEnv();
  const thread = `damage-${Date.now()}`;

  before(async () => {
    standin = await startStandIn({ latencyMs: 2, units: 1 });
    for (const id of [thread, `${thread}-2`]) {
      const run = await runCli(["--thread", id, "How does tidal power generate electricity?", ...RESEARCH], { env: env(healthy) });
      assert.equal(run.code, 0, run.stderr);
    }
  });
  after(async () => {
    await standin.close();
    rmSync(healthy.FANOUT_HOME!, { recursive: true, force: true });
  });

  const env = (store: Record<string, string | undefined>) => ({ ...store, OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY });

  for (const [kind, damage] of Object.entries(DAMAGE)) {
    test(`${kind}: threads, show and a new run exit 2 naming the file, say how to move it aside, and write nothing`, async () => {
      const store = embeddedEnv();
      const home = store.FANOUT_HOME!;
      const file = path.join(home, FILE);
      damage(path.join(healthy.FANOUT_HOME!, FILE), home);
      const bytes = readFileSync(file);
      const calls = standin.stats().total;

      const pattern = new RegExp(
        `the embedded store ${escapeRegExp(file)} is damaged \\(.+\\).*: mkdir ${escapeRegExp(home)}/damaged-\\S+ && mv ${escapeRegExp(file)}\\* ${escapeRegExp(home)}/damaged-\\S+/$`,
      );
      for (const args of [["threads"], ["show", thread], ["--thread", thread], ["A new question about tides?", ...RESEARCH]]) {
        assertUsageError(await runCli(args, { env: env(store) }), pattern);
      }
      assert.equal(standin.stats().total, calls, "no model call was made");
      assert.ok(readFileSync(file).equals(bytes), "the damaged file was left as it was");
      rmSync(home, { recursive: true, force: true });
    });
  }

  test("the hint works: once the files are moved aside, a new run starts a new store", async () => {
    const store = embeddedEnv();
    const home = store.FANOUT_HOME!;
    DAMAGE["truncated, with its WAL"](path.join(healthy.FANOUT_HOME!, FILE), home);
    const refused = await runCli(["threads"], { env: env(store) });
    const hint = /: (mkdir .+)$/.exec(refused.stderr.trim())?.[1];
    assert.ok(hint, refused.stderr);
    const { execSync } = await import("node:child_process");
    execSync(hint, { shell: "/bin/sh" });
    const fresh = await runCli(["threads"], { env: env(store) });
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(fresh.stderr, "no runs yet\n");
    rmSync(home, { recursive: true, force: true });
  });
});

function cutLastPages(file: string): void {
  truncateSync(file, readFileSync(file).length - 3 * 4096);
}

/** Copies a closed store as a crashed writer leaves it: the main file plus a WAL holding commits. */
function copyWithLiveWal(source: string, home: string): void {
  const work = path.join(home, "work.sqlite");
  copyFileSync(source, work);
  const db = new Database(work);
  db.pragma("journal_mode = WAL");
  db.prepare("INSERT INTO writes SELECT thread_id, checkpoint_ns, checkpoint_id, task_id || '-copy', idx, channel, type, value FROM writes").run();
  copyFileSync(work, path.join(home, FILE));
  copyFileSync(`${work}-wal`, path.join(home, `${FILE}-wal`));
  db.close();
  for (const suffix of ["", "-wal", "-shm"]) rmSync(`${work}${suffix}`, { force: true });
}
