#!/usr/bin/env node
// The CLI runs in this process (no wrapper child), so signals reach the worker itself.
// dist/cli/main.cjs is the CLI bundled into one script by scripts/bundle.mjs (npm run build). It is
// compiled here with a V8 code cache, so a run does not parse and compile the same megabytes of
// JavaScript again each time it starts (Node 20 keeps no compiled module code of its own).
import { createHash } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import { createRequire } from "node:module";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { debuglog } from "node:util";
import { Script } from "node:vm";

const argv = process.argv.slice(2);
// A reader that stops reading (`fanout --help | head`) is not a failure (as src/cli/io.ts does for the bundle).
process.stdout.on("error", (error) => {
  if (error.code !== "EPIPE") throw error;
});
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  // Answered here: loading the bundle only to print a version is most of the wait.
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  const script = fileURLToPath(new URL("../dist/cli/main.cjs", import.meta.url));
  const front = fileURLToPath(new URL("../dist/cli/front.cjs", import.meta.url));
  if (!existsSync(script) || !existsSync(front)) {
    process.stderr.write(`fanout: ${existsSync(script) ? front : script} is missing; build the CLI with: npm run build\n`);
    process.exit(2);
  }
  const { helpRequested, HELP } = createRequire(import.meta.url)(front);
  if (helpRequested(argv)) process.stdout.write(HELP);
  else await runBundle(script);
}

async function runBundle(script) {
  const { setMaxListeners } = await import("node:events");
  const bundle = loadScript(script);
  const cli = bundle.exports;
  // A script compiled by vm has no loader for import(): provider packages named at run time come through this module's.
  cli.setPackageImporter((name) => import(name));
  // LangGraph adds an abort listener per step on signals that live for the whole
  // run; with many parallel steps that passes Node's default warning threshold of 10.
  setMaxListeners(1_000);
  process.exitCode = await cli.main(argv);
  // A research run compiles what the next one needs; `threads` or `config` compile a small part of it.
  bundle.keepCodeCache(cli.ranCommand() === "run");
}

/** NODE_DEBUG=fanout says which code cache was used and written. */
function debug(message) {
  debuglog("fanout")(message);
}

function sha256(bytes) {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Where the code cache may be: beside the bundle, else (a read-only install) in the user's cache
 * folder. V8 refuses a cache made under other V8 flags, so each set of flags has a file of its own.
 */
function cacheFiles(file) {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join(" ").trim();
  const tag = flags ? `.${sha256(flags).slice(0, 12)}` : "";
  const userCache = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "fanout");
  return [`${file}${tag}.cache`, join(userCache, `${basename(file)}-${sha256(file).slice(0, 16)}${tag}.cache`)];
}

/**
 * Runs a CommonJS script, compiled with a code cache made for this build of it when there is one.
 * A cache file is a line of JSON (the build, the data's hash, whether a research run made it), then
 * V8's data: the hash is checked first, since V8 trusts the data it is given and damaged data can
 * crash the process; the build, since V8 only checks that the source has the same length.
 */
function loadScript(file) {
  const bytes = readFileSync(file);
  const named = /^\/\/ fanout-build (\w+)\n/.exec(bytes.subarray(0, 64).toString("latin1"))?.[1];
  // A named build is ASCII only (scripts/bundle.mjs): read as latin1, it decodes ~10× faster than as
  // UTF-8 and V8 keeps it at one byte per character.
  const text = named ? bytes.toString("latin1") : bytes.toString("utf8");
  const build = named ?? sha256(bytes);
  const candidates = cacheFiles(file);
  const found = candidates.map((path) => ({ path, ...readCache(path, build) })).find((cache) => cache.data);
  debug(found ? `code cache found: ${found.path}` : `code cache absent: ${candidates.join(", ")}`);
  // Strict, as the ES modules it was bundled from; on one line, so stack traces keep the bundle's line numbers.
  const source = `(function (exports, require, module, __filename, __dirname) {"use strict";${text}\n})`;
  const script = new Script(source, { filename: file, cachedData: found?.data });
  const used = found !== undefined && !script.cachedDataRejected;
  if (found) debug(`code cache ${used ? "used" : "refused by V8"}`);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    /** Writes the cache when none was used, or when a research run replaces one made by a lighter command. */
    keepCodeCache(research) {
      if (used && (found.research || !research)) return;
      for (const path of used ? [found.path] : candidates) if (writeCache(path, script, { build, research })) return;
    },
  };
}

/** The cache at `path` if it is whole and made for this build: `{ data, research }`, or nothing. */
function readCache(path, build) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch {
    return {};
  }
  const end = bytes.indexOf(10);
  try {
    const header = JSON.parse(bytes.subarray(0, Math.max(end, 0)).toString("utf8"));
    const data = bytes.subarray(end + 1);
    if (header.build !== build || header.sha256 !== sha256(data)) return {};
    return { data, research: header.research === true };
  } catch {
    return {};
  }
}

/**
 * Writes the cache whole or not at all (a temp file, renamed over the old one, so processes that
 * finish together each write a whole file). The temp file is created before V8 serialises
 * anything: where the folder is read-only, that costs nothing. False when it could not be written.
 */
function writeCache(path, script, header) {
  const temporary = `${path}.${process.pid}.tmp`;
  let fd;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    fd = openSync(temporary, "wx", 0o600);
    const data = script.createCachedData();
    writeSync(fd, `${JSON.stringify({ ...header, sha256: sha256(data) })}\n`);
    writeSync(fd, data);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
    debug(`code cache written: ${path} (${data.length} bytes)`);
    return true;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    rmSync(temporary, { force: true });
    debug(`code cache not written to ${path}: ${error.message}`);
    return false;
  }
}
