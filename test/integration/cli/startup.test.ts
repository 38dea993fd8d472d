import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
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
function install({ recordInits = false } = {}): { root: string; bin: string; cache: string; userCache: string } {
  const root = mkdtempSync(path.join(tmpdir(), "fanout-install-"));
  mkdirSync(path.join(root, "bin"));
  mkdirSync(path.join(root, "dist", "cli"), { recursive: true });
  copyFileSync(path.join(ROOT, "bin", "fanout.js"), path.join(root, "bin", "fanout.js"));
  copyFileSync(path.join(ROOT, "package.json"), path.join(root, "package.json"));
  for (const linked of ["node_modules", "prompts"]) symlinkSync(path.join(ROOT, linked), path.join(root, linked));
  copyFileSync(path.join(ROOT, "dist", "cli", "front.cjs"), path.join(root, "dist", "cli", "front.cjs"));
  const bundle = path.join(root, "dist", "cli", "main.cjs");
  let source = readFileSync(BUNDLE, "latin1");
  if (recordInits) {
    const helpersEnd = /^var __toCommonJS = .*$/m.exec(source);
    assert.ok(helpersEnd, "the bundle defines esbuild's module helpers");
    const at = helpersEnd.index + helpersEnd[0].length;
    source = source.slice(0, at) + RECORD_INITS + source.slice(at);
  }
  writeFileSync(bundle, source, "latin1");
  return { root, bin: path.join(root, "bin", "fanout.js"), cache: `${bundle}.cache`, userCache: path.join(root, "user-cache") };
}

/** The environment of a run from `install()`: its own user cache folder, so no test reads or writes the real one. */
function installEnv(installed: { userCache: string }, env: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...env, XDG_CACHE_HOME: installed.userCache };
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
    .map((line) => line.replace(/^FANOUT \d+: /, "").replace(/:? \/.*$/, ""));
}

test("--version loads none of the bundle", async () => {
  const installed = install({ recordInits: true });
  const loads = await recordedLoads(installed.bin, ["--version"], installEnv(installed, embeddedEnv()));
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
  const installed = install({ recordInits: true });
  const env = installEnv(installed, { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY });
  const loads = await recordedLoads(installed.bin, ["--thread", "startup-loads", "How does tidal power generate electricity?", ...RESEARCH], env);
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

test("the code cache: written by the first command, replaced by a research run's, then used and kept; --help reads none of the bundle", async (t) => {
  const standin = await startStandIn({ latencyMs: 0 });
  t.after(() => standin.close());
  const installed = install();
  const env = installEnv(installed, { ...embeddedEnv(), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: TEST_KEY, NODE_DEBUG: "fanout" });
  const run = async (args: string[]) => {
    const result = await runCli(args, { bin: installed.bin, env });
    assert.equal(result.code, 0, result.stderr);
    return cacheLines(result.stderr);
  };
  assert.deepEqual(await run(["--help"]), [], "--help is answered by dist/cli/front.cjs alone");
  assert.deepEqual(await run(["threads"]), ["code cache absent", "code cache written"]);
  const light = readFileSync(installed.cache);
  assert.deepEqual(await run(["threads"]), ["code cache found", "code cache used"], "a lighter command keeps the cache it used");
  assert.deepEqual(await run(["How does tidal power generate electricity?", ...RESEARCH]), ["code cache found", "code cache used", "code cache written"]);
  assert.ok(readFileSync(installed.cache).length > light.length, "a research run's cache holds more compiled code than `threads`'s");
  assert.deepEqual(await run(["How do windmills grind grain?", ...RESEARCH]), ["code cache found", "code cache used"]);
  assert.deepEqual(await run(["threads"]), ["code cache found", "code cache used"], "`threads` does not replace a research run's cache");
  assert.ok(!existsSync(installed.userCache), "a writable install keeps its cache beside the bundle");
});

test("a damaged cache or another build's is not used: the command goes on and writes a good one", async () => {
  const installed = install();
  const env = installEnv(installed, { ...embeddedEnv(), NODE_DEBUG: "fanout" });
  const run = async () => {
    const result = await runCli(["threads"], { bin: installed.bin, env });
    assert.equal(result.code, 0, result.stderr);
    return cacheLines(result.stderr);
  };
  assert.deepEqual(await run(), ["code cache absent", "code cache written"]);
  const good = readFileSync(installed.cache);
  const headerEnd = good.indexOf(10) + 1;
  const header = JSON.parse(good.subarray(0, headerEnd).toString("utf8")) as { build: string };
  // V8 trusts the data it is given: damaged data past its own header crashed the process (exit 133) until the hash was checked.
  const damaged = Buffer.from(good);
  for (let at = headerEnd + 200_000; at < damaged.length; at += 50_000) damaged[at] ^= 0xff;
  writeFileSync(installed.cache, damaged);
  assert.deepEqual(await run(), ["code cache absent", "code cache written"]);
  // Another build of the same length: V8 would take its code for this one's.
  writeFileSync(installed.cache, Buffer.concat([Buffer.from(JSON.stringify({ ...header, build: "another" }) + "\n"), good.subarray(headerEnd)]));
  assert.deepEqual(await run(), ["code cache absent", "code cache written"]);
  writeFileSync(installed.cache, "not a cache at all");
  assert.deepEqual(await run(), ["code cache absent", "code cache written"]);
  assert.deepEqual(await run(), ["code cache found", "code cache used"]);
});

test("the build's name changes with its content, so a cache outlives no rebuild", () => {
  const first = readFileSync(BUNDLE, "latin1");
  const name = /^\/\/ fanout-build (\w+)\n/.exec(first)?.[1];
  assert.ok(name, "the bundle's first line names its build");
  assert.equal(
    createHash("sha256")
      .update(first.slice(first.indexOf("\n") + 1))
      .digest("hex")
      .slice(0, 32),
    name,
  );
  assert.ok(
    readFileSync(BUNDLE).every((byte) => byte < 0x80),
    "the bundle is ASCII, so bin/fanout.js may read it as latin1",
  );
});

test("where no cache can be written beside the bundle (a read-only install), it goes to the user's cache folder", async () => {
  const installed = install();
  // A non-empty folder where the cache file would go: nothing can be renamed onto it, even by root (whom a read-only mode does not stop).
  mkdirSync(path.join(installed.cache, "occupied"), { recursive: true });
  const env = installEnv(installed, { ...embeddedEnv(), NODE_DEBUG: "fanout" });
  const first = await runCli(["threads"], { bin: installed.bin, env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stderr, /code cache not written to \S+main\.cjs\.cache:/);
  assert.match(first.stderr, /code cache written: \S+user-cache\/fanout\/main\.cjs-\w+\.cache/);
  const again = await runCli(["threads"], { bin: installed.bin, env });
  assert.deepEqual(cacheLines(again.stderr), ["code cache found", "code cache used"]);
  assert.deepEqual(
    readdirSync(path.dirname(installed.cache)).filter((name) => name.endsWith(".tmp")),
    [],
    "no temp file left behind",
  );
});

test("other V8 flags get a cache of their own instead of replacing the one there is", async () => {
  const installed = install();
  const env = installEnv(installed, { ...embeddedEnv(), NODE_DEBUG: "fanout" });
  const run = async (extra: Record<string, string>) => {
    const result = await runCli(["threads"], { bin: installed.bin, env: { ...env, ...extra } });
    assert.equal(result.code, 0, result.stderr);
    return cacheLines(result.stderr);
  };
  assert.deepEqual(await run({}), ["code cache absent", "code cache written"]);
  assert.deepEqual(await run({ NODE_OPTIONS: "--max-old-space-size=3000" }), ["code cache absent", "code cache written"]);
  assert.deepEqual(await run({}), ["code cache found", "code cache used"]);
  assert.deepEqual(await run({ NODE_OPTIONS: "--max-old-space-size=3000" }), ["code cache found", "code cache used"]);
  const caches = readdirSync(path.dirname(installed.cache)).filter((name) => name.endsWith(".cache"));
  assert.equal(caches.length, 2, caches.join(", "));
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
  const installed = install();
  rmSync(path.join(installed.root, "dist", "cli", "main.cjs"));
  const result = await runCli(["How does tidal power generate electricity?"], { bin: installed.bin, env: installEnv(installed, embeddedEnv()) });
  assert.equal(result.code, 2);
  assert.match(result.stderr, /^fanout: \S+main\.cjs is missing; build the CLI with: npm run build\n$/);
});
