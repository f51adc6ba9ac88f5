/** Retrieval quality of one ranked list of documents against the set that answers the question. */
export function scoreRanking(
  ranked: string[],
  relevant: string[],
): { recallAt5: number; reciprocalRank: number; ndcgAt10: number } {
  const hits = ranked.map((doc) => relevant.includes(doc));
  const recallAt5 = hits.slice(0, 5).filter(Boolean).length / relevant.length;
  const first = hits.indexOf(true);
  const reciprocalRank = first < 0 ? 0 : 1 / (first + 1);
  const dcg = hits.slice(0, 10).reduce((sum, hit, i) => sum + (hit ? 1 / Math.log2(i + 2) : 0), 0);
  const ideal = relevant.slice(0, 10).reduce((sum, _doc, i) => sum + 1 / Math.log2(i + 2), 0);
  return { recallAt5, reciprocalRank, ndcgAt10: dcg / ideal };
}

/** Documents in the order their best chunk ranks. */
export function documentOrder(chunkDocuments: string[]): string[] {
  return [...new Set(chunkDocuments)];
}

/** Mean of each metric over the questions. */
export function meanScores(scores: ReturnType<typeof scoreRanking>[]) {
  const mean = (pick: (s: ReturnType<typeof scoreRanking>) => number) =>
    Math.round((scores.reduce((sum, s) => sum + pick(s), 0) / scores.length) * 1000) / 1000;
  return {
    recallAt5: mean((s) => s.recallAt5),
    mrr: mean((s) => s.reciprocalRank),
    ndcgAt10: mean((s) => s.ndcgAt10),
  };
}
