/**
 * Okapi BM25 over chunks, with field weights: a term in the document title counts `title` times,
 * in the chunk's heading path `heading` times, in the body once (BM25F-style weighted term
 * frequency). k1 and b are the usual defaults; test/quality measures the result on a question set.
 */
export const BM25 = { k1: 1.2, b: 0.75, weights: { title: 3, heading: 2, body: 1 } } as const;

/** The text search configuration: English stemming and stop words. */
export const TEXT_SEARCH_CONFIG = 'english';

/** How many ranked candidates research_question considers before packing its budget. */
export const RESEARCH_CANDIDATES = 40;
