/**
 * Local search: the persistent hybrid index (`fanout index`).
 *
 * Latency: a folder of installed packages' READMEs, copied until it holds at least 10,000
 * chunks, indexed with the stand-in's embeddings; queries timed in process.
 * Quality: hit@1 and hit@5 of keyword-only vs hybrid ranking on labelled questions
 * (bench/searchQuestions.ts) over the same READMEs, read from node_modules now.
 */
import Database from "better-sqlite3";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIndex } from "../src/search/index/build.js";
import { createEmbedder, type Embedder } from "../src/search/index/embeddings.js";
import { indexPathFor } from "../src/search/index/location.js";
import { PersistentIndex } from "../src/search/index/query.js";
import { vectorToBlob } from "../src/search/index/store.js";
import { startStandIn } from "../test/standin/server.js";
import { QUESTIONS } from "./searchQuestions.js";
import { median, table } from "./support/stats.js";
import type { BenchOptions } from "./support/types.js";

const NODE_MODULES = fileURLToPath(new URL("../node_modules/", import.meta.url));
const TARGET_CHUNKS = 10_000;
const MODEL = "openai:text-embedding-3-small";

/** Every installed package's README, as package name → path. */
function readmes(): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(NODE_MODULES)) {
    const names = entry.startsWith("@") ? readdirSync(join(NODE_MODULES, entry)).map((name) => `${entry}/${name}`) : [entry];
    for (const name of names) {
      const file = join(NODE_MODULES, name, "README.md");
      if (existsSync(file)) found.set(name, file);
    }
  }
  return found;
}

/** The README's file name in the bench folder: "@scope/pkg" → "@scope__pkg.md". */
const fileNameOf = (name: string) => `${name.replace("/", "__")}.md`;
const packageOf = (url: string) => decodeURIComponent(basename(url)).replace(/\.md$/, "").replace("__", "/");

function copyReadmes(into: string, sources: Map<string, string>): void {
  mkdirSync(into, { recursive: true });
  for (const [name, file] of sources) copyFileSync(file, join(into, fileNameOf(name)));
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function timeQueries(run: (question: string) => unknown, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    for (const { question } of QUESTIONS) {
      const started = performance.now();
      await run(question);
      samples.push(performance.now() - started);
    }
  }
  return samples;
}

async function quality(index: PersistentIndex, embedder: Embedder): Promise<string> {
  const score = { keyword: [0, 0], hybrid: [0, 0] };
  const misses: string[] = [];
  for (const { question, answers } of QUESTIONS) {
    for (const mode of ["keyword", "hybrid"] as const) {
      const hits = await index.search(question, 5, mode === "hybrid" ? embedder : undefined);
      const ranked = hits.map((hit) => packageOf(hit.url));
      if (answers.includes(ranked[0])) score[mode][0] += 1;
      if (ranked.some((name) => answers.includes(name))) score[mode][1] += 1;
      else if (mode === "hybrid") misses.push(`"${question}" (top: ${ranked[0] ?? "nothing"})`);
    }
  }
  const n = QUESTIONS.length;
  const pct = (count: number) => `${count}/${n} (${Math.round((count / n) * 100)} %)`;
  return [
    table(
      ["ranking", "hit@1", "hit@5"],
      [
        ["keyword only (FTS5 BM25)", pct(score.keyword[0]), pct(score.keyword[1])],
        ["hybrid (BM25 + stand-in embeddings, RRF k=60)", pct(score.hybrid[0]), pct(score.hybrid[1])],
      ],
    ),
    "",
    `Hybrid misses at 5: ${misses.length === 0 ? "none" : misses.join("; ")}.`,
  ].join("\n");
}

export async function run(options: BenchOptions = { quick: false }): Promise<string> {
  const rounds = options.quick ? 1 : 3;
  const standin = await startStandIn({ latencyMs: 0 });
  const work = mkdtempSync(join(tmpdir(), "fanout-bench-search-"));
  const env = { ...process.env, FANOUT_HOME: join(work, "home"), OPENAI_BASE_URL: standin.url, OPENAI_API_KEY: "bench-not-secret" };
  const embedder = createEmbedder(MODEL, env);
  try {
    const sources = readmes();

    // Quality: one copy of the READMEs.
    const small = join(work, "readmes");
    copyReadmes(small, sources);
    const smallReport = await buildIndex(small, { embedder, env });
    const smallIndex = PersistentIndex.open(indexPathFor(small, env))!;
    const qualityTable = await quality(smallIndex, embedder);
    smallIndex.close();

    // Latency: copies until the index holds TARGET_CHUNKS chunks.
    const big = join(work, "big");
    const copies = Math.ceil(TARGET_CHUNKS / smallReport.chunks);
    for (let copy = 0; copy < copies; copy += 1) copyReadmes(join(big, `copy-${copy}`), sources);
    let started = performance.now();
    const built = await buildIndex(big, { embedder, env });
    const buildMs = performance.now() - started;
    started = performance.now();
    await buildIndex(big, { embedder, env });
    const rebuildMs = performance.now() - started;

    const file = indexPathFor(big, env);
    let index = PersistentIndex.open(file)!;
    const [warmVector] = await embedder.embed(["warm up"]);
    index.rank("warm up", warmVector); // loads the vectors once
    const vectors = new Map<string, number[]>();
    for (const { question } of QUESTIONS) vectors.set(question, (await embedder.embed([question]))[0]);
    const keyword = await timeQueries((q) => index.rank(q), rounds);
    const hybrid = await timeQueries((q) => index.rank(q, vectors.get(q)), rounds);
    const full = await timeQueries((q) => index.search(q, 5, embedder), rounds);
    index.close();

    // The same chunks with 1,536-dimension vectors (the size of text-embedding-3-small's), random.
    const db = new Database(file);
    const random = () => vectorToBlob(Array.from({ length: 1536 }, () => Math.random() - 0.5));
    const ids = db.prepare("SELECT id FROM chunks").pluck().all() as number[];
    db.transaction(() => ids.forEach((id) => db.prepare("UPDATE chunks SET embedding = ? WHERE id = ?").run(random(), id)))();
    db.close();
    index = PersistentIndex.open(file)!;
    started = performance.now();
    index.rank(
      "warm up",
      Array.from({ length: 1536 }, () => Math.random()),
    );
    const loadWide = performance.now() - started;
    const wideVector = Array.from({ length: 1536 }, () => Math.random() - 0.5);
    const wide = await timeQueries((q) => index.rank(q, wideVector), rounds);
    index.close();

    const row = (label: string, samples: number[]) => [label, ms(median(samples)), ms(percentile(samples, 0.95)), ms(Math.max(...samples))];
    return [
      "## Local search: the persistent hybrid index",
      "",
      `The READMEs of the ${sources.size} installed packages (node_modules, read at bench time), ${smallReport.chunks} chunks; for latency copied ${copies}× into one folder: ${built.files} files, **${built.chunks} chunks**. Embeddings come from the stand-in's \`/v1/embeddings\` (64 dimensions, hashed words: similar words, not meaning), so the hybrid rows measure the machinery, not a real embedding model's quality. Queries: the ${QUESTIONS.length} labelled questions, ${rounds} rounds each.`,
      "",
      "### Query latency over " + built.chunks + " chunks",
      "",
      table(
        ["query", "median", "p95", "max"],
        [
          row("keyword only (FTS5 BM25)", keyword),
          row("hybrid, query vector given (BM25 + cosine over every chunk + RRF)", hybrid),
          row("hybrid search as a run does it (embed the query over HTTP, rank, read the chunks)", full),
          row("hybrid, 1,536-dimension vectors", wide),
        ],
      ),
      "",
      `Building the index took ${(buildMs / 1000).toFixed(1)} s (reading, chunking, ${built.embedded} chunks embedded over HTTP); running \`fanout index\` again with nothing changed took ${ms(rebuildMs)}. Loading 1,536-dimension vectors for ${built.chunks} chunks into memory on the first query took ${ms(loadWide)}.`,
      "",
      `### Quality: hit@1 and hit@5 on ${QUESTIONS.length} labelled questions`,
      "",
      qualityTable,
    ].join("\n");
  } finally {
    await standin.close();
    rmSync(work, { recursive: true, force: true });
  }
}
