import { z } from "zod";
import { HumanMessage } from "@langchain/core/messages";
import type { Configuration } from "../config.js";
import { CHARS_PER_TOKEN, contextBudget, roleModel } from "../context/budget.js";
import { withinContext } from "../context/retry.js";
import { renderPrompt } from "../prompts.js";
import { today } from "../util/dates.js";
import { invokeStructured } from "../util/structured.js";
import { truncateText } from "../util/text.js";

export const SummarySchema = z.object({
  summary: z.string().describe("What the page says that matters, in a few paragraphs"),
  key_excerpts: z.string().describe("Up to five short, exact quotes from the page, one per line"),
});

/** Pages shorter than this are passed on whole: a summary would not be shorter. */
export const SUMMARY_THRESHOLD_CHARACTERS = 2_000;

/** The summary prompt without the page, and the JSON-in-text instruction a weak model gets, in tokens. */
const PROMPT_TOKENS = 600;

/** Retries of a failed summary request; after that the start of the page stands in. */
export const SUMMARY_RETRIES = 1;

/**
 * Share of tool_timeout_seconds, counted from the start of the search call,
 * by which every page summary must be done; the rest is left for the search's
 * own requests to have finished and the results to be put together.
 */
export const SUMMARY_DEADLINE_SHARE = 0.75;

/** The deadline for a search call's summaries, started when the call starts. */
export function summaryDeadline(configuration: Configuration): AbortSignal {
  return AbortSignal.timeout(configuration.tool_timeout_seconds * 1000 * SUMMARY_DEADLINE_SHARE);
}

/**
 * A page's summary for a researcher to read. When the model fails, returns
 * garbage or misses `deadline`, the start of the page stands in for it, so a
 * search never fails because of its summaries, and a slow summariser still
 * leaves the search its sources. Only the run's own `signal` makes it throw.
 */
export async function summarisePage(text: string, configuration: Configuration, signal?: AbortSignal, deadline?: AbortSignal): Promise<string> {
  if (text.length <= SUMMARY_THRESHOLD_CHARACTERS) return text;
  const fallback = () => truncateText(text, SUMMARY_THRESHOLD_CHARACTERS);
  if (deadline?.aborted) return fallback();
  try {
    // One retry, not the default three, of a failed request or an unusable reply: with
    // backoff (7-14 s a page), a search of many pages would outrun the tool timeout.
    const model = await roleModel(configuration, "summarization", { maxRetries: SUMMARY_RETRIES });
    const until = [signal, deadline].filter((s): s is AbortSignal => s !== undefined);
    const summarise = (tokens: number) => {
      // The page is cut to what the model can read next to the prompt (and to max_content_length).
      const room = Math.max(SUMMARY_THRESHOLD_CHARACTERS, (tokens - PROMPT_TOKENS) * CHARS_PER_TOKEN);
      const page = truncateText(text, Math.min(configuration.max_content_length, room));
      const prompt = renderPrompt("summarise_page", { page, date: today() });
      return invokeStructured(model, SummarySchema, "Summary", [new HumanMessage(prompt)], 1 + SUMMARY_RETRIES, until.length > 0 ? AbortSignal.any(until) : undefined);
    };
    const result = await withinContext(contextBudget(configuration, "summarization").inputTokens, summarise, "summary");
    return `${result.summary.trim()}\n\nKey excerpts:\n${result.key_excerpts.trim()}`;
  } catch (error) {
    if (signal?.aborted) throw error;
    return fallback();
  }
}
