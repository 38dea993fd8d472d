#!/usr/bin/env node
// The CLI runs in this process (no wrapper child), so signals reach the worker itself.
// dist/cli/ is the CLI bundled by scripts/bundle.mjs (npm run build): it starts much faster than
// the ~1,000 separate modules of dist/src/.
import { readFileSync } from "node:fs";

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-v")) {
  // Answered here: loading the bundle's entry and its chunks only to print a version is most of the wait.
  process.stdout.write(`${JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version}\n`);
} else {
  const { setMaxListeners } = await import("node:events");
  const { main } = await import("../dist/cli/main.js");
  // LangGraph adds an abort listener per step on signals that live for the whole
  // run; with many parallel steps that passes Node's default warning threshold of 10.
  setMaxListeners(1_000);
  process.exitCode = await main(argv);
}
