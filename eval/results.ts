import { mkdirSync, writeFileSync, appendFileSync } from "node:fs";
import path from "node:path";
import { redactSecrets } from "../src/secrets.js";
import type { Score } from "./evaluators.js";

/** One question's line in results.jsonl. */
export type ResultLine = {
  id: string;
  /** "A" or "B" in a pairwise evaluation. */
  side?: "A" | "B";
  question: string;
  thread_id: string;
  status: string;
  reason: string;
  scores: Record<string, number | null>;
  comments: Record<string, string>;
  citations?: unknown;
  sources_retrieved: number;
  words: number;
  duration_ms: number;
};

export type PairwiseLine = { id: string; preferred: "A" | "B" | "tie"; reason: string };

/** Where one evaluation writes: eval-results/<timestamp>/ (results.jsonl, reports/, articles.jsonl, summary.md). */
export class ResultsFolder {
  readonly folder: string;

  constructor(root: string, startedAt: Date) {
    this.folder = path.resolve(root, startedAt.toISOString().replace(/[:.]/g, "-"));
    mkdirSync(path.join(this.folder, "reports"), { recursive: true });
  }

  /**
   * Written as each question finishes, so an evaluation stopped half-way keeps what it did.
   * Error reasons can echo a key, so the lines pass through the same redaction as CLI output.
   */
  add(line: ResultLine, report: string, prompt: string): void {
    const name = `${line.id}${line.side ? `-${line.side}` : ""}`;
    appendFileSync(path.join(this.folder, "results.jsonl"), `${redactSecrets(JSON.stringify(line))}\n`);
    writeFileSync(path.join(this.folder, "reports", `${safeName(name)}.md`), report);
    // DeepResearch Bench's article format; its ids are the dataset's.
    if (line.side !== "B" && report)
      appendFileSync(path.join(this.folder, "articles.jsonl"), `${JSON.stringify({ id: numericOrText(line.id), prompt, article: report })}\n`);
  }

  addPairwise(line: PairwiseLine): void {
    appendFileSync(path.join(this.folder, "pairwise.jsonl"), `${redactSecrets(JSON.stringify(line))}\n`);
  }

  writeSummary(text: string): string {
    const file = path.join(this.folder, "summary.md");
    writeFileSync(file, redactSecrets(text));
    return file;
  }
}

/** The markdown summary: settings, one row per question with every score, and the means. */
export function summaryMarkdown(title: string, details: string[], lines: ResultLine[], pairwise: PairwiseLine[]): string {
  const keys = [...new Set(lines.flatMap((line) => Object.keys(line.scores)))];
  const header = ["id", ...(lines.some((line) => line.side) ? ["side"] : []), "status", ...keys, "sources", "words", "seconds"];
  const row = (cells: string[]) => `| ${cells.join(" | ")} |`;
  const rows = lines.map((line) =>
    row([
      line.id,
      ...(line.side ? [line.side] : []),
      line.status,
      ...keys.map((key) => shown(line.scores[key])),
      String(line.sources_retrieved),
      String(line.words),
      (line.duration_ms / 1000).toFixed(1),
    ]),
  );
  const sides = lines.some((line) => line.side) ? (["A", "B"] as const) : ([undefined] as const);
  const means = sides.map((side) => {
    const mine = lines.filter((line) => line.side === side);
    return row([
      `**mean**`,
      ...(side ? [side] : []),
      `${mine.filter((line) => line.status === "done").length}/${mine.length} done`,
      ...keys.map((key) => shown(mean(mine.map((line) => line.scores[key])))),
      "",
      "",
      "",
    ]);
  });
  const parts = [`# ${title}`, "", ...details.map((detail) => `- ${detail}`), "", row(header), row(header.map(() => "---")), ...rows, ...means, ""];
  if (pairwise.length > 0) {
    const count = (who: string) => pairwise.filter((verdict) => verdict.preferred === who).length;
    parts.push(
      "## Pairwise",
      "",
      `A preferred ${count("A")}, B preferred ${count("B")}, ties ${count("tie")} (of ${pairwise.length}).`,
      "",
      ...pairwise.map((verdict) => `- ${verdict.id}: ${verdict.preferred} — ${verdict.reason}`),
      "",
    );
  }
  parts.push("Scores are 0–1; a blank score does not apply to that run (e.g. citation_support without verify_citations=claims).", "");
  return parts.join("\n");
}

/** The mean of the scores that apply, or null when none does. */
export function mean(scores: (number | null | undefined)[]): number | null {
  const applied = scores.filter((score): score is number => typeof score === "number");
  return applied.length === 0 ? null : applied.reduce((sum, score) => sum + score, 0) / applied.length;
}

export function scoreMap(scores: Score[]): { scores: Record<string, number | null>; comments: Record<string, string> } {
  return { scores: Object.fromEntries(scores.map((s) => [s.key, s.score])), comments: Object.fromEntries(scores.map((s) => [s.key, s.comment])) };
}

function shown(score: number | null | undefined): string {
  return typeof score === "number" ? score.toFixed(2) : "";
}

function safeName(name: string): string {
  return name.replace(/[^\w.-]+/g, "_");
}

function numericOrText(id: string): number | string {
  return /^\d+$/.test(id) ? Number(id) : id;
}
