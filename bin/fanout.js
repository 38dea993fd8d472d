#!/usr/bin/env node
// The CLI runs in this process (no wrapper child), so signals reach the worker itself.
// dist/cli/main.cjs is the CLI bundled into one script by scripts/bundle.mjs (npm run build). It is
// compiled here with a V8 code cache kept beside it, so a run does not parse and compile the same
// megabytes of JavaScript again each time it starts (Node 20 caches no module code of its own).
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { debuglog } from "node:util";
import { Script } from "node:vm";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  // Answered here: loading the bundle only to print a version is most of the wait.
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  const { setMaxListeners } = await import("node:events");
  const script = fileURLToPath(new URL("../dist/cli/main.cjs", import.meta.url));
  if (!existsSync(script)) {
    process.stderr.write(`fanout: ${script} is missing; build the CLI with: npm run build\n`);
    process.exit(2);
  }
  const bundle = loadScript(script);
  const cli = bundle.exports;
  // A script compiled by vm has no loader for import(): provider packages named at run time come through this module's.
  cli.setPackageImporter((name) => import(name));
  // LangGraph adds an abort listener per step on signals that live for the whole
  // run; with many parallel steps that passes Node's default warning threshold of 10.
  setMaxListeners(1_000);
  process.exitCode = await cli.main(argv);
  // A research run compiles what the next one needs; --help or `threads` compile a small part of it.
  bundle.keepCodeCache(cli.ranCommand() === "run");
}

/** NODE_DEBUG=fanout says whether the code cache was used and written. */
function debug(message) {
  debuglog("fanout")(message);
}

/**
 * Runs a CommonJS script, compiled with the V8 code cache in `<file>.cache` when there is one for
 * this build of the file. The cache is a line of JSON (the file's size and time, and whether a
 * research run made it) followed by V8's data; V8 itself refuses data from another Node version.
 */
function loadScript(file) {
  const cacheFile = `${file}.cache`;
  const { size, mtimeMs } = statSync(file);
  const build = `${size}:${mtimeMs}`;
  const cached = readCache(cacheFile, build);
  // Strict, as the ES modules it was bundled from; on one line, so stack traces keep the bundle's line numbers.
  const source = `(function (exports, require, module, __filename, __dirname) {"use strict";${readFileSync(file, "utf8")}\n})`;
  const script = new Script(source, { filename: file, cachedData: cached?.data });
  const used = cached !== undefined && !script.cachedDataRejected;
  debug(`code cache ${cached === undefined ? "absent" : used ? "used" : "refused by V8"}: ${cacheFile}`);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports,
    /** Writes the cache when none was used, or when a research run replaces one made by a lighter command. */
    keepCodeCache(research) {
      if (used && (cached.research || !research)) return;
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      try {
        const data = script.createCachedData();
        writeFileSync(temporary, Buffer.concat([Buffer.from(`${JSON.stringify({ build, research })}\n`), data]));
        renameSync(temporary, cacheFile); // atomic: processes finishing together each write whole files
        debug(`code cache written: ${cacheFile} (${data.length} bytes)`);
      } catch (error) {
        // A read-only install runs without a cache; nothing else depends on it.
        rmSync(temporary, { force: true });
        debug(`code cache not written: ${error.message}`);
      }
    },
  };
}

/** The cached data for this build of the bundle, or undefined (none, unreadable, or another build's). */
function readCache(cacheFile, build) {
  let bytes;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return undefined;
  }
  const end = bytes.indexOf(10);
  if (end < 0) return undefined;
  try {
    const header = JSON.parse(bytes.subarray(0, end).toString("utf8"));
    if (header.build !== build) return undefined;
    return { research: header.research === true, data: bytes.subarray(end + 1) };
  } catch {
    return undefined;
  }
}
