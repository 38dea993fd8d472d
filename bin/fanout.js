#!/usr/bin/env node
// The CLI runs in this process (no wrapper child), so signals reach the worker itself.
import { main } from "../dist/src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
