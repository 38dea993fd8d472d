import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, runCli } from "../../support/cli.js";
import { startStandIn } from "../../standin/server.js";
import { embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

const BUNDLE = path.join(ROOT, "dist", "cli");
const RECORD_LOADS = fileURLToPath(new URL("./fixtures/recordLoads.mjs", import.meta.url));

/** The chunks a bundled module loads with it (its static imports, transitively), by file name. */
function staticClosure(entry: string, seen = new Set<string>()): Set<string> {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const source = readFileSync(path.join(BUNDLE, entry), "utf8");
  for (const match of source.matchAll(/^import\s(?:[^;]*?from\s*)?"\.\/([^"]+)"/gm)) staticClosure(match[1], seen);
  return seen;
}

/** The packages bundled into those chunks (esbuild names each source file in a comment). */
function bundledPackages(chunks: Iterable<string>): Set<string> {
  const packages = new Set<string>();
  for (const chunk of chunks)
    for (const match of readFileSync(path.join(BUNDLE, chunk), "utf8").matchAll(/^\/\/ node_modules\/((?:@[^/]+\/)?[^/]+)\//gm)) packages.add(match[1]);
  return packages;
}

/** Runs the CLI with recordLoads.mjs preloaded; the modules it loaded, in order, "MODEL CALL" marking the first call. */
async function recordedLoads(args: string[], env: Record<string, string | undefined>): Promise<string[]> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "fanout-loads-")), "loads.txt");
  const result = await runCli(args, { env: { ...env, RECORD_LOADS_TO: file, NODE_OPTIONS: `--import ${RECORD_LOADS}` } });
  assert.equal(result.code, 0, result.stderr);
  return readFileSync(file, "utf8").split("\n").filter(Boolean);
}

/** Bundle chunks among recorded loads, by file name. */
function chunksIn(loads: string[]): string[] {
  return loads.filter((url) => url.startsWith("file:") && url.includes("/dist/cli/")).map((url) => path.basename(fileURLToPath(url)));
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

test("--version loads none of the bundle", async () => {
  const loads = await recordedLoads(["--version"], embeddedEnv());
  assert.ok(
    loads.some((url) => url.endsWith("/bin/fanout.js")),
    "the recorder saw the entry point",
  );
  assert.deepEqual(chunksIn(loads), []);
});

test("the first model call comes before undici, pino, marked, zod's other locales and the page and PDF readers are loaded", async (t) => {
  const standin = await startStandIn({ latencyMs: 0 });
  t.after(() => standin.close());
  const env = { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
  const loads = await recordedLoads(["--thread", "startup-loads", "How does tidal power generate electricity?", ...RESEARCH], env);
  const call = loads.indexOf("MODEL CALL");
  assert.ok(call > 0, "the recorder saw the first model call");
  const before = loads.slice(0, call);
  const packages = bundledPackages(chunksIn(before));
  assert.ok(packages.has("@langchain/openai") && packages.has("@langchain/langgraph"), "the recorder saw the run's chunks");
  const early = ["undici", "pino", "marked", "linkedom", "@mozilla/readability", "unpdf", "@modelcontextprotocol/sdk"].filter((name) => packages.has(name));
  assert.deepEqual(early, [], "bundled packages loaded before the first model call that it does not need");
  assert.deepEqual(
    before.filter((request) => request === "pino"),
    [],
    "pino is required from node_modules only when something is logged",
  );
  const locales = chunksIn(before).filter((chunk) => /^\/\/ node_modules\/zod\/v4\/locales\/(?!en\.js)/m.test(readFileSync(path.join(BUNDLE, chunk), "utf8")));
  assert.deepEqual(locales, [], "only zod's English messages are bundled");
});
