import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { ROOT } from "./cli.js";

/** A port nothing listens on right now (2024, the dev server's default, may be taken). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export type ServerProcess = {
  child: ChildProcess;
  url: string;
  /** Everything the process tree printed so far. */
  log(): string;
  /** Stops the whole process group (npm, the CLI and the server it spawns). */
  stop(signal?: NodeJS.Signals): Promise<void>;
};

/**
 * Runs a command in a process group of its own, so that stopping it stops
 * every process it started, and waits until `ready` answers.
 */
export async function startServer(
  command: string,
  args: string[],
  options: { env: Record<string, string | undefined>; port: number; ready: string; timeoutMs?: number },
): Promise<ServerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(options.env)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const url = `http://127.0.0.1:${options.port}`;
  const server: ServerProcess = {
    child,
    url,
    log: () => output,
    async stop(signal = "SIGKILL") {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, signal);
      } catch {
        return; // already gone
      }
      await exited;
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode} before it was ready:\n${output}`);
    const answered = await fetch(`${url}${options.ready}`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return server;
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`${command} was not ready at ${url}${options.ready}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** `npm start` as it runs in production: the compiled server (run `npm run build` first). */
export async function startFanoutServer(env: Record<string, string | undefined>): Promise<ServerProcess> {
  const port = await freePort();
  return startServer(process.execPath, [path.join(ROOT, "dist/src/server/main.js")], {
    port,
    ready: "/health",
    env: { PORT: String(port), LANGSMITH_TRACING: undefined, ...env },
  });
}

/** `npm start` on a fresh embedded store in a temp folder, its OpenAI models answered by the stand-in at `modelUrl`. */
export function startEmbeddedFanoutServer(modelUrl: string, env: Record<string, string | undefined> = {}): Promise<ServerProcess> {
  return startFanoutServer({
    OPENAI_BASE_URL: modelUrl,
    OPENAI_API_KEY: "test-key-not-secret",
    FANOUT_HOME: mkdtempSync(path.join(tmpdir(), "fanout-server-")),
    POSTGRES_URI: undefined,
    ...env,
  });
}

/** Stops a test's server and stand-in (either may not have started); DEBUG_SERVER=1 prints the server's log first. */
export async function stopServer(server: ServerProcess | undefined, standin: { close(): Promise<void> } | undefined): Promise<void> {
  if (process.env.DEBUG_SERVER) console.log(server?.log());
  await server?.stop();
  await standin?.close();
}
