import { pathToFileURL } from "node:url";
import { Bm25, type Bm25Params, DEFAULT_BM25, type RankedPassage } from "./bm25.js";
import type { SourceDocument } from "./loader.js";
import { splitPassages } from "./passages.js";
import { tokenize } from "./tokenize.js";

/** A document split and tokenised once; reused across index rebuilds while the file is unchanged. */
export interface PreparedDocument {
  path: string;
  url: string;
  title: string;
  passages: string[];
  /** Per passage: the title's tokens then the passage's, so a title match counts in every passage. */
  passageTokens: string[][];
}

/** Where a passage id points: document index and the passage's position inside it. */
export interface PassageRef {
  doc: number;
  ordinal: number;
}

export function prepareDocument(source: SourceDocument): PreparedDocument | null {
  const passages = splitPassages(source.text);
  if (passages.length === 0) return null;
  const titleTokens = tokenize(source.title);
  return {
    path: source.path,
    url: pathToFileURL(source.path).href,
    title: source.title,
    passages,
    passageTokens: passages.map((passage) => titleTokens.concat(tokenize(passage))),
  };
}

/** All passages of a folder, flattened, with one BM25 scorer over them. */
export class CorpusIndex {
  readonly documents: readonly PreparedDocument[];
  readonly passages: readonly PassageRef[];
  private readonly bm25: Bm25;

  constructor(documents: readonly PreparedDocument[], params: Bm25Params = DEFAULT_BM25) {
    this.documents = documents;
    const refs: PassageRef[] = [];
    const tokens: string[][] = [];
    documents.forEach((document, doc) =>
      document.passageTokens.forEach((passage, ordinal) => {
        refs.push({ doc, ordinal });
        tokens.push(passage);
      }),
    );
    this.passages = refs;
    this.bm25 = new Bm25(tokens, params);
  }

  /** Lexical ranking of passage ids; a vector ranker can be fused with this later. */
  rankPassages(query: string): RankedPassage[] {
    return this.bm25.search(tokenize(query));
  }
}
