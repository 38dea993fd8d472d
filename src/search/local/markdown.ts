export interface MarkdownText {
  title: string | null;
  markdown: string;
}

const FRONT_MATTER = /^(?:\uFEFF)?---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/;
const FRONT_MATTER_TITLE = /^title:[ \t]*(.+?)[ \t]*$/m;
const FENCE = /^(`{3,}|~{3,})/;

/** Markdown is indexed as is; only YAML front matter is lifted off (its title is kept). */
export function readMarkdown(source: string): MarkdownText {
  const front = FRONT_MATTER.exec(source);
  const markdown = front ? source.slice(front[0].length) : source;
  const metaTitle = front ? unquote(FRONT_MATTER_TITLE.exec(front[1])?.[1] ?? "") : "";
  return { title: metaTitle || firstHeading(markdown), markdown };
}

/** First `# heading` outside fenced code blocks (a `# comment` in a shell snippet is not a title). */
function firstHeading(markdown: string): string | null {
  let inFence = false;
  for (const line of markdown.split("\n")) {
    if (FENCE.test(line.trim())) inFence = !inFence;
    if (inFence) continue;
    const heading = /^#[ \t]+(.+?)[ \t]*#*[ \t]*$/.exec(line.replace(/\r$/, ""));
    if (heading) return heading[1].trim() || null;
  }
  return null;
}

function unquote(value: string): string {
  return value.replace(/^(['"])(.*)\1$/, "$2").trim();
}
