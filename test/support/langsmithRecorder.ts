/**
 * A local HTTP server that stands in for the LangSmith API in tests: it keeps datasets,
 * examples and experiments in memory, accepts runs and feedback, and records every request,
 * so a test can see what would have been sent. Unknown routes answer `{}`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export type RecordedRequest = { method: string; path: string; query: URLSearchParams; body: string };

export async function startLangSmithRecorder() {
  const requests: RecordedRequest[] = [];
  const datasets: Record<string, unknown>[] = [];
  const examples: Record<string, unknown>[] = [];
  const sessions: Record<string, unknown>[] = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://recorder");
    const raw = await readBody(req);
    const body = raw.toString("utf8");
    requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams, body });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    const now = new Date().toISOString();
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /info")
      return json(200, {
        version: "0.0.0",
        instance_flags: { dataset_examples_multipart_enabled: true },
        batch_ingest_config: { size_limit: 100, scale_up_nthreads_limit: 1, scale_up_qsize_trigger: 1000, scale_down_nempty_trigger: 4, size_limit_bytes: 20_971_520 },
      });
    if (route === "GET /datasets") {
      const name = url.searchParams.get("name");
      return json(
        200,
        datasets.filter((dataset) => !name || dataset.name === name),
      );
    }
    if (route === "POST /datasets") {
      const dataset = { id: randomUUID(), created_at: now, modified_at: now, data_type: "kv", ...JSON.parse(body) };
      datasets.push(dataset);
      return json(200, dataset);
    }
    const datasetById = /^\/datasets\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && datasetById) return json(200, datasets.find((dataset) => dataset.id === datasetById[1]) ?? {});
    if (route === "GET /examples") {
      const dataset = url.searchParams.get("dataset");
      const offset = Number(url.searchParams.get("offset") ?? 0);
      return json(200, examples.filter((example) => !dataset || example.dataset_id === dataset).slice(offset));
    }
    const upload = /^\/(?:v1\/platform\/)?datasets\/([^/]+)\/examples$/.exec(url.pathname);
    if (req.method === "POST" && upload) {
      const created = await multipartExamples(raw, req.headers["content-type"] ?? "", upload[1], now);
      examples.push(...created);
      return json(200, { example_ids: created.map((example) => example.id), count: created.length });
    }
    const exampleById = /^\/examples\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && exampleById) return json(200, examples.find((example) => example.id === exampleById[1]) ?? {});
    if (route === "POST /sessions") {
      const session = { id: randomUUID(), start_time: now, tenant_id: randomUUID(), ...JSON.parse(body) };
      sessions.push(session);
      return json(200, session);
    }
    if (route === "GET /sessions")
      return json(
        200,
        sessions.filter((session) => !url.searchParams.get("name") || session.name === url.searchParams.get("name")),
      );
    return json(200, {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    datasets,
    examples,
    sessions,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
}

/** Examples uploaded as LangSmith's multipart form: `<id>` (the example), `<id>.inputs`, `<id>.outputs`. */
async function multipartExamples(raw: Buffer, contentType: string, datasetId: string, now: string): Promise<Record<string, unknown>[]> {
  const form = await new Response(new Uint8Array(raw), { headers: { "content-type": contentType } }).formData();
  const parts = new Map<string, unknown>();
  for (const [name, value] of form.entries()) parts.set(name, JSON.parse(typeof value === "string" ? value : await value.text()));
  return [...parts.keys()]
    .filter((name) => !name.includes("."))
    .map((id) => ({
      id,
      dataset_id: datasetId,
      created_at: now,
      modified_at: now,
      ...(parts.get(id) as object),
      inputs: parts.get(`${id}.inputs`),
      outputs: parts.get(`${id}.outputs`),
    }));
}
