/**
 * The stand-in model in a child process of its own, driven over its admin HTTP routes.
 *
 * CPU figures (process.cpuUsage, --cpu-prof) must count Fanout's work only: with the stand-in
 * in the same process, its request parsing and canned answers would be billed to Fanout.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import type { LoggedRequest, StandInStats } from "../../test/standin/server.js";
import { ROOT } from "../../test/support/cli.js";

/** What the admin route POST /_standin/config accepts (no behaviour hook: a function cannot cross HTTP). */
export type RemoteConfig = { latencyMs?: number; units?: number; searchRounds?: number };

export type RemoteStandIn = {
  /** Base URL ending in /v1. */
  url: string;
  configure(config: RemoteConfig): Promise<void>;
  reset(): Promise<void>;
  stats(): Promise<StandInStats>;
  requests(): Promise<LoggedRequest[]>;
  close(): Promise<void>;
};

/** Starts `test/standin/main.ts` and points every OpenAI model in this process at it. */
export async function startRemoteStandIn(config: RemoteConfig = {}): Promise<RemoteStandIn> {
  const child = spawn(process.execPath, ["--import", "tsx", "test/standin/main.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
  // A bench that dies must not leave the stand-in running (it would also hold the bench's stderr open).
  const stop = () => child.kill("SIGTERM");
  process.once("exit", stop);
  const url = await firstUrl(child);
  const admin = url.replace(/\/v1$/, "/_standin");
  const call = async <T>(route: string, body?: unknown): Promise<T> => {
    const response = await fetch(
      `${admin}/${route}`,
      body === undefined ? {} : { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } },
    );
    if (!response.ok) throw new Error(`stand-in ${route}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  process.env.OPENAI_BASE_URL = url;
  process.env.OPENAI_API_KEY = "test-key-not-secret";
  const standin: RemoteStandIn = {
    url,
    configure: async (patch) => void (await call("config", patch)),
    reset: async () => void (await call("reset", {})),
    stats: () => call<StandInStats>("stats"),
    requests: () => call<LoggedRequest[]>("requests"),
    close: () =>
      new Promise<void>((resolve) => {
        process.off("exit", stop);
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
  await standin.configure(config);
  return standin;
}

function firstUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = /^STANDIN_URL=(\S+)/.exec(line);
      if (match) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`the stand-in exited (${code}) before it listened`)));
  });
}
