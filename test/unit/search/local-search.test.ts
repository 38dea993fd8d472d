import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { getCorpusIndex } from "../../../src/search/local/cache.js";
import { MAX_FILE_BYTES } from "../../../src/search/local/scan.js";
import { createLocalSearch, describeCorpus, LocalCorpusError } from "../../../src/search/local/index.js";

const corpus = fileURLToPath(new URL("../../fixtures/corpus", import.meta.url));

let scratch = "";
before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "fanout-local-search-"));
});
after(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function folderWith(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(scratch, name);
  for (const [file, body] of Object.entries(files)) {
    await mkdir(join(dir, file, ".."), { recursive: true });
    await writeFile(join(dir, file), body);
  }
  await mkdir(dir, { recursive: true });
  return dir;
}

describe("ranking on the fixture corpus", () => {
  const local = createLocalSearch(corpus);
  const cases: [string, string][] = [
    ["how do bees tell other bees where the flowers are", "honeybee-waggle-dance.md"],
    ["tidal barrage estuary turbines", "tidal-power.html"],
    ["borrow checker mutable references", "Memory safety notes.html"],
    ["how often should I oil my bike chain", "bicycle-maintenance.txt"],
    ["explosive eruption pyroclastic flow", "volcano-types.md"],
    ["espresso tastes sour grind size", "espresso.markdown"],
    ["compost pile smells rotten", "composting.txt"],
    ["Gutenberg movable type", "printing-press-history.md"],
    ["revive a sluggish starter with rye flour", "sourdough-starter.md"],
    ["Sicilian defence", "chess-openings.md"],
  ];
  for (const [query, expected] of cases) {
    it(`"${query}" -> ${expected}`, async () => {
      const hits = await local.search(query, { maxResults: 3 });
      assert.ok(hits.length > 0, "no hits");
      assert.equal(basename(hits[0].path), expected, hits.map((h) => `${basename(h.path)} ${h.score.toFixed(2)}`).join(", "));
    });
  }

  it("indexes every fixture, including the sub-folder and all five extensions", async () => {
    assert.equal(await local.documentCount(), 10);
  });

  it("returns one hit per document, best first, at most maxResults", async () => {
    const hits = await local.search("water energy", { maxResults: 4 });
    assert.ok(hits.length > 1 && hits.length <= 4);
    assert.equal(new Set(hits.map((h) => h.path)).size, hits.length);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
    assert.equal((await local.search("water energy", { maxResults: 1 })).length, 1);
    assert.ok((await local.search("water energy")).length <= 5);
  });

  it("finds nothing for stopwords or unknown words", async () => {
    assert.deepEqual(await local.search("the and of"), []);
    assert.deepEqual(await local.search("xylophonequartz"), []);
  });

  it("uses titles from <title>, # heading and file name", async () => {
    const titles = new Map((await getCorpusIndex(corpus)).documents.map((d) => [basename(d.path), d.title]));
    assert.match(titles.get("tidal-power.html") ?? "", /^Tidal Power Explained/);
    assert.equal(titles.get("honeybee-waggle-dance.md"), "How honeybees share directions: the waggle dance");
    assert.equal(titles.get("sourdough-starter.md"), "Keeping a Sourdough Starter Alive");
    assert.equal(titles.get("composting.txt"), "composting");
  });

  it("returns proper, percent-encoded file:// URLs", async () => {
    const [hit] = await local.search("garbage collector ownership", { maxResults: 1 });
    assert.equal(hit.path, join(corpus, "Memory safety notes.html"));
    assert.equal(hit.url, pathToFileURL(hit.path).href);
    assert.ok(hit.url.startsWith("file:///") && hit.url.endsWith("/Memory%20safety%20notes.html"), hit.url);
    assert.equal(fileURLToPath(hit.url), hit.path);
  });
});

describe("hits", () => {
  it("encodes awkward file names (#, %, ?, unicode) in the URL", async () => {
    const dir = await folderWith("names", { "notes #1 100% ready? café.md": "# Odd\n\nPelicans scoop fish." });
    const [hit] = await createLocalSearch(dir).search("pelicans");
    assert.equal(fileURLToPath(hit.url), join(dir, "notes #1 100% ready? café.md"));
    assert.ok(hit.url.includes("%231%20100%25%20ready%3F%20caf%C3%A9.md"), hit.url);
  });

  it("joins the best passages of a document in document order and marks gaps", async () => {
    const filler = (word: string) => Array.from({ length: 40 }, (_, i) => `${word} filler${i % 10} text.`).join(" ");
    const sections = [
      `# Part one\n\n${filler("meadow")}`,
      `# Part two\n\n${filler("meadow")} The lighthouse keeper.`,
      `# Part three\n\n${filler("meadow")}`,
      `# Part four\n\n${filler("meadow")} Lighthouse lighthouse lighthouse keeper keeper.`,
      `# Part five\n\n${filler("meadow")}`,
    ];
    const dir = await folderWith("order", { "long.md": sections.join("\n\n"), "other.md": "# Other\n\nNothing relevant here." });
    const [hit] = await createLocalSearch(dir).search("lighthouse keeper");
    assert.ok(hit.content.includes("# Part two") && hit.content.includes("# Part four"), hit.content.slice(0, 200));
    assert.ok(!hit.content.includes("# Part one") && !hit.content.includes("# Part three"));
    assert.ok(hit.content.indexOf("# Part two") < hit.content.indexOf("# Part four"));
    assert.match(hit.content, /\[…\]\n\n# Part four/);
  });
});

describe("index cache", () => {
  it("reuses the index while nothing changes, also across instances and path spellings", async () => {
    const dir = await folderWith("reuse", { "a.md": "# A\n\nAlpacas hum.", "b.txt": "Bison graze." });
    const first = await getCorpusIndex(dir);
    assert.equal(await getCorpusIndex(dir), first);
    assert.equal(await getCorpusIndex(relative(process.cwd(), dir)), first);
    await createLocalSearch(dir).search("alpacas");
    assert.equal(await getCorpusIndex(`${dir}/`), first);
  });

  it("shares one build between concurrent searches", async () => {
    const dir = await folderWith("concurrent", { "a.md": "Cormorants dive." });
    const [x, y] = await Promise.all([getCorpusIndex(dir), getCorpusIndex(dir)]);
    assert.equal(x, y);
  });

  it("rebuilds after a file changes, is added or removed, re-reading only what changed", async () => {
    const dir = await folderWith("rebuild", { "a.md": "# A\n\nAlpacas hum.", "b.md": "# B\n\nBison graze." });
    const local = createLocalSearch(dir);
    const first = await getCorpusIndex(dir);
    assert.equal((await local.search("dolphins")).length, 0);

    await writeFile(join(dir, "a.md"), "# A\n\nDolphins whistle to each other.");
    const second = await getCorpusIndex(dir);
    assert.notEqual(second, first);
    assert.equal(basename((await local.search("dolphins"))[0].path), "a.md");
    assert.equal((await local.search("alpacas")).length, 0);
    const unchanged = (index: typeof first) => index.documents.find((d) => d.path.endsWith("b.md"));
    assert.equal(unchanged(second), unchanged(first), "an unchanged file was re-read");

    await writeFile(join(dir, "c.txt"), "Emus run fast.");
    assert.equal(await local.documentCount(), 3);
    await rm(join(dir, "c.txt"));
    assert.equal(await local.documentCount(), 2);
  });

  it("notices a same-size edit through its mtime", async () => {
    const dir = await folderWith("mtime", { "a.txt": "Geckos climb." });
    const local = createLocalSearch(dir);
    await local.search("geckos");
    await writeFile(join(dir, "a.txt"), "Okapis climb.");
    const later = new Date(Date.now() + 5_000);
    await utimes(join(dir, "a.txt"), later, later);
    assert.equal((await local.search("okapis")).length, 1);
    assert.equal((await local.search("geckos")).length, 0);
  });
});

describe("what gets indexed", () => {
  it("skips hidden folders, node_modules, binary files, big files and other extensions", async () => {
    const secret = "Zebrafinch";
    const dir = await folderWith("skips", {
      "visible.md": "# Visible\n\nQuokkas smile.",
      ".hidden/note.md": secret,
      ".dotfile.md": secret,
      "node_modules/pkg/readme.md": secret,
      "deep/node_modules/x.txt": secret,
      "binary.txt": Buffer.concat([Buffer.from(secret), Buffer.from([0, 1, 2, 3])]),
      "big.txt": `${secret} ${"padding ".repeat(700_000)}`,
      "data.json": `{"a": "${secret}"}`,
      "UPPER.MD": "# Upper\n\nTapirs swim.",
    });
    const local = createLocalSearch(dir);
    assert.equal(await local.documentCount(), 2);
    assert.deepEqual(await local.search(secret), []);
    assert.equal((await local.search("tapirs")).length, 1);
  });

  it("counts the files it skips, by reason, and says so in one line", async () => {
    const dir = await folderWith("counted", {
      "visible.md": "# Visible\n\nQuokkas smile.",
      "also.txt": "Tapirs swim.",
      "binary.txt": Buffer.from([81, 0, 1, 2]),
      "big.md": Buffer.alloc(MAX_FILE_BYTES + 1, "a"),
      "blank.md": "  \n",
      "data.json": "{}",
      ".hidden.md": "hidden",
    });
    const summary = await createLocalSearch(dir).summary();
    assert.deepEqual(summary, { indexed: 2, skipped: { too_large: 1, binary: 1, unreadable: 0, empty: 1 } });
    assert.equal(describeCorpus(summary), "2 files indexed, 3 skipped (1 over 5 MB, 1 binary, 1 empty)");
    assert.equal(describeCorpus({ indexed: 1, skipped: { too_large: 0, binary: 0, unreadable: 0, empty: 0 } }), "1 file indexed");
  });

  it("reads a file that is not UTF-8 as Windows-1252 instead of mangling it", async () => {
    const latin1 = Buffer.from("Caf\xe9 cr\xe8me: the na\xefve barista\x92s notes on espresso.", "latin1");
    const [hit] = await createLocalSearch(await folderWith("latin1", { "notes.txt": latin1 })).search("espresso barista");
    assert.match(hit.content, /Café crème: the naïve barista’s notes/);
  });

  it("indexes a junk HTML page without throwing", { timeout: 60_000 }, async () => {
    const junk = `<html><head><script>${"x=1;".repeat(100_000)}</script></head><body>
      <img src="data:image/png;base64,${"AAAA".repeat(200_000)}"><p>Narwhals have one long tooth.</p>
      ${"<div>".repeat(3000)}deep${"</div>".repeat(3000)}</body></html>`;
    const dir = await folderWith("junk", { "junk.html": junk });
    const [hit] = await createLocalSearch(dir).search("narwhals tooth");
    assert.match(hit.content, /Narwhals have one long tooth/);
    assert.ok(!hit.content.includes("AAAA"));
  });
});

describe("corpus errors", () => {
  async function problemOf(folder: string): Promise<LocalCorpusError> {
    const error = await createLocalSearch(folder)
      .search("anything")
      .then(
        () => assert.fail("expected a LocalCorpusError"),
        (e: unknown) => e,
      );
    assert.ok(error instanceof LocalCorpusError, String(error));
    return error;
  }

  it("reports a missing folder with its absolute path", async () => {
    const missing = join(scratch, "does-not-exist");
    const error = await problemOf(missing);
    assert.equal(error.problem, "missing");
    assert.equal(error.path, missing);
    assert.ok(error.message.includes(missing));
  });

  it("reports an empty folder, and one with nothing indexable", async () => {
    assert.equal((await problemOf(await folderWith("empty", {}))).problem, "empty");
    const useless = await folderWith("useless", { "a.png": Buffer.from([137, 80, 78, 71, 0]), "b.txt": Buffer.from([0, 0]), "c.md": "  \n" });
    assert.equal((await problemOf(useless)).problem, "empty");
    await assert.rejects(createLocalSearch(useless).documentCount(), LocalCorpusError);
  });

  it("a folder whose only files are too big says so", async () => {
    const dir = await folderWith("too-big", { "a.md": Buffer.alloc(MAX_FILE_BYTES + 1, "a"), "b.txt": Buffer.alloc(MAX_FILE_BYTES + 10, "b") });
    const error = await problemOf(dir);
    assert.equal(error.problem, "empty");
    assert.equal(error.message, `the local corpus folder has no file that can be indexed (skipped: 2 over 5 MB): ${dir}`);
  });

  it("reports a file given as the folder, and a blank setting", async () => {
    assert.equal((await problemOf(join(corpus, "composting.txt"))).problem, "not_a_directory");
    assert.equal((await problemOf("  ")).problem, "not_configured");
  });

  it("recovers once the folder gets documents", async () => {
    const dir = await folderWith("later", {});
    const local = createLocalSearch(dir);
    await assert.rejects(local.search("ibis"), LocalCorpusError);
    await writeFile(join(dir, "ibis.md"), "Ibises wade.");
    assert.equal((await local.search("ibis")).length, 1);
  });
});
