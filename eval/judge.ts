import { HumanMessage } from "@langchain/core/messages";
import { z } from "zod";
import type { Configuration } from "../src/config.js";
import { createChatModel } from "../src/models.js";
import { renderPrompt } from "../src/prompts.js";
import { invokeStructured } from "../src/util/structured.js";
import { truncateText } from "../src/util/text.js";
import type { RunOutput, Score } from "./evaluators.js";

const grade = (what: string) => z.number().int().min(0).max(10).describe(what);

export const JudgeScoresSchema = z.object({
  comprehensiveness: grade("How fully the report covers what the question needs"),
  insight: grade("Analysis and conclusions beyond restating sources"),
  instruction_following: grade("Answers the question as asked, in its scope"),
  readability: grade("Structure, clarity and language"),
  groundedness: grade("How much of the report is backed by the research notes"),
  completeness: grade("How much of the research brief the report addresses"),
  comment: z.string().describe("The main weakness, in at most three sentences"),
});

export const PairwiseVerdictSchema = z.object({
  preferred: z.enum(["1", "2", "tie"]).describe("The better report"),
  reason: z.string().describe("Why, in at most two sentences"),
});

/** Characters of research notes and of a report shown to the judge. */
const NOTES_CHARACTERS = 60_000;
const REPORT_CHARACTERS = 40_000;

function judgeModel(configuration: Configuration) {
  return createChatModel(configuration.judge_model, { maxTokens: 2_000, timeoutSeconds: configuration.model_timeout_seconds });
}

/**
 * Model-judged scores of one report, by `judge_model`: overall quality in
 * the way of DeepResearch Bench's RACE (comprehensiveness, insight,
 * instruction following, readability; their mean is `quality`), groundedness
 * of its claims in the run's raw notes, and completeness against the brief.
 * Each is 0–1 (the judge's 0–10 over 10).
 */
export async function judgedScores(question: string, output: RunOutput, configuration: Configuration): Promise<Score[]> {
  const prompt = renderPrompt("judge_report", {
    question,
    research_brief: output.research_brief || "(none)",
    notes: truncateText(output.raw_notes.join("\n\n"), NOTES_CHARACTERS) || "(none)",
    report: truncateText(output.report, REPORT_CHARACTERS),
  });
  const scores = await invokeStructured(
    judgeModel(configuration),
    JudgeScoresSchema,
    "JudgeScores",
    [new HumanMessage(prompt)],
    configuration.max_structured_output_retries,
  );
  const quality = (scores.comprehensiveness + scores.insight + scores.instruction_following + scores.readability) / 40;
  return [
    {
      key: "quality",
      score: quality,
      comment: `comprehensiveness ${scores.comprehensiveness}, insight ${scores.insight}, instruction following ${scores.instruction_following}, readability ${scores.readability} (of 10). ${scores.comment}`,
    },
    { key: "groundedness", score: scores.groundedness / 10, comment: `${scores.groundedness} of 10 against the run's raw notes` },
    { key: "completeness", score: scores.completeness / 10, comment: `${scores.completeness} of 10 against the research brief` },
  ];
}

/**
 * Which of two reports on one question the judge prefers. `swap` shows B first,
 * so that over a dataset each side is shown first half the time.
 */
export async function pairwiseVerdict(
  question: string,
  a: string,
  b: string,
  swap: boolean,
  configuration: Configuration,
): Promise<{ preferred: "A" | "B" | "tie"; reason: string }> {
  const [first, second] = swap ? [b, a] : [a, b];
  const prompt = renderPrompt("judge_pairwise", { question, first: truncateText(first, REPORT_CHARACTERS), second: truncateText(second, REPORT_CHARACTERS) });
  const verdict = await invokeStructured(
    judgeModel(configuration),
    PairwiseVerdictSchema,
    "PairwiseVerdict",
    [new HumanMessage(prompt)],
    configuration.max_structured_output_retries,
  );
  if (verdict.preferred === "tie") return { preferred: "tie", reason: verdict.reason };
  const firstWins = verdict.preferred === "1";
  return { preferred: firstWins !== swap ? "A" : "B", reason: verdict.reason };
}
