/**
 * fetch_url in a run: the stand-in's researcher is scripted to read a page served by the
 * test on 127.0.0.1 (allow_private_network on), then to go on as usual. The page becomes
 * a source and the report cites it; a page that cannot be read is a tool error and the
 * run still finishes.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ParsedRequest, StandIn } from "../../standin/types.js";
import { listedSources, runGraph, useStandIn } from "../../support/harness.js";

const QUESTION = "How does tidal power generate electricity?";
const PAGE = `<html><head><title>Tidal barrages explained</title></head><body><article>
<p>${"A tidal barrage spans an estuary and runs water through low-head turbines as the tide ebbs. ".repeat(4)}</p></article></body></html>`;

let standin: StandIn;
let server: Server;
let base: string;

before(async () => {
  standin = await useStandIn();
  server = createServer((req, res) => {
    if (req.url === "/barrage") res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    else res.writeHead(200, { "content-type": "application/octet-stream" }).end(Buffer.alloc(32));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.close();
  await standin.close();
});
beforeEach(() => {
  standin.reset();
  standin.configure({ latencyMs: 0, units: 1, searchRounds: 1, behaviour: undefined });
});

/** The researcher reads `url` first, then goes on as the stand-in's researcher does. */
function readFirst(url: string) {
  return (request: ParsedRequest) => {
    if (request.role !== "researcher" || !request.tools.some((tool) => tool.name === "fetch_url")) return undefined;
    const fetched = request.messages.some((message) => message.toolCalls.some((call) => call.name === "fetch_url"));
    return fetched ? undefined : { toolCalls: [{ name: "fetch_url", args: { url } }] };
  };
}

describe("fetch_url", () => {
  it("is offered to researchers, and the page it reads is cited in the report", async () => {
    standin.configure({ behaviour: readFirst(`${base}/barrage`) });
    const run = await runGraph(QUESTION, { allow_private_network: true });
    const sources = run.values.sources as { url: string; title: string }[];
    assert.ok(sources.some((source) => source.url === `${base}/barrage` && source.title === "Tidal barrages explained"));
    assert.ok(listedSources(run.values.final_report as string).includes(`${base}/barrage`));
  });

  it("refuses the loopback page without allow_private_network, and the run goes on", async () => {
    standin.configure({ behaviour: readFirst(`${base}/barrage`) });
    const run = await runGraph(QUESTION, {});
    const failures = run.custom.filter((event) => (event as { type?: string }).type === "tool_failed") as { tool: string; error: string }[];
    assert.ok(failures.some((failure) => failure.tool === "fetch_url" && /a loopback address \(set allow_private_network=true/.test(failure.error)));
    assert.equal((run.values.outcome as { status: string }).status, "done");
    assert.ok((run.values.final_report as string).length > 0);
  });

  it("is not offered when fetch_url_enabled=false", async () => {
    await runGraph(QUESTION, { fetch_url_enabled: false });
    const researcherTools = standin
      .requests()
      .filter((entry) => entry.role === "researcher")
      .flatMap((entry) => entry.toolNames);
    assert.ok(researcherTools.length > 0);
    assert.ok(!researcherTools.includes("fetch_url"));
  });
});
