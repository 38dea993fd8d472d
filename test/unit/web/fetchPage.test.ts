/**
 * fetch_url's page reader against HTTP servers the test starts on 127.0.0.1, and its
 * address guard against loopback, private, link-local, multicast and metadata addresses.
 * Refusals are checked before any connection: the servers count every request they get,
 * and no test sends a packet to an address other than 127.0.0.1.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { RefusedAddressError, forbiddenKind } from "../../../src/web/addressGuard.js";
import { MAX_REDIRECTS, fetchPage, type FetchOptions } from "../../../src/web/fetchPage.js";
import { makePdf } from "../../support/pdf.js";
import { metricsRegistry } from "../../../src/limits/metrics.js";
import { freshLimits } from "../limits/support.js";

type Route = (req: IncomingMessage, res: ServerResponse) => void;

const ARTICLE = `<!doctype html><html><head><title>Tidal &amp; wave power</title></head><body>
<nav>Home | About</nav><article><h1>Tidal power</h1>
<p>Tidal stream turbines turn the kinetic energy of moving water into electricity. ${"They sit on the sea bed where currents are strongest. ".repeat(6)}</p>
<p>A barrage holds water behind a dam at high tide and releases it through turbines.</p></article></body></html>`;

const routes: Record<string, Route> = {
  "/article": (_req, res) => res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(ARTICLE),
  "/notes.txt": (_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("Plain notes about tides."),
  "/paper.pdf": (_req, res) => res.writeHead(200, { "content-type": "application/pdf" }).end(makePdf(["Barrages store water at high tide."], "Tidal Barrages")),
  "/broken.pdf": (_req, res) => res.writeHead(200, { "content-type": "application/pdf" }).end("%PDF-1.4\nthis is not really a PDF at all"),
  "/junk": (_req, res) => res.writeHead(200, { "content-type": "text/html" }).end(Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))),
  "/image.png": (_req, res) => res.writeHead(200, { "content-type": "image/png" }).end(Buffer.alloc(64)),
  "/missing": (_req, res) => res.writeHead(404).end("no"),
  "/loop": (_req, res) => res.writeHead(302, { location: "/loop" }).end(),
  "/hop": (_req, res) => res.writeHead(301, { location: "/article" }).end(),
  "/to-metadata": (_req, res) => res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end(),
  "/to-file": (_req, res) => res.writeHead(302, { location: "file:///etc/passwd" }).end(),
  "/silent": () => undefined, // never answers
  "/declared-huge": (_req, res) => res.writeHead(200, { "content-type": "text/html", "content-length": String(50_000_000) }).end(),
  "/streamed-huge": (_req, res) => streamHuge(res),
  "/held": (_req, res) => held(res),
};

/** Pages being served by /held now, and the most at once. */
const serving = { now: 0, peak: 0 };

/** Answers after 20 ms, counting how many such answers are in progress at once. */
function held(res: ServerResponse): void {
  serving.now += 1;
  serving.peak = Math.max(serving.peak, serving.now);
  setTimeout(() => {
    serving.now -= 1;
    res.writeHead(200, { "content-type": "text/plain" }).end("Held notes about tides.");
  }, 20);
}

/** Sends a 50 MB page in 64 KB chunks, without a length, until the reader hangs up. */
function streamHuge(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/html" });
  const chunk = Buffer.alloc(65_536, "a");
  let sent = 0;
  const write = () => {
    while (sent < 50_000_000 && !res.destroyed) {
      sent += chunk.length;
      streamed.bytes = sent;
      if (!res.write(chunk)) return void res.once("drain", write);
    }
    res.end();
  };
  write();
}
const streamed = { bytes: 0 };

let server: Server;
let base: string;
let requests: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? "");
    const route = routes[req.url ?? ""];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** The local server is on loopback: tests that read from it allow private networks. */
const open: FetchOptions = { allowPrivateNetwork: true, maxBytes: 5_000_000, timeoutMs: 5_000 };
/** Only the test server's own address may be reached: every other private address is refused. */
const onlyTestServer: FetchOptions = { ...open, allowPrivateNetwork: false, permitted: ["127.0.0.1"] };

describe("fetchPage reads", () => {
  it("an HTML page as readable markdown, with a clean title", async () => {
    const page = await fetchPage(`${base}/article`, open);
    assert.equal(page.title, "Tidal & wave power");
    assert.match(page.text, /Tidal stream turbines turn the kinetic energy/);
    assert.match(page.text, /A barrage holds water/);
    assert.doesNotMatch(page.text, /<p>|Home \| About/);
  });

  it("plain text, and a PDF with its title", async () => {
    assert.equal((await fetchPage(`${base}/notes.txt`, open)).text, "Plain notes about tides.");
    const pdf = await fetchPage(`${base}/paper.pdf`, open);
    assert.equal(pdf.title, "Tidal Barrages");
    assert.match(pdf.text, /Barrages store water at high tide\./);
  });

  it("through a redirect, reporting the final address", async () => {
    const page = await fetchPage(`${base}/hop`, open);
    assert.equal(page.url, `${base}/article`);
  });
});

describe("the fetch lane", () => {
  it("max_fetch_concurrency caps the downloads in flight across every caller in the process, and the metrics show the lane", async () => {
    freshLimits({ max_fetch_concurrency: 3 });
    serving.peak = 0;
    const before = await fetchesCounted();
    const pages = await Promise.all(Array.from({ length: 10 }, () => fetchPage(`${base}/held`, open)));
    assert.equal(pages.length, 10);
    assert.equal(serving.peak, 3);
    const text = await metricsRegistry.metrics();
    assert.match(text, /fanout_lane_width\{lane="fetch"\} 3/);
    assert.match(text, /fanout_lane_in_flight\{lane="fetch"\} 0/);
    assert.equal((await fetchesCounted()) - before, 10);
  });
});

/** Downloads the fetch lane has counted as done. */
async function fetchesCounted(): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric("fanout_requests_total")?.get();
  return (metric?.values ?? []).filter((value) => value.labels.lane === "fetch" && value.labels.outcome === "ok").reduce((sum, value) => sum + value.value, 0);
}

describe("fetchPage says what is wrong with", () => {
  const cases: [string, string, RegExp][] = [
    ["binary junk served as HTML", "/junk", /is binary data, not text \(it said text\/html\)/],
    ["an image", "/image.png", /reads HTML, text and PDF pages; .* is image\/png/],
    ["a PDF that fails to parse", "/broken.pdf", /the PDF could not be parsed/],
    ["a 404", "/missing", /the server answered 404/],
    ["a redirect loop", "/loop", new RegExp(`too many redirects \\(more than ${MAX_REDIRECTS}\\)`)],
    ["a 50 MB page that declares its length", "/declared-huge", /larger than 5 MB \(max_fetch_bytes\); not read/],
  ];
  for (const [what, path, message] of cases) {
    it(what, async () => {
      await assert.rejects(fetchPage(`${base}${path}`, open), message);
    });
  }

  it("a 50 MB page streamed without a length: reading stops at the cap", async () => {
    await assert.rejects(fetchPage(`${base}/streamed-huge`, { ...open, maxBytes: 1_000_000 }), /larger than 1 MB/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(streamed.bytes < 10_000_000, `the server sent ${streamed.bytes} bytes before the reader hung up`);
  });

  it("a server that never answers", async () => {
    await assert.rejects(fetchPage(`${base}/silent`, { ...open, timeoutMs: 300 }), /no complete answer from 127\.0\.0\.1:\d+ within 0\.3 s/);
  });

  it("a redirect loop asks the server only MAX_REDIRECTS + 1 times", async () => {
    requests = [];
    await assert.rejects(fetchPage(`${base}/loop`, open));
    assert.equal(requests.length, MAX_REDIRECTS + 1);
  });
});

describe("the address guard", () => {
  it("refuses the test server itself without allow_private_network, before sending it anything", async () => {
    requests = [];
    await assert.rejects(fetchPage(`${base}/article`, { ...open, allowPrivateNetwork: false }), (error: unknown) => {
      assert.ok(error instanceof RefusedAddressError);
      assert.match(error.message, /refused to fetch 127\.0\.0\.1: a loopback address \(set allow_private_network=true to allow it\)/);
      return true;
    });
    assert.deepEqual(requests, []);
  });

  it("refuses a name once it resolves to loopback (localhost)", async () => {
    const port = (server.address() as AddressInfo).port;
    requests = [];
    await assert.rejects(
      fetchPage(`http://localhost:${port}/article`, { ...open, allowPrivateNetwork: false }),
      /refused to fetch localhost \((127\.0\.0\.1|::1)\): a loopback address/,
    );
    assert.deepEqual(requests, []);
  });

  const literals: [string, RegExp][] = [
    ["http://10.0.0.1/", /a private address/],
    ["http://172.16.5.4/", /a private address/],
    ["http://192.168.1.1/", /a private address/],
    ["http://169.254.169.254/latest/meta-data/", /a link-local or cloud metadata address/],
    ["http://[fd00:ec2::254]/", /cloud metadata address/],
    ["http://[fe80::1]/", /a link-local address/],
    ["http://224.0.0.1/", /a multicast address/],
    ["http://[ff02::1]/", /a multicast address/],
    ["http://0.0.0.0/", /a unspecified address/],
    ["http://[::1]/", /a loopback address/],
    ["http://[::ffff:127.0.0.1]/", /a loopback address/],
    ["http://2130706433/", /a loopback address/], // 127.0.0.1 written as one number
    ["http://100.64.0.1/", /shared \(carrier-grade NAT\)/],
  ];
  for (const [url, kind] of literals) {
    it(`refuses ${url}`, async () => {
      await assert.rejects(fetchPage(url, { ...open, allowPrivateNetwork: false }), (error: unknown) => error instanceof RefusedAddressError && kind.test(error.message));
    });
  }

  it("refuses schemes other than http and https", async () => {
    await assert.rejects(fetchPage("file:///etc/passwd", open), /only http and https pages are fetched, not file:/);
    await assert.rejects(fetchPage("ftp://127.0.0.1/x", open), /not ftp:/);
    await assert.rejects(fetchPage("not a url", open), /not a URL/);
  });

  it("checks every redirect again: to a metadata address, to file:", async () => {
    // The test server's own address is permitted; where it redirects to is judged afresh.
    await assert.rejects(fetchPage(`${base}/to-metadata`, onlyTestServer), /refused to fetch 169\.254\.169\.254: a link-local or cloud metadata address/);
    await assert.rejects(fetchPage(`${base}/to-file`, onlyTestServer), /not file:/);
    assert.equal((await fetchPage(`${base}/hop`, onlyTestServer)).url, `${base}/article`);
  });

  it("lets public addresses through", () => {
    for (const address of ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111"]) assert.equal(forbiddenKind(address), undefined);
  });
});
