/** Stand-in server (a test tool): deterministic embeddings through OpenAIEmbeddings. */
import { beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { embeddingsModel, postJson, suiteStandIn } from "./helpers.js";
import type { StandIn } from "./types.js";

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, value, i) => sum + value * b[i]!, 0);
}

describe("stand-in embeddings", () => {
  const current = suiteStandIn();
  let standIn: StandIn;
  beforeEach(() => {
    standIn = current();
  });

  it("returns normalised, deterministic 64-dim vectors where similar texts are near", async () => {
    const embeddings = embeddingsModel(standIn);
    const [cats, catsAgain, kittens, bonds] = await embeddings.embedDocuments([
      "Cats sleep most of the day in warm sunny spots",
      "Cats sleep most of the day in warm sunny spots",
      "Most cats sleep in sunny warm spots during the day",
      "Bond yields rose after the central bank meeting",
    ]);
    assert.equal(cats!.length, 64);
    assert.ok(Math.abs(cosine(cats!, cats!) - 1) < 1e-5);
    assert.deepEqual(cats, catsAgain);
    assert.ok(cosine(cats!, kittens!) > 0.7, "similar texts should be near");
    assert.ok(cosine(cats!, kittens!) > cosine(cats!, bonds!) + 0.4, "unrelated texts should be far");
    const query = await embeddings.embedQuery("sunny cats");
    assert.equal(query.length, 64);
    const stats = standIn.stats();
    assert.equal(stats.embeddings, 2);
    assert.equal(stats.byRole.embeddings, 2);
  });

  it("speaks both float and base64 encodings, with usage, and honours dimensions", async () => {
    const url = `${standIn.url}/embeddings`;
    const asFloat = await postJson(url, { model: "e", input: "tidal energy", encoding_format: "float" });
    const asBase64 = await postJson(url, { model: "e", input: ["tidal energy"], encoding_format: "base64" });
    const bytes = Uint8Array.from(Buffer.from(asBase64.json.data[0].embedding, "base64"));
    const decoded = Array.from(new Float32Array(bytes.buffer));
    const floats: number[] = asFloat.json.data[0].embedding;
    assert.equal(decoded.length, 64);
    decoded.forEach((value, i) => assert.ok(Math.abs(value - floats[i]!) < 1e-6));
    assert.ok(asFloat.json.usage.prompt_tokens > 0);
    const small = await postJson(url, { model: "e", input: "tidal energy", dimensions: 8 });
    assert.equal(small.json.data[0].embedding.length, 8);
  });

  it("rejects a malformed embeddings body with 400", async () => {
    const { status, json } = await postJson(`${standIn.url}/embeddings`, { model: "e", input: 42 });
    assert.equal(status, 400);
    assert.equal(json.error.type, "invalid_request_error");
  });
});
