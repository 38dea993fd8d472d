/**
 * MCP tools: a small MCP server of the test's own (test/fixtures/mcp/tide-server.mjs),
 * over stdio and over streamable HTTP, loaded through @langchain/mcp-adapters. The
 * stand-in's researcher is scripted to call its tool; the report cites the result.
 * A server that fails to start is a warning and the run goes on.
 */
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { preflight } from "../../../src/cli/run.js";
import { ConfigurationError } from "../../../src/config.js";
import { parseMcpServers } from "../../../src/mcp/config.js";
import { MCP_RETRY_MS, closeMcpClients, loadMcpTools, withEnvironment } from "../../../src/mcp/tools.js";
import type { ParsedRequest, StandIn } from "../../standin/types.js";
import { listedSources, runGraph, useStandIn } from "../../support/harness.js";

const SERVER = fileURLToPath(new URL("../../fixtures/mcp/tide-server.mjs", import.meta.url));
const QUESTION = "How does tidal power generate electricity?";
const TIDES = { tides: { command: process.execPath, args: [SERVER] } };
const CITED = "mcp://tides/tide_table?harbour=Brest";

let standin: StandIn;

before(async () => {
  standin = await useStandIn();
});
after(async () => {
  await standin.close();
});
beforeEach(() => {
  standin.reset();
  standin.configure({ latencyMs: 0, units: 1, searchRounds: 1, behaviour: undefined });
});
afterEach(() => closeMcpClients());

/** The researcher calls tide_table once when it is offered, then goes on as usual. */
function callTideTable(request: ParsedRequest) {
  if (request.role !== "researcher" || !request.tools.some((tool) => tool.name === "tide_table")) return undefined;
  const called = request.messages.some((message) => message.toolCalls.some((call) => call.name === "tide_table"));
  return called ? undefined : { toolCalls: [{ name: "tide_table", args: { harbour: "Brest" } }] };
}

describe("MCP tools", () => {
  it("a stdio server's tool joins the researcher's tools; its result is a cited source", async () => {
    standin.configure({ behaviour: callTideTable });
    const run = await runGraph(QUESTION, { mcp_servers: JSON.stringify(TIDES) });
    const researcherTools = standin
      .requests()
      .filter((entry) => entry.role === "researcher")
      .flatMap((entry) => entry.toolNames);
    assert.ok(researcherTools.includes("tide_table"));
    const sources = run.values.sources as { url: string; title: string }[];
    assert.ok(sources.some((source) => source.url === CITED && source.title === "tide_table (MCP server tides)"));
    assert.ok(listedSources(run.values.final_report as string).includes(CITED), run.values.final_report as string);
    const findings = JSON.stringify(run.values.notes ?? run.values.raw_notes ?? "");
    assert.match(findings, /high water 06:12/);
  });

  it("a server that fails to start is a warning, its tools absent, and the run goes on", async () => {
    standin.configure({ behaviour: callTideTable });
    const servers = { broken: { command: "/nonexistent/mcp-server", args: [] }, ...TIDES };
    const run = await runGraph(QUESTION, { mcp_servers: JSON.stringify(servers) });
    const warnings = run.custom.filter((event) => (event as { type?: string }).type === "step_degraded") as { detail: string }[];
    assert.equal(warnings.filter((warning) => /MCP server "broken" failed to start .*ENOENT.*its tools are absent/.test(warning.detail)).length, 1);
    assert.equal((run.values.outcome as { status: string }).status, "done");
    assert.ok((run.values.sources as { url: string }[]).some((source) => source.url === CITED));
  });

  it("a server that never answers is named and left out after the timeout; the others' tools stay; closing does not wait on it", async () => {
    // Listed first: the servers used to start one after another, all under one timeout.
    const servers = { hung: { command: process.execPath, args: ["-e", "setInterval(() => {}, 1000)"] }, ...TIDES };
    const toolset = await loadMcpTools(JSON.stringify(servers), [], 2_000);
    assert.deepEqual(
      toolset.tools.map((tool) => tool.name),
      ["tide_table"],
    );
    assert.deepEqual(toolset.warnings, ['MCP server "hung" did not start (no answer within 2 s); its tools are absent']);
    const closing = closeMcpClients();
    const closedInTime = await Promise.race([closing.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000).unref())]);
    assert.ok(closedInTime, "closing waited on the server that never answered");
  });

  it("a server that exits at once is named with the last of what it wrote on stderr", async () => {
    const servers = { dies: { command: process.execPath, args: ["-e", "console.error('boom: missing config'); process.exit(3)"] } };
    const toolset = await loadMcpTools(JSON.stringify(servers), [], 5_000);
    assert.deepEqual(toolset.tools, []);
    assert.equal(toolset.warnings.length, 1);
    assert.match(toolset.warnings[0], /^MCP server "dies" failed to start \(.*; it said: boom: missing config\); its tools are absent$/);
  });

  it("a server that failed is tried again on a turn MCP_RETRY_MS later, and its tools join then", async () => {
    const folder = mkdtempSync(path.join(tmpdir(), "fanout-mcp-retry-"));
    const flag = path.join(folder, "ready");
    const starts = path.join(folder, "starts");
    const script = `const fs = require("fs"); fs.appendFileSync(${JSON.stringify(starts)}, "x"); fs.existsSync(${JSON.stringify(flag)}) ? import(${JSON.stringify(pathToFileURL(SERVER).href)}) : process.exit(1)`;
    const servers = JSON.stringify({ tides: { command: process.execPath, args: ["-e", script] } });
    const first = await loadMcpTools(servers, [], 5_000);
    assert.deepEqual(first.tools, []);
    assert.match(first.warnings[0] ?? "", /MCP server "tides" failed to start/);
    writeFileSync(flag, "");
    assert.equal(await loadMcpTools(servers, [], 5_000), first, "within MCP_RETRY_MS the same toolset");
    // Two turns at once after the wait start the server once between them.
    const [later, alongside] = await Promise.all([
      loadMcpTools(servers, [], 5_000, Date.now() + MCP_RETRY_MS),
      loadMcpTools(servers, [], 5_000, Date.now() + MCP_RETRY_MS),
    ]);
    assert.equal(alongside, later);
    assert.equal(readFileSync(starts, "utf8"), "xx", "started once at first, once again");
    assert.deepEqual(
      later.tools.map((tool) => tool.name),
      ["tide_table"],
    );
    assert.deepEqual(later.warnings, []);
  });

  it("each run's thread is told of a server that failed, not only the first", async () => {
    const servers = JSON.stringify({ broken: { command: "/nonexistent/mcp-server", args: [] } });
    const told = async () => {
      const run = await runGraph(QUESTION, { mcp_servers: servers });
      return run.custom.filter((event) => /MCP server "broken" failed to start/.test((event as { detail?: string }).detail ?? "")).length;
    };
    assert.equal(await told(), 1);
    assert.equal(await told(), 1, "a second run in the same process is told too");
  });

  it("a streamable HTTP server, given in Open Deep Research's mcp_config shape", async () => {
    const child: ChildProcess = spawn(process.execPath, [SERVER, "--http"], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      const [line] = (await once(child.stdout!, "data")) as [Buffer];
      const url = line.toString().trim(); // http://127.0.0.1:port/mcp
      const odr = JSON.stringify({ url: url.replace(/\/mcp$/, ""), tools: ["tide_table"], auth_required: false });
      assert.deepEqual(parseMcpServers(odr), { mcp: { url, tools: ["tide_table"] } });
      const toolset = await loadMcpTools(odr, [], 10_000);
      assert.deepEqual(toolset.warnings, []);
      assert.deepEqual(
        toolset.tools.map((tool) => tool.name),
        ["tide_table"],
      );
      const reply = await toolset.tools[0].invoke({ id: "c1", name: "tide_table", args: { harbour: "Oban" }, type: "tool_call" });
      assert.match(String(reply.content), /Tide table for Oban/);
      assert.deepEqual(reply.artifact, [{ url: "mcp://mcp/tide_table?harbour=Oban", title: "tide_table (MCP server mcp)" }]);
    } finally {
      await closeMcpClients();
      child.kill();
    }
  });

  it("bad mcp_servers is exit-2 material before any work: not JSON, or a server with neither command nor url", async () => {
    await assert.rejects(
      preflight({ search_api: "none", mcp_servers: "{oops" }),
      (error: unknown) => error instanceof ConfigurationError && /mcp_servers is not valid JSON/.test(error.message),
    );
    await assert.rejects(preflight({ search_api: "none", mcp_servers: '{"x": {"cmd": "a"}}' }), /server "x" needs a "command" \(with "args"\) or an http\(s\) "url"/);
    await assert.rejects(preflight({ search_api: "none", mcp_servers: '{"url": "https://mcp.example.test", "auth_required": true}' }), /auth_required is not supported/);
  });
});

describe("MCP secrets", () => {
  it("a header names an environment variable; the token itself never sits in the settings", () => {
    assert.deepEqual(withEnvironment({ Authorization: "Bearer ${DOCS_TOKEN}", "X-Plain": "v" }, { DOCS_TOKEN: "t0k3n" }), {
      Authorization: "Bearer t0k3n",
      "X-Plain": "v",
    });
    assert.deepEqual(withEnvironment({ Authorization: "Bearer ${MISSING}" }, {}), { Authorization: "Bearer " });
  });
});
