/**
 * `npm run demo`: the real graph and CLI, end to end, over this project's docs/,
 * with a SCRIPTED stand-in model instead of a real one. It shows the pipeline
 * working without any key; the report's prose is canned, not research.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setMaxListeners } from "node:events";
import { startStandIn } from "../test/standin/server.js";
import { main } from "../src/cli/main.js";
import { packageRoot } from "../src/util/packageRoot.js";

setMaxListeners(1_000);
const standin = await startStandIn({ latencyMs: 150, jitterMs: 100, units: 3 });
const home = mkdtempSync(path.join(tmpdir(), "fanout-demo-"));
Object.assign(process.env, { OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: "demo", FANOUT_HOME: home });
delete process.env.POSTGRES_URI;

process.stderr.write(
  "DEMO — a scripted stand-in model answers every call (no key, no network).\n" + "The graph, search, checkpoints and CLI are real; the report's text is canned.\n\n",
);
const question = process.argv[2] ?? "How does Fanout run research units in parallel, and how does it resume a run after a crash?";
const code = await main([question, "--set", "search_api=local", "--set", `local_corpus_path=${path.join(packageRoot(), "docs")}`, "--set", "allow_clarification=false"]);
const stats = standin.stats();
process.stderr.write(`\nstand-in: ${stats.total} model calls, at most ${stats.peakInFlight} at once\n`);
await standin.close();
rmSync(home, { recursive: true, force: true });
process.exitCode = code;
