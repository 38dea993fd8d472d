import type { Source } from "../state.js";

/**
 * The numbered source list the report writer cites from: "[1] Title: URL". When only some are
 * `shown` (a report model with a small context), each keeps its number in the whole list.
 */
export function numberSources(sources: Source[], shown: (source: Source) => boolean = () => true): string {
  if (sources.length === 0) return "(no sources were retrieved)";
  return sources.flatMap((source, index) => (shown(source) ? [`[${index + 1}] ${source.title}: ${source.url}`] : [])).join("\n");
}

/**
 * Makes a report cite only what the run retrieved. Citation numbers refer to
 * `sources` (1-based); numbers outside it are dropped, links to URLs that were
 * not retrieved keep their text but lose the link, any Sources section the
 * model wrote is replaced, and the cited sources are renumbered in order of
 * first citation and listed at the end. `checked` counts the citations the
 * report made, `retrieved` those kept (a repeat inside one bracket counts once).
 */
export function finaliseCitations(report: string, sources: Source[]): { report: string; cited: Source[]; checked: number; retrieved: number } {
  const body = keepRetrievedUrls(stripSourcesSection(report), sources);
  const renumbered = new Map<number, number>();
  const cited: Source[] = [];
  let checked = 0;
  let retrieved = 0;
  const citedBody = body.replace(/\[(\d+(?:\s*,\s*\d+)*)\](?!\()/g, (_match, list: string) => {
    const all = list.split(",").map((n) => Number(n.trim()));
    checked += all.length;
    const numbers = all
      .filter((n) => n >= 1 && n <= sources.length)
      .map((n) => {
        if (!renumbered.has(n)) {
          cited.push(sources[n - 1]);
          renumbered.set(n, cited.length);
        }
        return renumbered.get(n)!;
      });
    const unique = [...new Set(numbers)];
    retrieved += unique.length;
    return unique.length > 0 ? unique.map((n) => `[${n}]`).join("") : "";
  });
  const list = cited.map((source, index) => `${index + 1}. [${escapeTitle(source.title)}](${source.url})`).join("\n");
  const tidied = citedBody.replace(/[ \t]+([.,;:])/g, "$1").trimEnd();
  return { report: cited.length > 0 ? `${tidied}\n\n## Sources\n\n${list}\n` : `${tidied}\n`, cited, checked, retrieved };
}

const SOURCES_HEADING = /^#{1,6}\s*(sources|references|bibliography|citations)\s*:?\s*$/im;

/** Drops a Sources/References section the model wrote despite being asked not to. */
function stripSourcesSection(report: string): string {
  const match = SOURCES_HEADING.exec(report);
  if (!match) return report;
  const rest = report.slice(match.index + match[0].length);
  const nextHeading = /^#{1,6}\s/m.exec(rest);
  return report.slice(0, match.index) + (nextHeading ? rest.slice(nextHeading.index) : "");
}

/**
 * The URL check of finaliseCitations, for any text a reader or the report
 * writer may see (findings, fallback text): [text](url) for a URL that was not
 * retrieved becomes plain text, and bare such URLs are removed. A sentence's
 * closing punctuation is not taken as part of a URL.
 */
export function keepRetrievedUrls(text: string, sources: Source[]): string {
  const retrieved = new Set(sources.map((source) => source.url));
  const withoutLinks = text.replace(/\[([^\]]*)\]\(([^)\s]+)\)/g, (match, linkText: string, url: string) => (retrieved.has(url) ? match : linkText));
  return withoutLinks.replace(/(?<![(<])\b(?:https?|file|mcp):\/\/[^\s)>\]]+/g, (found) => {
    const url = found.replace(/[.,;:!?]+$/, "");
    return retrieved.has(url) ? found : found.slice(url.length);
  });
}

function escapeTitle(title: string): string {
  return title.replace(/[[\]]/g, "").trim() || "untitled";
}
