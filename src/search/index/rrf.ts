/** Reciprocal rank fusion's constant: a document ranked r adds 1 / (k + r). */
export const RRF_K = 60;

/**
 * Fuses rankings of ids (best first) by reciprocal rank: ids ranked well by
 * several rankers rise, and no ranker's raw scores need calibrating.
 */
export function fuseRankings(rankings: readonly (readonly number[])[], k = RRF_K): number[] {
  const scores = new Map<number, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, index) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + index + 1)));
  }
  return [...scores].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([id]) => id);
}
