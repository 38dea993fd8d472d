/**
 * Stand-in server (a test tool): the writer role (no tools, no schema). With numbered source
 * lines in the prompt it writes a short cited markdown report (no Sources section: the caller
 * builds it); without them, a summary that keeps every URL it saw.
 */
import { NUMBERED_SOURCE, allUrls, findingsText, pickSnippets, snippetsFrom, type Snippet } from "./findings.js";
import { asSentence, clip, firstSentence, sentences, subjectOf } from "./text.js";
import type { ChatMessage } from "./types.js";

interface NumberedSource {
  n: number;
  title: string;
  url: string;
}

const SECTION_TITLES = ["Background", "Key findings", "Evidence and examples", "Open questions"];

/** The caller's numbered source list, from system and user messages (tool results may number their hits too). */
export function numberedSources(messages: ChatMessage[]): NumberedSource[] {
  const found = new Map<number, NumberedSource>();
  for (const message of messages.filter((candidate) => candidate.role === "system" || candidate.role === "user")) {
    for (const line of message.content.split("\n")) {
      const match = NUMBERED_SOURCE.exec(line);
      if (!match) continue;
      const n = Number(match[1]);
      if (!found.has(n)) found.set(n, { n, title: match[2]!.trim(), url: match[3]! });
    }
  }
  return [...found.values()].sort((a, b) => a.n - b.n);
}

/** A brief/topic/question tag anywhere, else the first sentence of the first user message. */
function titleOf(messages: ChatMessage[]): string {
  const firstUser = messages.find((message) => message.role === "user")?.content ?? "";
  const subject = subjectOf(
    messages.map((message) => message.content),
    firstUser,
  );
  return clip(firstSentence(subject), 90).replace(/\.+$/, "") || "Research report";
}

/** Puts the citation before the sentence's final punctuation: "… grew [2]." */
function cite(sentence: string, n: number): string {
  const match = /^(.*?)\s*([.!?]*)$/.exec(sentence.trim());
  return `${match?.[1] ?? sentence} [${n}]${match?.[2] || "."}`;
}

function contentTexts(messages: ChatMessage[]): string[] {
  return messages.filter((message) => message.role !== "system").map((message) => message.content);
}

/** Sentences for one source: text tied to its URL, else unused unanchored text, else its title. */
function sentencesFor(source: NumberedSource, byUrl: Map<string, Snippet[]>, spare: Snippet[], max: number): string[] {
  const own = byUrl.get(source.url) ?? [];
  const picked = own.length > 0 ? own : spare.splice(0, 1);
  const quoted = picked
    .flatMap((snippet) => sentences(snippet.text))
    .slice(0, max)
    .map(asSentence);
  return quoted.length > 0 ? quoted : [`The source "${source.title}" was gathered on this topic.`];
}

function report(messages: ChatMessage[], sources: NumberedSource[]): string {
  const numbered = new Map(sources.map((source) => [source.n, source.url]));
  const snippets = pickSnippets(snippetsFrom(contentTexts(messages), numbered), 2, 8);
  const byUrl = new Map<string, Snippet[]>();
  for (const snippet of snippets) byUrl.set(snippet.url, [...(byUrl.get(snippet.url) ?? []), snippet]);
  const spare = byUrl.get("") ?? [];
  const sectionCount = Math.min(4, Math.max(2, sources.length));
  const sections: string[] = [];
  for (let s = 0; s < sectionCount; s += 1) {
    const assigned = sources.filter((_, i) => i % sectionCount === s);
    const own = assigned.length > 0 ? assigned : [sources[s % sources.length]!];
    const perSource = own.length > 2 ? 1 : 2;
    const body = own.flatMap((source) => sentencesFor(source, byUrl, spare, perSource).map((sentence) => cite(sentence, source.n)));
    if (body.length < 2) body.push(cite(`The source "${own[0]!.title}" bears on this part of the question`, own[0]!.n));
    sections.push(`## ${SECTION_TITLES[s]}\n\n${body.join(" ")}`);
  }
  return [`# ${titleOf(messages)}`, ...sections].join("\n\n");
}

export function writerReply(messages: ChatMessage[]): string {
  const sources = numberedSources(messages);
  if (sources.length > 0) return report(messages, sources);
  const everyUrl = allUrls(messages.map((message) => message.content));
  return findingsText(`# Summary: ${titleOf(messages)}`, contentTexts(messages), "No findings were given to summarise.", everyUrl);
}
