export interface PassageOptions {
  /** A heading starts a new passage once the current one has this many characters. */
  minChars: number;
  maxChars: number;
}

export const DEFAULT_PASSAGES: PassageOptions = { minChars: 800, maxChars: 1500 };

const HEADING = /^#{1,6}\s/;

/**
 * Split a document into passages of roughly 800–1,500 characters along headings
 * and paragraphs. Over-long paragraphs are cut at a sentence end, else at a space,
 * so a word is never split (only a space-free run longer than `maxChars` is).
 */
export function splitPassages(text: string, options: PassageOptions = DEFAULT_PASSAGES): string[] {
  const { minChars, maxChars } = options;
  const passages: string[] = [];
  let current: string[] = [];
  let length = 0;
  const flush = (carryHeading: boolean) => {
    // A heading left at the end belongs to what follows it.
    const carried = carryHeading && current.length > 1 && HEADING.test(current[current.length - 1]) ? current.pop() : undefined;
    if (current.length > 0) passages.push(current.join("\n\n"));
    current = carried ? [carried] : [];
    length = carried ? carried.length : 0;
  };
  for (const block of blocks(text)) {
    for (const piece of cutLongBlock(block, maxChars)) {
      const startsSection = HEADING.test(piece) && length >= minChars;
      const overflows = length + 2 + piece.length > maxChars;
      // A lone heading keeps its first paragraph even if that overshoots maxChars a little.
      const loneHeading = current.length === 1 && HEADING.test(current[0]);
      if (current.length > 0 && !loneHeading && (startsSection || overflows)) flush(!startsSection);
      current.push(piece);
      length += (length > 0 ? 2 : 0) + piece.length;
    }
  }
  flush(false);
  return passages;
}

function blocks(text: string): string[] {
  return text
    .split(/\n[ \t]*\n/)
    .map((block) => block.trim())
    .filter((block) => block.length > 0);
}

/** Cut a block longer than maxChars, preferring a line break or sentence end in the last 40%. */
export function cutLongBlock(block: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = block;
  while (rest.length > maxChars) {
    const cut = findCut(rest, maxChars);
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

function findCut(text: string, maxChars: number): number {
  const window = text.slice(0, maxChars + 1);
  const floor = Math.floor(maxChars * 0.6);
  let best = -1;
  for (const match of window.matchAll(/\n|[.!?。！？]["')\]]?(?=\s)/g)) {
    const end = match.index + match[0].length;
    if (end >= floor && end <= maxChars) best = end;
  }
  if (best > 0) return best;
  const space = window.search(/\s\S*$/);
  return space > 0 ? space : maxChars;
}
