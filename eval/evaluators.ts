import type { CitationCheck, Source } from "../src/state.js";
import type { Aspect } from "./dataset.js";

/** What an evaluator reads of a finished run. */
export type RunOutput = {
  status: "done" | "partial" | "failed";
  reason: string;
  report: string;
  /** Every source the run retrieved. */
  sources: Source[];
  citation_check?: CitationCheck;
  research_brief: string;
  raw_notes: string[];
};

/** One score, as LangSmith's EvaluationResult names its fields: 0–1, or null when it does not apply. */
export type Score = { key: string; score: number | null; comment: string };

/** Words a report must have to count as a report, and past which it is padding. */
export const REPORT_WORDS = { min: 150, max: 12_000 };

/** Share of the report's citations that name a source the run retrieved, and that the listed sources were retrieved. */
export function citationValidity(output: RunOutput): Score {
  const check = output.citation_check;
  const retrieved = new Set(output.sources.map((source) => source.url));
  const listed = listedSources(output.report);
  const stray = listed.filter((url) => !retrieved.has(url));
  if (!check || check.checked === 0) {
    return { key: "citation_validity", score: null, comment: listed.length === 0 ? "the report cites nothing" : "no citation counts recorded" };
  }
  const score = stray.length > 0 ? 0 : check.retrieved / check.checked;
  const detail = stray.length > 0 ? `; ${stray.length} listed source(s) were never retrieved` : "";
  return { key: "citation_validity", score, comment: `${check.retrieved} of ${check.checked} citations name a retrieved source${detail}` };
}

/** With verify_citations=claims: the share of kept citations whose source supports the sentence. */
export function citationSupport(output: RunOutput): Score {
  const check = output.citation_check;
  if (check?.supported === undefined || check.retrieved === 0)
    return { key: "citation_support", score: null, comment: "claims were not checked (verify_citations=retrieved)" };
  return { key: "citation_support", score: check.supported / check.retrieved, comment: `${check.supported} of ${check.retrieved} citations supported by their source` };
}

/** How many of the retrieved sources the report cites (share, with the counts in the comment). */
export function sourcesUsed(output: RunOutput): Score {
  const cited = listedSources(output.report).length;
  const retrieved = output.sources.length;
  if (retrieved === 0) return { key: "sources_used", score: null, comment: "no source was retrieved" };
  return { key: "sources_used", score: cited / retrieved, comment: `${cited} of ${retrieved} retrieved sources cited` };
}

/** A title, at least two sections, a sources list, and a length within REPORT_WORDS. */
export function structure(output: RunOutput): Score {
  const body = output.report.replace(/^> \*\*Partial report:\*\*.*\n(?:>.*\n)*\n?/, "");
  const words = body.split(/\s+/).filter(Boolean).length;
  const checks: [string, boolean][] = [
    ["title", /^# \S/m.test(body)],
    ["sections", (body.match(/^## (?!Sources\s*$)\S/gm) ?? []).length >= 2],
    ["sources list", /^## Sources\s*$/m.test(body)],
    [`${REPORT_WORDS.min}–${REPORT_WORDS.max} words`, words >= REPORT_WORDS.min && words <= REPORT_WORDS.max],
  ];
  const missing = checks.filter(([, ok]) => !ok).map(([name]) => name);
  return {
    key: "structure",
    score: checks.filter(([, ok]) => ok).length / checks.length,
    comment: missing.length === 0 ? `all present (${words} words)` : `missing: ${missing.join(", ")} (${words} words)`,
  };
}

/** Share of the question's aspects the report mentions, by keyword. */
export function aspectCoverage(output: RunOutput, aspects: Aspect[]): Score {
  if (aspects.length === 0) return { key: "aspect_coverage", score: null, comment: "the item lists no aspects" };
  const text = output.report.toLowerCase();
  const missed = aspects.filter((aspect) => !aspect.keywords.some((keyword) => text.includes(keyword.toLowerCase())));
  return {
    key: "aspect_coverage",
    score: (aspects.length - missed.length) / aspects.length,
    comment: missed.length === 0 ? "every aspect covered" : `missed: ${missed.map((aspect) => aspect.aspect).join("; ")}`,
  };
}

/** Every computed evaluator on one run. */
export function computedScores(output: RunOutput, aspects: Aspect[]): Score[] {
  return [citationValidity(output), citationSupport(output), sourcesUsed(output), structure(output), aspectCoverage(output, aspects)];
}

/** URLs in the report's Sources list. */
export function listedSources(report: string): string[] {
  const section = report.split(/^## Sources\s*$/m)[1] ?? "";
  return [...section.matchAll(/^\d+\.\s+\[.*\]\((\S+)\)\s*$/gm)].map((match) => match[1]);
}
