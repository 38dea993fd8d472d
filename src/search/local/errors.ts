/** Why a folder cannot be searched; the caller turns this into a tool error message. */
export type LocalCorpusProblem = "not_configured" | "missing" | "not_a_directory" | "empty" | "too_many_files";

const EXPLANATIONS: Record<LocalCorpusProblem, string> = {
  not_configured: "no local corpus folder is configured (set local_corpus_path)",
  missing: "the local corpus folder does not exist",
  not_a_directory: "the local corpus path is not a folder",
  empty: "the local corpus folder has no readable .md, .markdown, .txt, .html, .htm or .pdf files",
  too_many_files: "the local corpus folder has too many files or sub-folders; point local_corpus_path at a smaller folder",
};

export class LocalCorpusError extends Error {
  readonly path: string;
  readonly problem: LocalCorpusProblem;

  /** `skipped` says why files were left out ("2 over 5 MB"), so an "empty" folder that is not empty says why. */
  constructor(path: string, problem: LocalCorpusProblem, options?: { cause?: unknown; skipped?: string }) {
    const explanation =
      problem === "empty" && options?.skipped ? `the local corpus folder has no file that can be indexed (skipped: ${options.skipped})` : EXPLANATIONS[problem];
    super(`${explanation}: ${path || "(empty path)"}`, options);
    this.name = "LocalCorpusError";
    this.path = path;
    this.problem = problem;
  }
}
