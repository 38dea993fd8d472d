/**
 * scripts/test.mjs runs many test files in each of a few long-lived processes. These tests run it on
 * fixture files and check that it cannot pass what failed: a failing test, a file that cannot load,
 * a file that never ends; and that a file does not see what the file before it left in the process.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("../../../scripts/test.mjs", import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}.test.ts`, import.meta.url));

function runTests(files: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [RUNNER, ...files.map(fixture)], { encoding: "utf8", env: { ...process.env, TEST_LANES: "1", ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the test runner", () => {
  test("passing files pass, and a file starts with the environment its lane started with", () => {
    const run = runTests(["b-passes", "c-sees-clean-env"]);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /tests 2 · suites 2 · pass 2 · fail 0/);
  });

  test("a failing test fails the run, and its file and test are named", () => {
    const run = runTests(["b-passes", "d-fails"]);
    assert.equal(run.status, 1);
    assert.match(run.stdout, /pass 2 · fail 1/);
    assert.match(run.stdout, /✖ fails on purpose/);
    assert.match(run.stdout, /✖ test\/unit\/runner\/fixtures\/d-fails\.test\.ts/);
  });

  test("a file that cannot load fails the run", () => {
    const run = runTests(["e-cannot-load", "b-passes"]);
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /this file cannot load/);
    assert.match(run.stderr, /✖ test\/unit\/runner\/fixtures\/e-cannot-load\.test\.ts failed/);
    assert.match(run.stdout, /pass 1 · fail 0/, "the file after it still runs");
  });

  test("a file that never ends fails by name after the timeout, and the files after it still run", () => {
    const run = runTests(["a-hangs", "b-passes"], { TEST_FILE_TIMEOUT_S: "2" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /a-hangs\.test\.ts: not finished after 2 s \(its tests or after hooks\); its lane was stopped/);
    assert.match(run.stdout, /✔ passes/);
  });

  test("an after hook that never ends is blamed on its own file, not on the next", () => {
    const run = runTests(["b-passes", "f-after-hangs"], { TEST_FILE_TIMEOUT_S: "2" });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /f-after-hangs\.test\.ts: not finished after 2 s/);
    assert.doesNotMatch(run.stderr, /b-passes\.test\.ts: not finished/);
  });

  test("coloured output (a terminal, FORCE_COLOR) is read as well as plain", () => {
    const run = runTests(["b-passes", "d-fails"], { FORCE_COLOR: "1" });
    assert.equal(run.status, 1);
    assert.ok(run.stdout.includes(`${String.fromCharCode(27)}[`), "the lanes did colour their lines");
    assert.match(run.stdout, /pass 2 · fail 1/);
    const passing = runTests(["b-passes"], { FORCE_COLOR: "1" });
    assert.equal(passing.status, 0, passing.stdout + passing.stderr);
  });

  test("a bad TEST_LANES is refused by name", () => {
    const run = runTests(["b-passes"], { TEST_LANES: "two" });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /TEST_LANES must be a positive integer, not "two"/);
  });
});
