/** Text cut to a length, at a word boundary when one is near, and marked as cut. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit);
  const lastSpace = cut.lastIndexOf(" ");
  const clean = lastSpace > limit * 0.8 ? cut.slice(0, lastSpace) : cut;
  return `${clean} […]`;
}
