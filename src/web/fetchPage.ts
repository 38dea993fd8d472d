import type { Agent, Dispatcher } from "undici";
import { tidyText } from "../search/local/clean.js";
import { cleanTitle } from "../util/title.js";
import { pdfToText } from "../util/pdf.js";
import { inFetchLane } from "../limits/limitedFetch.js";
import { type AddressPolicy, checkUrl, guardedLookup } from "./addressGuard.js";

/** A page read and turned into text a model can read. */
export type FetchedPage = { url: string; title: string; text: string };

export type FetchOptions = AddressPolicy & {
  maxBytes: number;
  timeoutMs: number;
  signal?: AbortSignal;
};

/** Redirects followed before a chain counts as a loop. */
export const MAX_REDIRECTS = 5;

const HTML_TYPES = new Set(["text/html", "application/xhtml+xml"]);
const TEXT_TYPES = new Set(["application/json", "application/xml", "application/x-yaml"]);

/** One pooled agent per policy: connections are kept alive and reused across fetches. */
const agents = new Map<string, Agent>();

/**
 * undici (~800 KB bundled) loads on the first page fetch, not at start-up: the CLI's first model
 * call goes through Node's own fetch and does not need it.
 */
const loadUndici = () => import("undici");

function agentFor(policy: AddressPolicy, Agent: typeof import("undici").Agent): Dispatcher {
  const key = JSON.stringify([policy.allowPrivateNetwork, policy.permitted ?? []]);
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guardedLookup(policy) }, keepAliveTimeout: 10_000, connections: 16 });
    agents.set(key, agent);
  }
  return agent;
}

/**
 * Fetches a web page for a researcher: http(s) only, every address checked
 * (see addressGuard.ts) on the first request and on each redirect, at most
 * MAX_REDIRECTS redirects, at most `maxBytes` read, HTML/text/PDF only, and at
 * most max_fetch_concurrency downloads at once in the process (the `fetch` lane).
 * Each failure throws an Error whose message says what was wrong.
 */
export async function fetchPage(address: string, options: FetchOptions): Promise<FetchedPage> {
  const url = parseUrl(address);
  // The time limit starts once the lane lets the download go: waiting for a slot is not the server's slowness.
  return inFetchLane(() => download(url, address, options));
}

/** fetchPage's download, redirects and body, in the fetch lane. */
async function download(start: URL, address: string, options: FetchOptions): Promise<FetchedPage> {
  let url = start;
  // Loaded before the time limit starts: loading the module is not the server's slowness.
  const { request, Agent } = await loadUndici();
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  try {
    for (let redirects = 0; ; redirects += 1) {
      checkUrl(url, options);
      const response = await request(url, {
        method: "GET",
        dispatcher: agentFor(options, Agent),
        signal,
        headers: { accept: "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1", "user-agent": "Fanout/0.1 (research agent)" },
      });
      const location = header(response.headers.location);
      if (response.statusCode >= 300 && response.statusCode < 400 && location) {
        await response.body.dump();
        if (redirects >= MAX_REDIRECTS) throw new Error(`too many redirects (more than ${MAX_REDIRECTS}) from ${address}`);
        url = parseUrl(location, url);
        continue;
      }
      if (response.statusCode >= 400) {
        await response.body.dump();
        throw new Error(`the server answered ${response.statusCode} for ${url.href}`);
      }
      return await readPage(url, response, options.maxBytes);
    }
  } catch (error) {
    if (deadline.aborted && !options.signal?.aborted) {
      throw new Error(`no complete answer from ${url.host} within ${options.timeoutMs / 1000} s`);
    }
    throw error;
  }
}

function parseUrl(text: string, base?: URL): URL {
  try {
    return new URL(text.trim(), base);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

async function readPage(url: URL, response: Dispatcher.ResponseData, maxBytes: number): Promise<FetchedPage> {
  const contentType = header(response.headers["content-type"]) ?? "";
  const mediaType = contentType.split(";")[0].trim().toLowerCase();
  const readable = mediaType === "" || HTML_TYPES.has(mediaType) || mediaType.startsWith("text/") || TEXT_TYPES.has(mediaType) || mediaType === "application/pdf";
  if (!readable) {
    await response.body.dump();
    throw new Error(`fetch_url reads HTML, text and PDF pages; ${url.href} is ${mediaType}`);
  }
  const bytes = await readCapped(response, maxBytes);
  const isPdf = mediaType === "application/pdf" || (mediaType === "" && bytes.subarray(0, 5).toString("latin1") === "%PDF-");
  if (isPdf) {
    const pdf = await pdfToText(bytes);
    return { url: url.href, title: cleanTitle(pdf.title) || fileName(url), text: tidyText(pdf.text) };
  }
  if (looksBinary(bytes)) throw new Error(`${url.href} is binary data, not text (it said ${mediaType || "no content type"})`);
  const text = decode(bytes, contentType);
  if (HTML_TYPES.has(mediaType) || (mediaType === "" && /^\s*<(!doctype html|html)/i.test(text))) {
    // Loaded on first use, as search/local/loader.ts does: the page reader is large, and a run needs none before its first model call.
    const { htmlToMarkdown } = await import("../search/local/html.js");
    const html = htmlToMarkdown(text);
    return { url: url.href, title: cleanTitle(html.title) || url.href, text: tidyText(html.markdown) };
  }
  return { url: url.href, title: fileName(url), text: tidyText(text) };
}

/** The body, refused as soon as it is known to exceed maxBytes (from its length, or while reading). */
async function readCapped(response: Dispatcher.ResponseData, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new Error(`the page is larger than ${describeBytes(maxBytes)} (max_fetch_bytes); not read`);
  const declared = Number(header(response.headers["content-length"]));
  if (Number.isFinite(declared) && declared > maxBytes) {
    hangUp(response);
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += (chunk as Buffer).length;
    if (total > maxBytes) {
      hangUp(response);
      throw tooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Stops reading a body and closes its connection; the abort this raises on the body is expected. */
function hangUp(response: Dispatcher.ResponseData): void {
  response.body.on("error", () => undefined);
  response.body.destroy();
}

/** NUL bytes, or many control characters in the first 4 KB: not text, whatever the header said. */
function looksBinary(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096);
  if (head.includes(0)) return true;
  let control = 0;
  for (const byte of head) if (byte < 9 || (byte > 13 && byte < 32)) control += 1;
  return control > head.length * 0.05;
}

function decode(bytes: Buffer, contentType: string): string {
  const charset = /charset="?([\w-]+)/i.exec(contentType)?.[1];
  try {
    return new TextDecoder(charset ?? "utf-8").decode(bytes);
  } catch {
    return new TextDecoder("utf-8").decode(bytes); // an unknown charset label
  }
}

function fileName(url: URL): string {
  const last = decodeURIComponent(url.pathname.split("/").filter(Boolean).at(-1) ?? "");
  return last || url.host;
}

function describeBytes(bytes: number): string {
  return bytes >= 1_000_000 ? `${Math.round(bytes / 100_000) / 10} MB` : `${Math.round(bytes / 1000)} KB`;
}
