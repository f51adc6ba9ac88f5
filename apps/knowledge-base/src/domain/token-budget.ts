/**
 * Token estimates for result budgets. Hosts count tokens with their own tokenizer; about four
 * characters a token holds for English prose and code, and erring on more characters per token
 * would overrun the host's limit, so this rounds up.
 */
export const CHARS_PER_TOKEN = 4;

/** Estimated tokens of a text of `chars` characters. */
export function estimateTokens(chars: number): number {
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Characters that fit in a token budget. */
export function charsForTokens(tokens: number): number {
  return Math.floor(tokens * CHARS_PER_TOKEN);
}

/** research_question's budget: default and bounds, in tokens. */
export const RESEARCH_BUDGET = { default: 4000, min: 200, max: 20_000 } as const;
