import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { ROOT } from "../../support/cli.js";

const BUNDLE = path.join(ROOT, "dist", "cli");

/** The chunks a bundled module loads with it (its static imports, transitively), by file name. */
function staticClosure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(path.join(BUNDLE, entry), "utf8");
  for (const match of source.matchAll(/^import\s(?:[^;]*?from\s*)?"\.\/([^"]+)"/gm)) staticClosure(match[1], seen);
  return seen;
}

/** The packages bundled into those chunks (esbuild names each source file in a comment). */
function bundledPackages(chunks: Set<string>): Set<string> {
  const packages = new Set<string>();
  for (const chunk of chunks)
    for (const match of readFileSync(path.join(BUNDLE, chunk), "utf8").matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) packages.add(match[1]);
  return packages;
}

test("a run loads no page reader, PDF reader or other provider before its first model call", () => {
  const main = readFileSync(path.join(BUNDLE, "main.js"), "utf8");
  const runChunk = /import\("\.\/(run-[A-Z0-9]+\.js)"\)/.exec(main)?.[1];
  assert.ok(runChunk, "main.js loads the run command lazily");
  const loaded = bundledPackages(staticClosure(runChunk));
  assert.ok(loaded.has("@langchain/openai"), "the closure was read");
  const early = ["linkedom", "@mozilla/readability", "turndown", "unpdf", "@langchain/anthropic", "@langchain/ollama", "@langchain/mcp-adapters"].filter((name) =>
    loaded.has(name),
  );
  assert.deepEqual(early, [], "loaded only when a page, a PDF, another provider or an MCP server needs them");
});
