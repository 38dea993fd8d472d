/** Stand-in server (a test tool): HTTP surface, admin routes, and the standalone main.ts. */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { startStandIn } from "./server.js";
import { postJson, rootOf, suiteStandIn } from "./helpers.js";
import type { StandIn } from "./types.js";

describe("stand-in HTTP surface", () => {
  const current = suiteStandIn();
  let standIn: StandIn;
  beforeEach(() => {
    standIn = current();
  });

  it("listens on 127.0.0.1 with a /v1 base URL and lists models", async () => {
    assert.match(standIn.url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    assert.ok(standIn.port > 0);
    const response = await fetch(`${standIn.url}/models`);
    const json = (await response.json()) as { object: string; data: { id: string }[] };
    assert.equal(json.object, "list");
    assert.ok(json.data.some((model) => model.id === "gpt-4.1"));
  });

  it("answers malformed bodies with 400 and an OpenAI-style error", async () => {
    const url = `${standIn.url}/chat/completions`;
    const cases: unknown[] = [
      "{not json",
      { model: "gpt-4.1" },
      { model: "gpt-4.1", messages: [{ role: "wizard", content: "hi" }] },
      { model: "gpt-4.1", messages: [{ role: "user", content: "hi" }], tool_choice: { type: "function", function: { name: "missing" } } },
      { model: "gpt-4.1", messages: [{ role: "user", content: "hi" }], response_format: { type: "json_schema" } },
    ];
    for (const body of cases) {
      const { status, json } = await postJson(url, body);
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(typeof json.error.message, "string");
      assert.equal(json.error.type, "invalid_request_error");
      assert.equal(typeof json.error.code, "string");
    }
    assert.equal(standIn.stats().byStatus["400"], cases.length);
  });

  it("answers unknown routes with 404", async () => {
    const response = await fetch(`${standIn.url}/completions`, { method: "POST", body: "{}" });
    assert.equal(response.status, 404);
    const json = (await response.json()) as { error: { message: string } };
    assert.match(json.error.message, /Unknown route/);
  });

  it("lets another process drive it through the admin routes", async () => {
    const root = rootOf(standIn);
    const configured = await postJson(`${root}/_standin/config`, { units: 5, latencyMs: 10, failNext: { count: 1, status: 500 } });
    assert.equal(configured.status, 200);
    assert.equal(configured.json.config.units, 5);
    const failed = await postJson(`${standIn.url}/chat/completions`, { model: "m", messages: [{ role: "user", content: "x" }] });
    assert.equal(failed.status, 500);
    await postJson(`${standIn.url}/chat/completions`, { model: "m", messages: [{ role: "user", content: "x" }] });
    const stats = (await (await fetch(`${root}/_standin/stats`)).json()) as { total: number; byStatus: Record<string, number> };
    assert.equal(stats.total, 2);
    assert.deepEqual(stats.byStatus, { 500: 1, 200: 1 });
    const logged = (await (await fetch(`${root}/_standin/requests`)).json()) as { topic: string }[];
    assert.deepEqual(
      logged.map((entry) => entry.topic),
      ["x", "x"],
    );
    const bad = await postJson(`${root}/_standin/config`, { unitz: 2 });
    assert.equal(bad.status, 400);
    assert.equal((await postJson(`${root}/_standin/reset`, {})).status, 200);
    assert.equal(standIn.stats().total, 0);
    standIn.configure({ units: 3, latencyMs: 0 });
  });

  it("rejects invalid options when started or configured in process", async () => {
    await assert.rejects(startStandIn({ latencyMs: -1 }), /latencyMs/);
    assert.throws(() => standIn.configure({ faults: { rate429: 2 } }), /rate429/);
  });
});

describe("stand-in main.ts", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`prints one STANDIN_URL line, serves, and exits cleanly on ${signal}`, async () => {
      const main = fileURLToPath(new URL("./main.ts", import.meta.url));
      const child = spawn(process.execPath, ["--import", "tsx", main, "--port", "0", "--units", "4", "--latency-ms", "1"], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      child.stdout.setEncoding("utf8");
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL line; stdout so far: ${stdout}`)), 15_000);
        child.stdout.on("data", (text: string) => {
          stdout += text;
          const match = /^STANDIN_URL=(\S+)\n/m.exec(stdout);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]!);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited early with ${code}`)));
      });
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const config = await postJson(`${url.replace(/\/v1$/, "")}/_standin/config`, {});
      assert.equal(config.json.config.units, 4);
      assert.equal(config.json.config.latencyMs, 1);
      const exited = once(child, "exit");
      child.kill(signal);
      const [code] = await exited;
      assert.equal(code, 0);
      assert.equal(stdout, `STANDIN_URL=${url}\n`);
    });
  }

  it("exits with status 2 on a bad flag value", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main, "--units", "many"], { stdio: ["ignore", "pipe", "pipe"] });
    const [code] = await once(child, "exit");
    assert.equal(code, 2);
  });
});
