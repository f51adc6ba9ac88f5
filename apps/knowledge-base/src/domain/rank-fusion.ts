/** Reciprocal rank fusion's constant: damps the weight of the very top ranks (Cormack et al., 2009). */
export const RRF_K = 60;

export interface FusedRank {
  id: string;
  /** Sum over the lists of 1 / (k + rank), ranks from 1. */
  score: number;
  /** The item's rank in each list (1-based), null where it is absent. */
  ranks: (number | null)[];
}

/**
 * Fuses ranked lists of ids by reciprocal rank fusion: scores only depend on ranks, so BM25 scores
 * and cosine distances need no common scale. Ties go to the better best rank, then to the id.
 */
export function fuseRanks(lists: readonly (readonly string[])[], k = RRF_K): FusedRank[] {
  const fused = new Map<string, FusedRank>();
  lists.forEach((list, which) => {
    list.forEach((id, i) => {
      let entry = fused.get(id);
      if (!entry) {
        entry = { id, score: 0, ranks: lists.map(() => null) };
        fused.set(id, entry);
      }
      // An id listed twice in one list counts at its best rank.
      if (entry.ranks[which] !== null) return;
      entry.ranks[which] = i + 1;
      entry.score += 1 / (k + i + 1);
    });
  });
  const best = (r: FusedRank) => Math.min(...r.ranks.map((n) => n ?? Infinity));
  return [...fused.values()].sort(
    (a, b) => b.score - a.score || best(a) - best(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
