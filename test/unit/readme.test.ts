import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { configurationTable } from "../../scripts/config-table.js";
import type { ProgressEvent } from "../../src/progress.js";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");

test("the README's configuration table is the schema's (regenerate: node --import tsx scripts/config-table.ts)", () => {
  assert.ok(readme.includes(configurationTable()), "README.md's configuration table is out of date");
});

test("the README gives the two set-up commands and the test command CI runs", () => {
  assert.match(readme, /npm ci/);
  assert.match(readme, /npx fanout "/);
  assert.match(readme, /npm test/);
  assert.match(readFileSync(new URL("../../.ci/run", import.meta.url), "utf8"), /npm test/);
});

test("the README says how to have the fanout command outside the checkout", () => {
  assert.match(readme, /`npm link`/);
  assert.match(readme, /`npm install -g \.`/);
});

/** Every progress event type, once: the compiler refuses a missing or unknown one. */
const EVENT_TYPES: Record<ProgressEvent["type"], true> = {
  stage: true,
  unit_started: true,
  unit_finished: true,
  sources_found: true,
  tool_failed: true,
  step_degraded: true,
  model_fallback: true,
  tokens: true,
};

test("the README's table of progress events lists every event type and no other", () => {
  const table = readme.slice(readme.indexOf("| event | fields |"));
  const rows = [...table.slice(0, table.indexOf("\n\n")).matchAll(/^\| `(\w+)` \|/gm)].map((match) => match[1]);
  assert.deepEqual([...rows].sort(), Object.keys(EVENT_TYPES).sort());
});
