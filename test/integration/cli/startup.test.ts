import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ROOT, runCli } from "../../support/cli.js";
import { startStandIn } from "../../standin/server.js";
import { embeddedEnv, RESEARCH, TEST_KEY } from "./common.js";

const BUNDLE = path.join(ROOT, "dist", "cli", "main.cjs");
const RECORD_LOADS = fileURLToPath(new URL("./fixtures/recordLoads.mjs", import.meta.url));

/**
 * esbuild's helpers that evaluate a bundled module the first time it is needed (`__esm` for ES
 * modules, `__commonJS` for CommonJS ones), each keyed by the module's path. The copy made by
 * `install({ recordInits: true })` wraps them so each module's path is written to
 * $RECORD_LOADS_TO when the module is evaluated, and "BUNDLE" when the script starts.
 */
const RECORD_INITS = `
;{
  const record = (line) => require("node:fs").appendFileSync(process.env.RECORD_LOADS_TO, line + "\\n");
  record("BUNDLE");
  const recorded = (helper) => (definition, ...rest) => {
    const init = helper(definition, ...rest);
    const name = Object.getOwnPropertyNames(definition)[0];
    let seen = false;
    return function () {
      if (!seen) record("MODULE " + name);
      seen = true;
      return init.apply(this, arguments);
    };
  };
  __esm = recorded(__esm);
  __commonJS = recorded(__commonJS);
}
`;

/**
 * The CLI installed in a temp folder of its own: bin/fanout.js and the bundle copied, the rest
 * linked, so a test sees the code cache that this install writes and no other test's.
 */
function install({ recordInits = false } = {}): { bin: string; cache: string } {
  const root = mkdtempSync(path.join(tmpdir(), "fanout-install-"));
  mkdirSync(path.join(root, "bin"));
  mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
  copyFileSync(path.join(ROOT, "bin", "fanout.js"), path.join(root, "bin", "fanout.js"));
  copyFileSync(path.join(ROOT, "package.json"), path.join(root, "package.json"));
  for (const linked of ["node_modules", "prompts"]) symlinkSync(path.join(ROOT, linked), path.join(root, linked));
  const bundle = path.join(root, "dist", "cli", "main.cjs");
  let source = readFileSync(BUNDLE, "utf8");
  if (recordInits) {
    const helpersEnd = /^var __toCommonJS = .*$/m.exec(source);
    assert.ok(helpersEnd, "the bundle defines esbuild's module helpers");
    const at = helpersEnd.index + helpersEnd[0].length;
    source = source.slice(0, at) + RECORD_INITS + source.slice(at);
  }
  writeFileSync(bundle, source);
  return { bin: path.join(root, "bin", "fanout.js"), cache: `${bundle}.cache` };
}

/** Runs the CLI with recordLoads.mjs preloaded; what it recorded, in order ("MODEL CALL" marks the first call). */
async function recordedLoads(bin: string, args: string[], env: Record<string, string | undefined>): Promise<string[]> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "fanout-loads-")), "loads.txt");
  const result = await runCli(args, { bin, env: { ...env, RECORD_LOADS_TO: file, NODE_OPTIONS: `--import ${RECORD_LOADS}` } });
  assert.equal(result.code, 0, result.stderr);
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

/** The npm packages among the bundled modules evaluated in these lines. */
function packagesEvaluated(lines: string[]): Set<string> {
  const packages = new Set<string>();
  for (const line of lines) {
    const match = /^MODULE node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
    if (match) packages.add(match[1]);
  }
  return packages;
}

/** What NODE_DEBUG=fanout said about the code cache. */
function cacheLines(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((line) => /^FANOUT \d+: code cache/.test(line))
    .map((line) => line.replace(/^FANOUT \d+: /, "").replace(/: .*$/, ""));
}

test("--version loads none of the bundle", async () => {
  const { bin } = install({ recordInits: true });
  const loads = await recordedLoads(bin, ["--version"], embeddedEnv());
  assert.ok(
    loads.some((url) => url.endsWith("/bin/fanout.js")),
    "the recorder saw the entry point",
  );
  assert.deepEqual(
    loads.filter((line) => line === "BUNDLE" || line.startsWith("MODULE ")),
    [],
  );
});

test("before the first model call a run evaluates no page or PDF reader, other provider, MCP client, logger or Markdown renderer", async (t) => {
  const standin = await startStandIn({ latencyMs: 0 });
  t.after(() => standin.close());
  const { bin } = install({ recordInits: true });
  const env = { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY };
  const loads = await recordedLoads(bin, ["--thread", "startup-loads", "How does tidal power generate electricity?", ...RESEARCH], env);
  const call = loads.indexOf("MODEL CALL");
  assert.ok(call > 0, "the recorder saw the first model call");
  const before = packagesEvaluated(loads.slice(0, call));
  assert.ok(before.has("@langchain/openai") && before.has("@langchain/langgraph"), "the recorder saw the run's modules evaluated");
  const early = [
    "undici",
    "pino",
    "marked",
    "linkedom",
    "@mozilla/readability",
    "turndown",
    "unpdf",
    "@langchain/anthropic",
    "@langchain/ollama",
    "@langchain/mcp-adapters",
    "@modelcontextprotocol/sdk",
  ].filter((name) => before.has(name));
  assert.deepEqual(early, [], "bundled packages evaluated before the first model call that it does not need");
  assert.deepEqual(
    loads.slice(0, call).filter((request) => request === "pino"),
    [],
    "pino is required from node_modules only when something is logged",
  );
  const locales = loads.filter((line) => /^MODULE node_modules\/zod\/v4\/locales\/(?!en\.js)/.test(line));
  assert.deepEqual(locales, [], "only zod's English messages are bundled");
  assert.doesNotMatch(readFileSync(BUNDLE, "utf8"), /^\/\/ node_modules\/zod\/v4\/locales\/(?!en\.js)/m, "zod's other locales are not in the bundle");
});

test("the code cache: written by the first command, replaced by a research run's, then used and kept", async (t) => {
  const standin = await startStandIn({ latencyMs: 0 });
  t.after(() => standin.close());
  const { bin, cache } = install();
  const env = { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY, NODE_DEBUG: "fanout" };
  const run = async (args: string[]) => {
    const result = await runCli(args, { bin, env });
    assert.equal(result.code, 0, result.stderr);
    return cacheLines(result.stderr);
  };
  assert.deepEqual(await run(["--help"]), ["code cache absent", "code cache written"]);
  const light = readFileSync(cache);
  assert.deepEqual(await run(["threads"]), ["code cache used"], "a lighter command keeps the cache it used");
  assert.deepEqual(await run(["How does tidal power generate electricity?", ...RESEARCH]), ["code cache used", "code cache written"]);
  assert.ok(readFileSync(cache).length > light.length, "a research run's cache holds more compiled code than --help's");
  assert.deepEqual(await run(["How do windmills grind grain?", ...RESEARCH]), ["code cache used"]);
  assert.deepEqual(await run(["--help"]), ["code cache used"], "--help does not replace a research run's cache");
});

test("a damaged or stale code cache is not used: the run goes on and writes a good one", async () => {
  const { bin, cache } = install();
  const env = { ...embeddedEnv(), NODE_DEBUG: "fanout" };
  const run = async () => {
    const result = await runCli(["--help"], { bin, env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^fanout — /);
    return cacheLines(result.stderr);
  };
  assert.deepEqual(await run(), ["code cache absent", "code cache written"]);
  const good = readFileSync(cache);
  const header = good.subarray(0, good.indexOf(10) + 1);
  // V8's data garbled after a valid header: V8 refuses it.
  writeFileSync(cache, Buffer.concat([header, Buffer.alloc(good.length - header.length, 7)]));
  assert.deepEqual(await run(), ["code cache refused by V8", "code cache written"]);
  // A cache made for another build of the bundle (npm run build replaces it, but a copy may survive).
  writeFileSync(cache, Buffer.concat([Buffer.from(`${JSON.stringify({ build: "1:2", research: true })}\n`), good.subarray(header.length)]));
  assert.deepEqual(await run(), ["code cache absent", "code cache written"]);
  writeFileSync(cache, "not a cache at all");
  assert.deepEqual(await run(), ["code cache absent", "code cache written"]);
  assert.deepEqual(await run(), ["code cache used"]);
});

test("the bundled CLI loads a provider package named at run time, and names one that is not installed", async (t) => {
  const standin = await startStandIn({ latencyMs: 0 });
  t.after(() => standin.close());
  const env = {
    ...embeddedEnv(),
    OPENAI_BASE_URL: standin.url,
    OPENAI_API_KEY: TEST_KEY,
    ANTHROPIC_BASE_URL: standin.url.replace(/\/v1$/, ""),
    ANTHROPIC_API_KEY: "test-anthropic-key-not-secret",
    AWS_REGION: "eu-west-1",
  };
  const anthropic = await runCli(["How does tidal power generate electricity?", ...RESEARCH, "--set", "research_model=anthropic:claude-sonnet-4-5"], { env });
  assert.equal(anthropic.code, 0, anthropic.stderr);
  assert.ok(
    standin.requests().some((request) => request.route === "anthropic"),
    "the researcher's calls went through @langchain/anthropic",
  );
  const missing = await runCli(["How does tidal power generate electricity?", ...RESEARCH, "--set", "research_model=bedrock:anthropic.claude-v2"], { env });
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /bedrock models need the package @langchain\/aws, which is not installed/);
});

test("an install whose bundle was never built says how to build it", async () => {
  const { bin } = install();
  rmSync(path.join(path.dirname(bin), "..", "dist", "cli", "main.cjs"));
  const result = await runCli(["How does tidal power generate electricity?"], { bin, env: embeddedEnv() });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^fanout: \S+main\.cjs is missing; build the CLI with: npm run build\n$/);
});
