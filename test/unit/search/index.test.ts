/**
 * The persistent hybrid index (`fanout index`): chunks of .md/.txt/.html/.pdf files in
 * SQLite (FTS5 for BM25), embeddings from the stand-in's /v1/embeddings, fused by RRF;
 * reindexing reads only changed files; search_api=local uses it, and a damaged or empty
 * index falls back to searching the folder itself.
 */
import { after, before, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex } from "../../../src/search/index/build.js";
import { createEmbedder } from "../../../src/search/index/embeddings.js";
import { indexPathFor } from "../../../src/search/index/location.js";
import { PersistentIndex } from "../../../src/search/index/query.js";
import { fuseRankings } from "../../../src/search/index/rrf.js";
import { createLocalBackend } from "../../../src/search/localBackend.js";
import { makePdf } from "../../support/pdf.js";
import { sharedStandIn } from "../../support/harness.js";

const standin = sharedStandIn();
const savedHome = process.env.FANOUT_HOME;
let home: string;
let folder: string;

function write(name: string, content: string | Buffer, mtime?: number): void {
  writeFileSync(join(folder, name), content);
  if (mtime) utimesSync(join(folder, name), mtime, mtime);
}

function openIndex(): PersistentIndex {
  return PersistentIndex.open(indexPathFor(folder))!;
}

before(() => {
  home = mkdtempSync(join(tmpdir(), "fanout-index-home-"));
  process.env.FANOUT_HOME = home;
});
after(() => {
  if (savedHome === undefined) delete process.env.FANOUT_HOME;
  else process.env.FANOUT_HOME = savedHome;
  rmSync(home, { recursive: true, force: true });
});
beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), "fanout-index-docs-"));
  write(
    "tides.md",
    "# Tidal power\n\nTidal stream turbines turn moving water into electricity.\n\n## Barrages\n\nA barrage holds water behind a dam and releases it through turbines.",
  );
  write("wind.txt", "Offshore wind farms use large turbines on fixed or floating foundations.");
  write("solar.html", "<html><head><title>Solar &amp; storage</title></head><body><p>Photovoltaic panels convert sunlight into direct current.</p></body></html>");
  write("geothermal.pdf", makePdf(["Geothermal plants draw heat from hot rock deep underground."], "Geothermal heat"));
  write("broken.pdf", "%PDF-1.4\nnot a real pdf");
  write("junk.txt", Buffer.from([0, 1, 2, 3, 0, 255]));
});

describe("fanout index", () => {
  it("indexes .md/.txt/.html/.pdf in chunks, skipping a broken PDF and binary junk, keyword-only without a model", async () => {
    const report = await buildIndex(folder);
    assert.equal(report.files, 6);
    assert.equal(report.read, 6);
    assert.equal(report.skipped.unreadable, 1);
    assert.equal(report.skipped.binary, 1);
    assert.ok(report.chunks >= 4);
    assert.equal(report.embeddingModel, undefined);
    const index = openIndex();
    try {
      assert.equal(index.embeddingModel, undefined);
      const hits = await index.search("geothermal heat rock", 3);
      assert.equal(hits[0].title, "Geothermal heat");
      assert.match(hits[0].url, /^file:\/\/.*geothermal\.pdf$/);
      assert.equal((await index.search("photovoltaic sunlight", 3))[0].title, "Solar & storage");
    } finally {
      index.close();
    }
  });

  it("reindexing reads only changed files and embeds only their new chunks", async () => {
    const embedder = createEmbedder("openai:text-embedding-3-small");
    const first = await buildIndex(folder, { embedder });
    assert.equal(first.embedded, first.chunks);
    const requestsAfterFirst = standin().stats().embeddings;

    const again = await buildIndex(folder, { embedder });
    assert.deepEqual([again.read, again.unchanged, again.removed, again.embedded], [0, 6, 0, 0]);
    assert.equal(standin().stats().embeddings, requestsAfterFirst);

    write("wind.txt", "Offshore wind farms now float on moored platforms in deep water.", Date.now() / 1000 + 60);
    rmSync(join(folder, "solar.html"));
    const changed = await buildIndex(folder, { embedder });
    assert.deepEqual([changed.read, changed.unchanged, changed.removed, changed.embedded], [1, 4, 1, 1]);
    const index = openIndex();
    try {
      assert.equal(index.embeddingModel, "openai:text-embedding-3-small");
      assert.deepEqual(await index.search("photovoltaic", 3), []);
      assert.match((await index.search("moored platforms", 1, embedder))[0].content, /float on moored platforms/);
    } finally {
      index.close();
    }
  });

  it("an embedding server that fails leaves a working keyword index and says why", async () => {
    standin().failNext(3, 500, "embedding backend down"); // the first batch and its two retries
    const report = await buildIndex(folder, { embedder: createEmbedder("openai:text-embedding-3-small") });
    assert.match(report.embeddingFailure ?? "", /500|embedding backend down/);
    assert.equal(report.embedded, 0);
    const index = openIndex();
    try {
      assert.equal((await index.search("barrage dam", 1))[0].title, "Tidal power");
    } finally {
      index.close();
    }
  });

  it("a missing folder is a LocalCorpusError", async () => {
    await assert.rejects(buildIndex(join(folder, "nope")), /the local corpus folder does not exist/);
  });
});

describe("hybrid ranking", () => {
  it("fuses rankings by reciprocal rank with k = 60", () => {
    // b: 1/62 + 1/61 beats a: 1/61 + 1/63 (ranks are 1-based).
    assert.deepEqual(
      fuseRankings([["a", "b", "c"].map((x) => x.charCodeAt(0)), ["b", "d", "a"].map((x) => x.charCodeAt(0))]).map((id) => String.fromCharCode(id)),
      ["b", "a", "d", "c"],
    );
  });

  it("a hybrid query ranks by both: a chunk only the vectors find still appears", async () => {
    const embedder = createEmbedder("openai:text-embedding-3-small");
    await buildIndex(folder, { embedder });
    const index = openIndex();
    try {
      const [vector] = await embedder.embed(["turbines"]);
      const keyword = index.keywordRanking("turbines");
      const byVector = index.vectorRanking(vector);
      const fused = index.rank("turbines", vector);
      assert.ok(byVector.length > keyword.length, "every embedded chunk has a vector score");
      assert.deepEqual(new Set(fused), new Set([...keyword, ...byVector]));
      assert.ok(keyword.includes(fused[0]), "the best fused chunk is one both rankers found");
    } finally {
      index.close();
    }
  });
});

describe("search_api=local with an index", () => {
  it("answers from the index when there is one", async () => {
    await buildIndex(folder);
    // Changed after indexing and not reindexed: only the index still knows the old words.
    write("wind.txt", "Nothing about the sea here.", Date.now() / 1000 + 120);
    const hits = await createLocalBackend(folder).search("offshore foundations", 3);
    assert.match(hits[0].content, /fixed or floating foundations/);
  });

  it("a damaged index is said and the folder is searched instead", async () => {
    await buildIndex(folder);
    writeFileSync(indexPathFor(folder), "this is not a database at all, just text ".repeat(200));
    const hits = await createLocalBackend(folder).search("barrage dam", 3);
    assert.equal(hits[0].title, "Tidal power");
    assert.match(hits[0].answeredBy ?? "", /local folder search \(the search index .* is damaged .*rebuild it with fanout index <folder>\)/);
  });

  it("an empty index falls back to the folder, which says it has nothing to search", async () => {
    for (const name of ["tides.md", "wind.txt", "solar.html", "geothermal.pdf", "broken.pdf", "junk.txt"]) rmSync(join(folder, name));
    const report = await buildIndex(folder);
    assert.equal(report.chunks, 0);
    await assert.rejects(createLocalBackend(folder).search("anything", 3), /no readable .md, .markdown, .txt, .html, .htm or .pdf files/);
  });
});
