#!/usr/bin/env node
// The CLI runs in this process (no wrapper child), so signals reach the worker itself.
// dist/cli/ is the CLI bundled by scripts/bundle.mjs (npm run build): it starts much faster than
// the ~1,000 separate modules of dist/src/.
import { setMaxListeners } from "node:events";
import { main } from "../dist/cli/main.js";

// LangGraph adds an abort listener per step on signals that live for the whole
// run; with many parallel steps that passes Node's default warning threshold of 10.
setMaxListeners(1_000);

process.exitCode = await main(process.argv.slice(2));
