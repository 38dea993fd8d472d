// Runs the node:test suites: every *.test.ts under the folders (or files) given, by default the
// three tiers below. The conformance suite runs under Vitest instead (npm run test:conformance).
//   node scripts/test.mjs                          unit, stand-in and integration tests
//   node scripts/test.mjs test/unit test/standin   npm run test:unit (no build needed)
//   node scripts/test.mjs test/integration         npm run test:int (needs npm run build)
//
// `node --test` would start one process per file, and each spends ~2.5 s of CPU loading the graph's
// modules through tsx before its first test: over half the suite's CPU. Instead a few long-lived lanes
// (scripts/test-lane.mjs) take files from one queue, longest-known first, each file in a suite of its
// own. TEST_LANES sets how many (default 2, one per core here; tests wait on child processes
// and servers as much as they compute). A file that has not finished after TEST_FILE_TIMEOUT_S
// seconds (default 300) fails by name, and its lane is replaced.
import { fork } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const TIERS = ["test/unit", "test/standin", "test/integration"];
const LANE = fileURLToPath(new URL("./test-lane.mjs", import.meta.url));
/** Files known to take longest go first, so no lane is left with one of them at the end. */
const SLOW_FIRST = ["test/integration/cli", "test/integration/server", "test/integration/checkpoint", "test/integration"];

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "fixtures" ? [] : findTests(full);
    return entry.name.endsWith(".test.ts") ? [full] : [];
  });
}

function positiveInteger(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`${name} must be a positive integer, not "${raw}"`);
    process.exit(2);
  }
  return value;
}

function rank(file) {
  const index = SLOW_FIRST.findIndex((prefix) => file.startsWith(`${prefix}/`));
  return index === -1 ? SLOW_FIRST.length : index;
}

const roots = process.argv.length > 2 ? process.argv.slice(2) : TIERS;
const files = roots.flatMap((root) => (statSync(root).isDirectory() ? findTests(root) : [root]));
if (files.length === 0) {
  console.error(`no *.test.ts under ${roots.join(", ")}`);
  process.exit(1);
}
const queue = [...new Set(files)].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const laneCount = Math.min(positiveInteger("TEST_LANES", 2), queue.length);
const fileTimeoutMs = positiveInteger("TEST_FILE_TIMEOUT_S", 300) * 1000;

const totals = new Map();
const failures = [];
/** Files whose suite failed, with or without a failing test. */
const failedFiles = new Set();
/** Exit codes of lanes that ended badly: 1 when a test failed, anything else is the lane itself. */
const laneExits = [];
let running = 0;

/** Adds a lane's closing "ℹ tests 12" lines to the totals. */
function count(line) {
  const match = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line);
  if (match) totals.set(match[1], (totals.get(match[1]) ?? 0) + Number(match[2]));
  return match !== null;
}

/** Prints a lane's spec output a whole file at a time, so two lanes' lines never interleave. */
function printer() {
  let pending = "";
  let block = [];
  const take = (line) => {
    if (count(line)) return;
    // A file's suite fails without a failing test when the file cannot load.
    const failedFile = /^✖ (\S+\.test\.ts) \(/.exec(line);
    if (failedFile) failedFiles.add(failedFile[1]);
    block.push(line);
    // A top-level line marks the end of a file's suite (or the lane's closing summary).
    if (/^[✔✖﹣]/.test(line) || /^✖ failing tests/.test(line)) flush();
  };
  const flush = () => {
    if (block.length > 0) process.stdout.write(`${block.join("\n")}\n`);
    block = [];
  };
  return {
    write(chunk) {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop();
      for (const line of lines) take(line);
    },
    end() {
      if (pending) take(pending);
      flush();
    },
  };
}

function startLane() {
  running += 1;
  const lane = fork(LANE, [], {
    execArgv: ["--import", "tsx", "--test-reporter=spec", "--test-reporter-destination=stdout"],
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  const out = printer();
  lane.stdout.setEncoding("utf8").on("data", (chunk) => out.write(chunk));
  let current;
  let timer;
  const next = () => {
    clearTimeout(timer);
    current = queue.shift();
    if (current === undefined) {
      lane.send("end");
      return;
    }
    timer = setTimeout(() => {
      failures.push(`${current}: not finished after ${fileTimeoutMs / 1000} s; its lane was stopped`);
      current = undefined;
      lane.kill("SIGKILL");
    }, fileTimeoutMs);
    lane.send({ file: current });
  };
  lane.on("message", (message) => {
    if (message === "ready" || message?.done === current) next();
  });
  lane.on("exit", (code, signal) => {
    clearTimeout(timer);
    out.end();
    running -= 1;
    if (current !== undefined) failures.push(`${current}: its lane exited (${signal ?? `code ${code}`}) before the file finished`);
    else if (code !== 0 && signal !== "SIGKILL") laneExits.push(code ?? signal);
    if (signal === "SIGKILL" && queue.length > 0) startLane();
    if (running === 0) finish();
  });
}

function finish() {
  const summary = [...totals].map(([name, value]) => `${name} ${value}`).join(" · ");
  console.log(`\n${summary}`);
  const failedTests = (totals.get("fail") ?? 0) + (totals.get("cancelled") ?? 0);
  for (const file of failedFiles) failures.push(`${file} failed`);
  if (failedTests === 0 && failedFiles.size === 0 && laneExits.length > 0) failures.push(`a lane exited with ${laneExits.join(", ")} though no test failed`);
  if (!totals.has("tests")) failures.push("no lane reported its tests");
  for (const failure of failures) console.error(`✖ ${failure}`);
  const failed = failedTests > 0 || failures.length > 0;
  process.exit(failed ? 1 : 0);
}

for (let i = 0; i < laneCount; i += 1) startLane();
