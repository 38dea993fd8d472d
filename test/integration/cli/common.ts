/**
 * Shared bits of the CLI integration tests (not a test file itself). It does not import
 * support/harness.ts: that loads the whole graph into the test process (over a second per file),
 * and these tests only ever talk to the compiled CLI.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import type { CliResult } from "../../support/cli.js";

/** The fixture corpus (the same folder as harness.ts's CORPUS). */
export const CORPUS = fileURLToPath(new URL("../../fixtures/corpus/", import.meta.url));

/** The key the stand-in is given; it checks none. */
export const TEST_KEY = "test-key-not-secret";

/** Settings for a fast, offline run: search the fixture corpus, never ask a clarifying question. */
export const RESEARCH = ["--set", "search_api=local", "--set", `local_corpus_path=${CORPUS}`, "--set", "allow_clarification=false"];

/** A fresh embedded store, with Postgres switched off even when the suite runs with POSTGRES_URI. */
export function embeddedEnv(): Record<string, string | undefined> {
  return { POSTGRES_URI: undefined, FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-cli-")) };
}

/** URLs listed in a report's Sources section. */
export function listedSources(report: string): string[] {
  const section = report.split(/^## Sources\s*$/m)[1] ?? "";
  return [...section.matchAll(/\]\(([^)]+)\)/g)].map((match) => match[1]);
}

/** A run that stopped on bad input: exit 2, nothing on stdout, one `fanout: …` line on stderr. */
export function assertUsageError(result: CliResult, pattern: RegExp): void {
  assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0], /^fanout: /);
  assert.match(lines[0], pattern);
}

/** A finished report as the writer formats it. */
export function assertReport(text: string): void {
  assert.match(text, /^# \S/);
  assert.match(text, /^## Sources$/m);
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
