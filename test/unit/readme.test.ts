import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { configurationTable } from "../../scripts/config-table.js";

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
