/** Longest title kept, in characters. */
const MAX_TITLE_LENGTH = 200;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/**
 * A source title as plain text: markdown images (badges) and HTML tags
 * removed, links reduced to their words, emphasis and heading marks dropped,
 * entities decoded, whitespace collapsed. Titles come from pages and READMEs
 * whose first line is often a row of badges.
 */
export function cleanTitle(raw: string): string {
  const text = raw
    .replace(/\[!\[[^\]]*\]\([^)]*\)\]\([^)]*\)/g, " ") // a linked badge: [![alt](img)](link)
    .replace(/\[!\[[^\]]*\]\[[^\]]*\]\]\[[^\]]*\]/g, " ") // the same by reference: [![alt][img]][link]
    .replace(/!\[[^\]]*\]\([^)]*\)/g, " ") // an image
    .replace(/!\[[^\]]*\]\[[^\]]*\]/g, " ") // an image by reference
    .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link keeps its words
    .replace(/<[^>]*>/g, " ") // HTML tags
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => decodeEntity(name) ?? whole)
    // Emphasis marks; a double underscore inside a word (a scoped package's folder name) is not one.
    .replace(/\*\*|`|(?<![\w@])__|__(?!\w)/g, "")
    .replace(/^\s*#+\s*/, "")
    .replace(/\s+/g, " ")
    .trim();
  return text.length > MAX_TITLE_LENGTH ? `${text.slice(0, MAX_TITLE_LENGTH - 1).trimEnd()}…` : text;
}

function decodeEntity(name: string): string | undefined {
  if (name.startsWith("#x") || name.startsWith("#X")) return String.fromCodePoint(parseInt(name.slice(2), 16));
  if (name.startsWith("#")) return String.fromCodePoint(parseInt(name.slice(1), 10));
  return ENTITIES[name.toLowerCase()];
}
