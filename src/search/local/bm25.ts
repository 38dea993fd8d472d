export interface Bm25Params {
  k1: number;
  b: number;
}

export const DEFAULT_BM25: Bm25Params = { k1: 1.2, b: 0.75 };

export interface RankedPassage {
  /** Index of the passage in the array the scorer was built from. */
  id: number;
  score: number;
}

interface Postings {
  ids: number[];
  tfs: number[];
}

/**
 * Okapi BM25 over pre-tokenised passages.
 *
 * score(q, p) = Σ_t idf(t) · tf·(k1+1) / (tf + k1·(1 − b + b·|p|/avgdl))
 * idf(t)      = ln(1 + (N − df + 0.5) / (df + 0.5))   (Lucene's form: never negative)
 *
 * `search` returns passage ids with scores, best first: the seam where a vector
 * ranker and reciprocal-rank fusion can later be combined with it.
 */
export class Bm25 {
  readonly params: Bm25Params;
  private readonly postings = new Map<string, Postings>();
  private readonly lengths: Float64Array;
  private readonly averageLength: number;

  constructor(passages: readonly (readonly string[])[], params: Bm25Params = DEFAULT_BM25) {
    this.params = params;
    this.lengths = Float64Array.from(passages, (tokens) => tokens.length);
    const total = this.lengths.reduce((sum, n) => sum + n, 0);
    this.averageLength = passages.length > 0 ? total / passages.length : 0;
    passages.forEach((tokens, id) => this.addPassage(id, tokens));
  }

  get size(): number {
    return this.lengths.length;
  }

  /** Passages containing the term. */
  documentFrequency(term: string): number {
    return this.postings.get(term)?.ids.length ?? 0;
  }

  idf(term: string): number {
    const df = this.documentFrequency(term);
    return Math.log(1 + (this.size - df + 0.5) / (df + 0.5));
  }

  /** Passages with a positive score, best first (ties: lower id first); repeated query terms count once. */
  search(queryTerms: readonly string[], limit = Infinity): RankedPassage[] {
    const scores = new Map<number, number>();
    const { k1, b } = this.params;
    for (const term of new Set(queryTerms)) {
      const list = this.postings.get(term);
      if (!list) continue;
      const idf = this.idf(term);
      for (let i = 0; i < list.ids.length; i++) {
        const id = list.ids[i];
        const tf = list.tfs[i];
        const norm = k1 * (1 - b + (b * this.lengths[id]) / this.averageLength);
        scores.set(id, (scores.get(id) ?? 0) + (idf * tf * (k1 + 1)) / (tf + norm));
      }
    }
    const ranked = Array.from(scores, ([id, score]) => ({ id, score })).filter((r) => r.score > 0);
    ranked.sort((x, y) => y.score - x.score || x.id - y.id);
    return Number.isFinite(limit) ? ranked.slice(0, Math.max(0, limit)) : ranked;
  }

  private addPassage(id: number, tokens: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const token of tokens) counts.set(token, (counts.get(token) ?? 0) + 1);
    for (const [term, tf] of counts) {
      let list = this.postings.get(term);
      if (!list) this.postings.set(term, (list = { ids: [], tfs: [] }));
      list.ids.push(id);
      list.tfs.push(tf);
    }
  }
}
