import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { dropSchema } from "./postgres.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = path.join(ROOT, "bin", "fanout.js");

/** Where a test's runs are kept: a fresh embedded store, or Postgres in a schema of its own. */
export type Store = { name: "embedded" | "postgres"; env: Record<string, string | undefined> };

/** The stores the durability suite runs against: embedded always, Postgres when POSTGRES_URI is set. */
export function stores(): Store[] {
  const list: Store[] = [{ name: "embedded", env: { POSTGRES_URI: undefined, FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-test-")) } }];
  const uri = process.env.POSTGRES_URI;
  if (uri) list.push({ name: "postgres", env: { POSTGRES_URI: uri, FANOUT_PG_SCHEMA: `fanout_test_${process.pid}_${Date.now()}` } });
  return list;
}

export type CliResult = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

export type CliOptions = {
  env?: Record<string, string | undefined>;
  input?: string;
  cwd?: string;
  /** Another copy of bin/fanout.js (an install of the CLI in a temp folder); the checkout's by default. */
  bin?: string;
};

/** Starts the real CLI (compiled, as `npx fanout` runs it) as a child process. */
export function startCli(
  args: string[],
  options: CliOptions = {},
): { child: ChildProcess; done: Promise<CliResult>; stderrLines: (predicate: (line: string) => boolean) => Promise<string> } {
  // Tests count the calls the stand-in sees, so the caches are on only where a test asks for them.
  const env: NodeJS.ProcessEnv = { FANOUT_CACHE: "false", FANOUT_SEARCH_CACHE_TTL_SECONDS: "0", ...process.env };
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, [options.bin ?? BIN, ...args], { cwd: options.cwd ?? ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  const waiters: { predicate: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  child.stdout!.on("data", (chunk) => (stdout += chunk));
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
    for (const line of String(chunk).split("\n")) {
      for (const waiter of [...waiters]) {
        if (waiter.predicate(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  if (options.input !== undefined) child.stdin!.end(options.input);
  else child.stdin!.end();
  const done = new Promise<CliResult>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
  return {
    child,
    done,
    stderrLines: (predicate) => new Promise((resolve) => waiters.push({ predicate, resolve })),
  };
}

export async function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** Removes what a test store left behind: the Postgres schema (the embedded folder is a temp dir). */
export async function dropStore(store: Store): Promise<void> {
  const schema = store.env.FANOUT_PG_SCHEMA;
  if (store.name === "postgres" && schema && store.env.POSTGRES_URI) await dropSchema(store.env.POSTGRES_URI, schema);
}
