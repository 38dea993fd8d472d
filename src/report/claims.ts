import { z } from "zod";
import pLimit from "p-limit";
import { HumanMessage } from "@langchain/core/messages";
import type { Configuration } from "../config.js";
import { createChatModel } from "../models.js";
import { renderPrompt } from "../prompts.js";
import type { CitationCheck, Source } from "../state.js";
import { invokeStructured } from "../util/structured.js";
import { truncateText } from "../util/text.js";

export const CitationVerdictsSchema = z.object({
  verdicts: z
    .array(
      z.object({
        sentence: z.number().int().describe("The sentence's number"),
        supported: z.boolean().describe("Whether the source text supports the sentence"),
        reason: z.string().describe("Why, in at most one short sentence"),
      }),
    )
    .describe("One verdict per sentence"),
});

/** The mark an unsupported citation gets, and the note that explains it under the sources. */
export const UNSUPPORTED_MARK = "†";
export const UNSUPPORTED_NOTE = `${UNSUPPORTED_MARK} The cited source does not support this sentence (claim check by the summarisation model).`;

/** Source text given to the checker, per source: summaries are far shorter; a raw page is cut. */
const SOURCE_TEXT_CHARACTERS = 20_000;

/** A sentence of the report that cites, with where it is in the report. */
type CitedSentence = { start: number; end: number; text: string; numbers: number[] };

/**
 * The text each retrieved source gave the researchers (its summary, or the
 * page when short), by URL, read from the raw notes: the search tool writes
 * one block per source, `--- Source N: Title\nURL: url\n\n<text>`.
 */
export function retrievedTexts(rawNotes: string[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const notes of rawNotes) {
    for (const block of notes.split(/^--- Source \d+: .*$/m).slice(1)) {
      const match = /^\s*URL: (\S+)\n([\s\S]*)$/.exec(block);
      if (!match) continue;
      const text = match[2].split(/^\(Some queries failed: /m)[0].trim();
      const url = match[1];
      texts.set(url, [texts.get(url), text].filter(Boolean).join("\n\n"));
    }
  }
  return texts;
}

/**
 * The sentences before the Sources list that carry citations. Citations sit at
 * a sentence's end ("… tides [1]." or "… tides.[1]"), so a sentence runs to the
 * punctuation and the citations after it.
 */
export function citedSentences(body: string): CitedSentence[] {
  const sentences: CitedSentence[] = [];
  // A stop followed by more text ("3.5 GW", "e.g.x") does not end a sentence; one followed by a citation does.
  const pattern = /(?:[^\n.!?]|[.!?](?=[^\s[]))+(?:[.!?]+(?:[ \t]*\[\d+\])*)?/g;
  for (const match of body.matchAll(pattern)) {
    const numbers = [...match[0].matchAll(/\[(\d+)\](?!\()/g)].map((found) => Number(found[1]));
    if (numbers.length === 0) continue;
    sentences.push({ start: match.index, end: match.index + match[0].length, text: match[0].trim(), numbers: [...new Set(numbers)] });
  }
  return sentences;
}

/**
 * Checks every cited sentence of a finished report against the retrieved
 * text of each source it cites, one summarisation-model call per cited
 * source. A citation the source does not support is flagged in place
 * (`[3]†`, explained under the sources) rather than removed, so the reader
 * sees the claim and can judge it. A source whose check fails (model error,
 * unusable reply) leaves its citations unflagged and not counted as either; a
 * source with no retrieved text counts as not supported.
 */
export async function checkClaims(
  report: string,
  cited: Source[],
  texts: Map<string, string>,
  configuration: Configuration,
  signal?: AbortSignal,
): Promise<{ report: string; supported: number; unsupported: number }> {
  const sourcesAt = report.search(/^## Sources\s*$/m);
  const body = sourcesAt >= 0 ? report.slice(0, sourcesAt) : report;
  const sentences = citedSentences(body);
  const model = createChatModel(configuration.summarization_model, {
    maxTokens: configuration.summarization_model_max_tokens,
    timeoutSeconds: configuration.model_timeout_seconds,
  });
  const limit = pLimit(configuration.max_concurrent_summaries);
  /** Verdicts by "sentence index:source number"; missing means unchecked. */
  const verdicts = new Map<string, boolean>();
  await Promise.all(
    cited.map((source, index) =>
      limit(async () => {
        const number = index + 1;
        const citing = sentences.flatMap((sentence, at) => (sentence.numbers.includes(number) ? [at] : []));
        if (citing.length === 0) return;
        const text = texts.get(source.url);
        if (!text) {
          for (const at of citing) verdicts.set(`${at}:${number}`, false);
          return;
        }
        const prompt = renderPrompt("citation_check", {
          source: `${source.title}\n${source.url}\n\n${truncateText(text, SOURCE_TEXT_CHARACTERS)}`,
          claims: citing.map((at, position) => `${position + 1}. ${sentences[at].text}`).join("\n"),
        });
        try {
          const reply = await invokeStructured(
            model,
            CitationVerdictsSchema,
            "CitationVerdicts",
            [new HumanMessage(prompt)],
            configuration.max_structured_output_retries,
            signal,
          );
          for (const verdict of reply.verdicts) {
            const at = citing[verdict.sentence - 1];
            if (at !== undefined) verdicts.set(`${at}:${number}`, verdict.supported);
          }
        } catch (error) {
          if (signal?.aborted) throw error;
        }
      }),
    ),
  );
  let supported = 0;
  let flagged = 0;
  let rebuilt = "";
  let from = 0;
  sentences.forEach((sentence, at) => {
    const marked = report.slice(sentence.start, sentence.end).replace(/\[(\d+)\](?!\()/g, (citation, digits: string) => {
      const verdict = verdicts.get(`${at}:${Number(digits)}`);
      if (verdict === true) supported += 1;
      else if (verdict === false) {
        flagged += 1;
        return `${citation}${UNSUPPORTED_MARK}`;
      }
      return citation;
    });
    rebuilt += report.slice(from, sentence.start) + marked;
    from = sentence.end;
  });
  rebuilt += report.slice(from);
  if (flagged > 0) rebuilt = `${rebuilt.trimEnd()}\n\n${UNSUPPORTED_NOTE}\n`;
  return { report: rebuilt, supported, unsupported: flagged };
}

/** The line every report ends with, e.g. `Citations: 14 checked, 14 retrieved, 13 supported`. */
export function citationLine(check: CitationCheck): string {
  const parts = [`${check.checked} checked`, `${check.retrieved} retrieved`];
  if (check.supported !== undefined) parts.push(`${check.supported} supported`);
  if (check.unchecked) parts.push(`${check.unchecked} not checked (the check failed)`);
  return `Citations: ${parts.join(", ")}`;
}
