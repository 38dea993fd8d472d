import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { loadPrompt, renderTemplate } from "../../src/prompts.js";

test("placeholders are filled once, without re-reading inserted text", () => {
  assert.equal(renderTemplate("Hi {{name}}, {{ date }}", { name: "{{date}}", date: "today" }), "Hi {{date}}, today");
});

test("a missing value or a leftover value throws", () => {
  assert.throws(() => renderTemplate("Hi {{name}}", {}), /no value for \{\{name\}\}/);
  assert.throws(() => renderTemplate("Hi", { name: "x" }), /no placeholder for name/);
});

test("every prompt file loads by name and is not empty", () => {
  const names = readdirSync(new URL("../../prompts/", import.meta.url)).filter((f) => f.endsWith(".txt"));
  assert.ok(names.length >= 8);
  for (const file of names) assert.ok(loadPrompt(file.replace(/\.txt$/, "")).trim().length > 50, file);
});
