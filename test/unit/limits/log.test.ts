import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { logLevel } from "../../../src/log.js";

const SCRIPT = fileURLToPath(new URL("./fixtures/openBreaker.ts", import.meta.url));

function runWithLevel(level: string | undefined): { stdout: string; stderr: string } {
  const env = { ...process.env, FANOUT_LOG_LEVEL: level };
  if (level === undefined) delete env.FANOUT_LOG_LEVEL;
  const child = spawnSync(process.execPath, ["--import", "tsx", SCRIPT], { env, encoding: "utf8" });
  return { stdout: child.stdout, stderr: child.stderr };
}

test("logs are JSON lines on stderr, never stdout, at the level FANOUT_LOG_LEVEL names", () => {
  const warned = runWithLevel("warn");
  assert.equal(warned.stdout, "");
  const line = warned.stderr.split("\n").find((text) => text.includes("circuit breaker"));
  assert.ok(line, warned.stderr);
  const entry = JSON.parse(line) as { level: number; lane: string; state: string; name: string };
  assert.deepEqual([entry.name, entry.lane, entry.state], ["fanout", "model:test", "Open"]);
  assert.equal(runWithLevel("error").stderr.includes("circuit breaker"), false);
});

test("an unknown FANOUT_LOG_LEVEL falls back to warn", () => {
  assert.equal(logLevel({ FANOUT_LOG_LEVEL: "loud" }), "warn");
  assert.equal(logLevel({ FANOUT_LOG_LEVEL: " DEBUG " }), "debug");
  assert.equal(logLevel({}), "warn");
});
