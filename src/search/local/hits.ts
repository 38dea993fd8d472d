import type { RankedPassage } from "./bm25.js";
import type { CorpusIndex } from "./corpus.js";
import type { LocalHit } from "./types.js";

/** Extra passages shown must score at least this share of the document's best one. */
const EXTRA_PASSAGE_RATIO = 0.5;
const MAX_PASSAGES_PER_HIT = 3;

/**
 * Group ranked passages by document: a document scores as its best passage, and
 * its content is that passage plus up to two other strong ones, in document order.
 */
export function groupHits(index: CorpusIndex, ranked: readonly RankedPassage[], maxResults: number): LocalHit[] {
  const byDocument = new Map<number, RankedPassage[]>();
  for (const passage of ranked) {
    const doc = index.passages[passage.id].doc;
    const list = byDocument.get(doc);
    if (list) list.push(passage);
    else if (byDocument.size < maxResults) byDocument.set(doc, [passage]);
  }
  // Map order is insertion order, i.e. by best passage score.
  return Array.from(byDocument, ([doc, passages]) => toHit(index, doc, passages));
}

function toHit(index: CorpusIndex, doc: number, passages: RankedPassage[]): LocalHit {
  const document = index.documents[doc];
  const best = passages[0].score;
  const ordinals = passages
    .filter((p, i) => i === 0 || p.score >= best * EXTRA_PASSAGE_RATIO)
    .slice(0, MAX_PASSAGES_PER_HIT)
    .map((p) => index.passages[p.id].ordinal)
    .sort((a, b) => a - b);
  return {
    url: document.url,
    title: document.title,
    content: joinPassages(document.passages, ordinals),
    score: best,
    path: document.path,
  };
}

/** Adjacent passages read on; a gap is marked so the reader knows text was skipped. */
function joinPassages(passages: readonly string[], ordinals: readonly number[]): string {
  return ordinals.map((ordinal, i) => (i > 0 && ordinal !== ordinals[i - 1] + 1 ? "[…]\n\n" : "") + passages[ordinal]).join("\n\n");
}
