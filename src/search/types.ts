/** One page or document a search returned. */
export type SearchHit = {
  url: string;
  title: string;
  /** The text to read: a page's full text when the backend has it, else its snippet. */
  content: string;
  /** Which provider answered, when search_api lists several (and which failed before it). */
  answeredBy?: string;
};

/** A search service: one query in, ranked hits out. Throws on failure. */
export type SearchBackend = {
  /** The tool name the model sees, e.g. web_search. */
  toolName: string;
  description: string;
  search(query: string, maxResults: number): Promise<SearchHit[]>;
};
