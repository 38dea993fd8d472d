import { z } from "zod";
import { HumanMessage } from "@langchain/core/messages";
import type { Configuration } from "../config.js";
import { createChatModel } from "../models.js";
import { renderPrompt } from "../prompts.js";
import { today } from "../util/dates.js";
import { invokeStructured } from "../util/structured.js";

export const SummarySchema = z.object({
  summary: z.string().describe("What the page says that matters, in a few paragraphs"),
  key_excerpts: z.string().describe("Up to five short, exact quotes from the page, one per line"),
});

/** Pages shorter than this are passed on whole: a summary would not be shorter. */
export const SUMMARY_THRESHOLD_CHARACTERS = 2_000;

/** Retries of a failed summary request; after that the start of the page stands in. */
export const SUMMARY_RETRIES = 1;

/** Text of the page cut to a length, at a word boundary, marked as cut. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const lastSpace = cut.lastIndexOf(" ");
  const clean = lastSpace > limit * 0.8 ? cut.slice(0, lastSpace) : cut;
  return `${clean} […]`;
}

/**
 * A page's summary for a researcher to read. When the model fails or returns
 * garbage, the start of the page stands in for it, so a search never fails
 * because of one summary.
 */
export async function summarisePage(text: string, configuration: Configuration, signal?: AbortSignal): Promise<string> {
  if (text.length <= SUMMARY_THRESHOLD_CHARACTERS) return text;
  const page = truncateText(text, configuration.max_content_length);
  try {
    // One retry, not the default three, of a failed request or an unusable reply: with
    // backoff (7-14 s a page), a search of many pages would outrun the tool timeout.
    const model = createChatModel(configuration.summarization_model, {
      maxTokens: configuration.summarization_model_max_tokens,
      timeoutSeconds: configuration.model_timeout_seconds,
      maxRetries: SUMMARY_RETRIES,
    });
    const prompt = renderPrompt("summarize_page", { page, date: today() });
    const result = await invokeStructured(model, SummarySchema, "Summary", [new HumanMessage(prompt)], 1 + SUMMARY_RETRIES, signal);
    return `${result.summary.trim()}\n\nKey excerpts:\n${result.key_excerpts.trim()}`;
  } catch (error) {
    if (signal?.aborted) throw error;
    return truncateText(text, SUMMARY_THRESHOLD_CHARACTERS);
  }
}
