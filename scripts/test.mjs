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
/** How long a lane may take to exit after its last file: past that, something a file left open holds it. */
const EXIT_GRACE_MS = 30_000;

/** An ANSI colour code (ESC [ … m). */
const COLOUR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** Adds a lane's closing "ℹ tests 12" lines to the totals; true for such a line. */
function count(line) {
  const match = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(line);
  if (match) totals.set(match[1], (totals.get(match[1]) ?? 0) + Number(match[2]));
  return match !== null;
}

/** Prints a lane's spec output a whole file at a time, so two lanes' lines never interleave. */
function printer() {
  let pending = "";
  let block = [];
  let reported = false;
  const take = (line) => {
    // In a terminal the reporter colours its lines; the patterns below read them without.
    const plain = line.replace(COLOUR, "");
    if (count(plain)) {
      reported ||= plain.startsWith("ℹ tests ");
      return;
    }
    // A file's suite fails without a failing test when the file cannot load.
    const failedFile = /^✖ (\S+\.test\.ts) \(/.exec(plain);
    if (failedFile) failedFiles.add(failedFile[1]);
    block.push(line);
    // A top-level line marks the end of a file's suite (or the lane's closing summary).
    if (/^[✔✖﹣]/.test(plain)) flush();
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
      return reported;
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
  /** Set when this runner kills the lane itself, having said why. */
  let stopped = false;
  const stop = (why) => {
    failures.push(why);
    stopped = true;
    lane.kill("SIGKILL");
  };
  const next = () => {
    clearTimeout(timer);
    current = queue.shift();
    if (current === undefined) {
      lane.send("end");
      timer = setTimeout(() => stop(`a lane was still running ${EXIT_GRACE_MS / 1000} s after its last file: one of its files left a handle open`), EXIT_GRACE_MS);
      return;
    }
    const file = current;
    timer = setTimeout(() => {
      current = undefined;
      stop(`${file}: not finished after ${fileTimeoutMs / 1000} s (its tests or after hooks); its lane was stopped`);
    }, fileTimeoutMs);
    lane.send({ file });
  };
  lane.on("message", (message) => {
    if (message === "ready" || message?.done === current) next();
  });
  // "close", not "exit": the lane's last lines (its summary) may still be in the pipe at exit.
  lane.on("close", (code, signal) => {
    clearTimeout(timer);
    const reported = out.end();
    running -= 1;
    if (current !== undefined) failures.push(`${current}: its lane exited (${signal ?? `code ${code}`}) before the file finished`);
    else if (!stopped && !reported) failures.push(`a lane exited (${signal ?? `code ${code}`}) without reporting its tests`);
    else if (code !== 0 && !stopped) laneExits.push(code ?? signal);
    if (queue.length > 0) {
      if (stopped) startLane();
      else if (running === 0) failures.push(`never run: ${queue.splice(0).join(", ")}`);
    }
    if (running === 0) finish();
  });
}

function finish() {
  const summary = [...totals].map(([name, value]) => `${name} ${value}`).join(" · ");
  console.log(`\n${summary}`);
  const failedTests = (totals.get("fail") ?? 0) + (totals.get("cancelled") ?? 0);
  for (const file of failedFiles) failures.push(`${file} failed`);
  if (failedTests === 0 && failedFiles.size === 0 && laneExits.length > 0) failures.push(`a lane exited with ${laneExits.join(", ")} though no test failed`);
  for (const failure of failures) console.error(`✖ ${failure}`);
  const failed = failedTests > 0 || failures.length > 0;
  process.exit(failed ? 1 : 0);
}

for (let i = 0; i < laneCount; i += 1) startLane();
