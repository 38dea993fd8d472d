/**
 * LangSmith tracing (LANGSMITH_TRACING=true) must not hold the CLI up when LangSmith cannot be
 * reached: the report is printed, the process exits soon after, and stderr says once that traces
 * were not sent. A LangSmith that answers gets the traces and no warning.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import net from "node:net";
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { startStandIn, type StandIn } from "../../standin/server.js";
import { startCli } from "../../support/cli.js";
import { assertReport, embeddedEnv, escapeRegExp, RESEARCH } from "./common.js";

const QUESTION = "How does tidal power generate electricity?";
const WARNING = /traces could not be sent/;

type FakeLangSmith = { url: string; requests: string[]; bodies: string[]; close: () => Promise<void> };

/** A LangSmith endpoint that accepts connections and never answers. */
async function silentLangSmith(): Promise<FakeLangSmith> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    requests: [],
    bodies: [],
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A LangSmith endpoint nothing listens on. */
async function refusingLangSmith(): Promise<FakeLangSmith> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return { url: `http://127.0.0.1:${port}`, requests: [], bodies: [], close: async () => {} };
}

/** A LangSmith endpoint that accepts everything it is sent. */
async function answeringLangSmith(): Promise<FakeLangSmith> {
  const requests: string[] = [];
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      bodies.push((req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body).toString("utf8"));
      res.writeHead(req.url === "/info" ? 200 : 202, { "content-type": "application/json" });
      res.end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    requests,
    bodies,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe("tracing to LangSmith", { concurrency: true }, () => {
  const cases: [string, () => Promise<FakeLangSmith>, boolean][] = [
    ["that never answers", silentLangSmith, false],
    ["that refuses connections", refusingLangSmith, false],
    ["that answers", answeringLangSmith, true],
  ];
  for (const [name, start, reachable] of cases) {
    test(
      `a LangSmith ${name}: the run finishes and the process exits${reachable ? "; the traces arrive" : ", saying once that traces were not sent"}`,
      { timeout: 150_000 },
      async (t) => {
        const langsmith = await start();
        // A researcher's second turn is refused with an error that echoes the key: traces record errors.
        const standin: StandIn = await startStandIn({
          latencyMs: 2,
          units: 2,
          behaviour: (request) =>
            request.role === "researcher" && request.messages.some((m) => m.role === "tool")
              ? { status: 401, message: "Incorrect API key provided", echoKey: true }
              : undefined,
        });
        t.after(async () => {
          await standin.close();
          await langsmith.close();
        });
        const langsmithKey = `lsv2_pt_canary${randomBytes(12).toString("hex")}`;
        const openaiKey = `sk-canary-${randomBytes(12).toString("hex")}`;
        const run = startCli([QUESTION, ...RESEARCH], {
          env: {
            ...embeddedEnv(),
            OPENAI_BASE_URL: standin.url,
            OPENAI_API_KEY: openaiKey,
            LANGSMITH_TRACING: "true",
            LANGSMITH_ENDPOINT: langsmith.url,
            LANGSMITH_API_KEY: langsmithKey,
          },
        });
        t.after(() => run.child.kill("SIGKILL"));
        const result = await run.done;
        assert.equal(result.code, 0, result.stderr);
        assertReport(result.stdout);
        for (const key of [langsmithKey, openaiKey]) assert.ok(!`${result.stdout}${result.stderr}`.includes(key), "no key is shown");
        const warnings = result.stderr.split("\n").filter((line) => WARNING.test(line));
        if (reachable) {
          assert.deepEqual(warnings, []);
          assert.ok(
            langsmith.requests.some((request) => /^POST \/runs/.test(request)),
            `traces were posted: ${langsmith.requests.join(", ")}`,
          );
          const traced = langsmith.bodies.join("\n");
          assert.match(traced, /Incorrect API key provided/, "the refused calls were traced");
          assert.ok(!traced.includes(openaiKey), "the echoed key was not sent to LangSmith");
        } else {
          assert.equal(warnings.length, 1, `one warning, got:\n${result.stderr}`);
          assert.match(warnings[0], new RegExp(`^fanout: traces could not be sent to LangSmith at ${escapeRegExp(langsmith.url)}`));
          assert.doesNotMatch(result.stderr, /\[LANGSMITH\]|Context: trace=/, "no trace client noise");
        }
      },
    );
  }
});
